"""One Parley per user: a lock file the operating system releases when we die.

The first instance holds an exclusive lock on the file and writes its process id
into it; a second one fails to take the lock and reads that id, then either
asks the first to come forward (through :func:`instance_server_name`, a local
socket name the first listens on) or opens the history read-only. A crash or
``kill -9`` releases the lock with the process, so no stale lock survives.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from desktop import APP_ID
from desktop.history.paths import default_lock_path

#: The byte that is locked; the pid is written before it, readable while it is locked.
_LOCK_OFFSET = 64


class InstanceLock:
    """``acquire()`` once at start-up; the lock lasts until ``release()`` or exit."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_lock_path()
        self._file: BinaryIO | None = None
        #: The process id of the instance that holds the lock (after a failed acquire).
        self.owner_pid: int | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """True when this process is the first instance (and now holds the lock)."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 (held open for the lock's lifetime)
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            text = handle.read(_LOCK_OFFSET).decode("ascii", "replace").strip("\0 \n")
            handle.close()
            self.owner_pid = int(text) if text.isdigit() else None
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode("ascii"))
        handle.flush()
        self._file = handle
        self.owner_pid = os.getpid()
        return True

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing releases the lock


def instance_server_name(lock_path: Path | None = None) -> str:
    """A local-socket name (QLocalServer) unique to this user's data directory."""
    path = str((lock_path or default_lock_path()).resolve())
    return f"{APP_ID}-{hashlib.sha256(path.encode('utf-8')).hexdigest()[:16]}"


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: BinaryIO) -> None:
        handle.seek(_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
