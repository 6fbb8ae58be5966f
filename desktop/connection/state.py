"""Where the link to the realtime backend stands; the session lifecycle owns it."""

from __future__ import annotations

import enum


class ConnectionState(enum.Enum):
    """Where the link to the realtime backend stands."""

    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
