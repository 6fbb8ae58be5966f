"""Where the bundled icons and sounds live, and the app's icons."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from desktop.connection.state import ConnectionState


def resources_dir() -> Path:
    """The ``resources`` folder: next to the packages, or inside a frozen build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def _icon(name: str) -> QIcon:
    path = resource_path("icons", name)
    return QIcon(str(path)) if path.is_file() else QIcon()


def app_icon() -> QIcon:
    return _icon("parley.svg")


def state_icon(state: ConnectionState) -> QIcon:
    """The app icon with a badge in the colour of ``state``."""
    icon = _icon(f"state-{state.value}.svg")
    return icon if not icon.isNull() else app_icon()


def warning_icon() -> QIcon:
    """Something needs the user's attention (e.g. there is no sound)."""
    return _icon("warning.svg")


def mic_icon(muted: bool) -> QIcon:
    return _icon("mic-off.svg" if muted else "mic.svg")


def chime_path() -> Path:
    """A short chime for timers (16-bit mono WAV)."""
    return resource_path("sounds", "chime.wav")
