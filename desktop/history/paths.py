"""Where the history lives: the platform's per-user data directory."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from desktop import APP_ID

HISTORY_FILE_NAME = "history.sqlite3"
LOCK_FILE_NAME = "instance.lock"
AUDIO_DIR_NAME = "audio"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def default_history_path() -> Path:
    return default_data_dir() / HISTORY_FILE_NAME


def default_lock_path() -> Path:
    return default_data_dir() / LOCK_FILE_NAME


def audio_dir_for(history_path: Path) -> Path:
    """Kept conversation audio lives beside the database it belongs to."""
    return history_path.parent / AUDIO_DIR_NAME
