"""Keeping a bad file under a new name that no earlier copy uses.

A corrupt database or an unreadable settings file is never deleted and no
earlier copy is ever overwritten: each one gets a dated name, numbered when
two land in the same second, e.g. ``history.corrupt-20260821-142900.sqlite3``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

#: The files SQLite keeps beside a database in WAL mode; they travel with it.
SQLITE_COMPANIONS = ("-wal", "-shm")


def aside_name(path: Path, label: str, stamp: str, number: int) -> Path:
    counter = "" if number == 1 else f"-{number}"
    return path.with_name(f"{path.stem}.{label}-{stamp}{counter}{path.suffix}")


def set_aside(
    path: Path,
    label: str,
    *,
    move: bool,
    companions: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> Path:
    """Move (or copy) ``path`` and its existing companions (``path`` + suffix) to a
    fresh dated name; returns the new path of ``path``. Raises OSError if it cannot."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    present = [suffix for suffix in companions if Path(f"{path}{suffix}").exists()]
    number = 1
    while True:
        target = aside_name(path, label, stamp, number)
        taken = [target, *(Path(f"{target}{suffix}") for suffix in companions)]
        if not any(candidate.exists() for candidate in taken):
            try:
                _keep(path, target, move)
            except FileExistsError:  # someone took the name meanwhile
                number += 1
                continue
            for suffix in present:
                _keep(Path(f"{path}{suffix}"), Path(f"{target}{suffix}"), move)
            return target
        number += 1


def _keep(source: Path, target: Path, move: bool) -> None:
    if not move:
        with source.open("rb") as reader, target.open("xb") as writer:
            shutil.copyfileobj(reader, writer)
        shutil.copystat(source, target)
        return
    try:
        os.link(source, target)  # fails rather than overwrite
    except FileExistsError:
        raise
    except OSError:  # no hard links here (e.g. FAT): rename, having checked the name is free
        if target.exists():
            raise FileExistsError(target) from None
        os.rename(source, target)
        return
    os.unlink(source)
