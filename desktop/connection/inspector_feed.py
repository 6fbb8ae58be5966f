"""Every client and server event, buffered for the event inspector.

Both network threads append here (a lock-protected deque, no Qt); the GUI
thread drains it on a timer, so a 50-per-second stream of audio events
costs the GUI one batch per tick instead of one queued signal per event.
The inspector widget sanitises (audio to sizes, secrets redacted) and folds.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Literal

Direction = Literal["client", "server"]


class InspectorFeed:
    """A bounded, thread-safe queue of (direction, event) pairs."""

    def __init__(self, capacity: int = 4000) -> None:
        self._lock = threading.Lock()
        self._pending: deque[tuple[Direction, dict[str, Any]]] = deque(maxlen=capacity)
        self.enabled = True

    def add(self, direction: Direction, event: dict[str, Any]) -> None:
        if self.enabled:
            with self._lock:
                self._pending.append((direction, event))

    def drain(self) -> list[tuple[Direction, dict[str, Any]]]:
        with self._lock:
            records = list(self._pending)
            self._pending.clear()
        return records
