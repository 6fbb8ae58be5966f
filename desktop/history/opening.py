"""Opening the history database whatever state it is in.

A damaged file is moved aside (never deleted) and a fresh one started; a file
another program holds locked, or one written by a newer Parley, opens
read-only; a file that cannot be opened at all (no room, no permission) leaves
the history unavailable for now. Each case comes with a sentence for the user.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from desktop.config.set_aside import SQLITE_COMPANIONS, aside_name, set_aside
from desktop.history import schema

log = logging.getLogger(__name__)

StoreMode = Literal["read-write", "read-only", "unavailable"]
Fault = Literal["corrupt", "busy", "full", "other"]
#: How long opening waits for another connection's lock before giving up (at start-up;
#: a retry while the app runs waits far less, as it runs on the GUI thread).
BUSY_TIMEOUT_S = 1.0
#: How long a write waits for a lock once open (only another program can hold one).
WRITE_BUSY_TIMEOUT_MS = 200


@dataclass
class Opened:
    db: sqlite3.Connection | None
    mode: StoreMode
    problems: list[str] = field(default_factory=list)
    #: True when retrying cannot make the history writable (a newer Parley's file,
    #: or read-only on purpose); False when it may (a lock, a full disk).
    lasting: bool = False


def classify(error: sqlite3.Error) -> Fault:
    """What kind of trouble a sqlite3 error is, from its result code (and text)."""
    name = str(getattr(error, "sqlite_errorname", "") or "")
    text = str(error).lower()
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return "corrupt"
    if "not a database" in text:
        return "corrupt"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "busy"
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return "full"
    return "other"


def open_database(
    path: Path, read_only: bool = False, busy_timeout_s: float = BUSY_TIMEOUT_S
) -> Opened:
    opened = _open(path, read_only, busy_timeout_s)
    if opened.db is not None:
        opened.db.execute(f"PRAGMA busy_timeout = {WRITE_BUSY_TIMEOUT_MS}")
    return opened


def _open(path: Path, read_only: bool, busy_timeout_s: float) -> Opened:
    if read_only:
        opened = _open_read_only(path, [], busy_timeout_s)
        opened.lasting = True
        return opened
    problems: list[str] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _unavailable(path, problems, exc.strerror or str(exc))
    try:
        return _open_writable(path, problems, busy_timeout_s)
    except sqlite3.Error as exc:
        fault = classify(exc)
    if fault == "corrupt":
        try:
            kept = set_aside(path, "corrupt", move=True, companions=SQLITE_COMPANIONS)
        except OSError as exc:
            return _unavailable(path, problems, f"it is damaged and could not be moved: {exc}")
        log.warning("history database %s is damaged; kept as %s", path, kept)
        problems.append(
            f"The history file was damaged. It was kept as {kept} and a new history was "
            "started; earlier conversations are in the kept file."
        )
        try:
            return _open_writable(path, problems, busy_timeout_s)
        except sqlite3.Error as exc:
            return _unavailable(path, problems, str(exc))
    if fault == "busy":
        log.warning("history database %s is locked by another program", path)
        problems.append(
            "The history is locked by another program. The conversation goes on; what is "
            "said is kept and saved once the history is free."
        )
        readable = _open_read_only(path, [], busy_timeout_s)
        return Opened(readable.db, readable.mode, problems)
    if fault == "full":
        return _unavailable(path, problems, "the disk is full")
    return _unavailable(path, problems, "it could not be opened")


def _connect(target: str, timeout_s: float, uri: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(target, timeout=timeout_s, isolation_level=None, uri=uri)


def _open_writable(path: Path, problems: list[str], busy_timeout_s: float) -> Opened:
    db = _connect(str(path), busy_timeout_s)
    try:
        _check_intact(db)
        version = schema.current_version(db)
        if version > schema.latest_version():
            db.close()
            problems.append(
                "The history was written by a newer version of Parley; it is shown "
                "read-only and this conversation is not saved."
            )
            opened = _open_read_only(path, problems, busy_timeout_s)
            opened.lasting = True
            return opened
        db.execute("PRAGMA journal_mode = WAL")
        # Every commit reaches the operating system (a killed app loses nothing);
        # only a power cut can lose the last few, and the file stays consistent.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if 0 < version < schema.latest_version():
            _copy_before_migration(db, path, version)
        applied = schema.migrate(db)
        if applied:
            log.info("history database %s now at schema version %s", path, applied[-1])
    except BaseException:
        db.close()
        raise
    return Opened(db, "read-write", problems)


def _check_intact(db: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError (corrupt) unless the file is a sound database."""
    rows = db.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        detail = "; ".join(str(row[0]) for row in rows[:3])
        raise sqlite3.DatabaseError(f"database disk image is malformed: {detail}")


def _copy_before_migration(db: sqlite3.Connection, path: Path, version: int) -> None:
    """A consistent copy of the old version, in case an upgrade goes wrong."""
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    number = 1
    while (target := aside_name(path, f"schema-v{version}", stamp, number)).exists():
        number += 1
    copy = sqlite3.connect(str(target))
    try:
        db.backup(copy)
    finally:
        copy.close()
    log.info("kept the schema v%s history as %s before upgrading it", version, target)


def _open_read_only(path: Path, problems: list[str], busy_timeout_s: float) -> Opened:
    if not path.exists():
        return _unavailable(path, problems, "there is no history file yet")
    try:
        db = _connect(f"{path.resolve().as_uri()}?mode=ro", busy_timeout_s, uri=True)
        try:
            schema.current_version(db)
        except BaseException:
            db.close()
            raise
    except sqlite3.Error as exc:
        return _unavailable(path, problems, str(exc))
    return Opened(db, "read-only", problems)


def _unavailable(path: Path, problems: list[str], why: str) -> Opened:
    log.warning("history %s unavailable: %s", path, why)
    problems.append(
        f"The history cannot be opened ({why}). The conversation goes on; what is said "
        "is kept in memory and saved once the history can be written again."
    )
    return Opened(None, "unavailable", problems)
