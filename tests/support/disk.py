"""A disk that really fills up: taking every free byte of a small file system."""

from __future__ import annotations

from pathlib import Path


def fill_disk(directory: Path) -> Path:
    """Take every free byte of the file system ``directory`` is on; returns the filler."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(bytes(4096))
        except OSError:
            pass
    return filler
