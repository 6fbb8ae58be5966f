"""The two state machines the conversation controller owns and widgets render."""

from __future__ import annotations

import enum


class ConnectionState(enum.Enum):
    """Where the link to the realtime backend stands."""

    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


class TurnState(enum.Enum):
    """Who holds the floor in the conversation right now."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
