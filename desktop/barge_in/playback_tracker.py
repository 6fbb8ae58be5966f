"""What the assistant has said and what was heard: the facts barge-in needs.

Shared by the receive thread (output deltas) and the GUI thread (push-to-talk
press), so every method takes the lock. Audio is played through a callable
so the tracker works without a sound device too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Truncation:
    item_id: str
    audio_end_ms: int


@dataclass(frozen=True)
class BargeIn:
    """The response that was cut off (if any) and what to truncate (if heard)."""

    response_id: str | None
    truncation: Truncation | None


class PlaybackTracker:
    """Tracks the response being spoken, received audio per item, and
    responses whose late deltas must be dropped."""

    def __init__(self, bytes_per_ms: int = 48) -> None:
        self._lock = threading.Lock()
        self._bytes_per_ms = bytes_per_ms
        self._received_bytes: dict[str, int] = {}
        self._cancelled: set[str] = set()
        self._active_response: str | None = None
        self._current_item: str | None = None

    def set_bytes_per_ms(self, value: int) -> None:
        with self._lock:
            self._bytes_per_ms = value

    def response_started(self, response_id: str) -> None:
        with self._lock:
            self._active_response = response_id

    def response_finished(self, response_id: str) -> None:
        with self._lock:
            if self._active_response == response_id:
                self._active_response = None
            self._cancelled.discard(response_id)

    def accept_delta(self, response_id: str, item_id: str, size: int) -> bool:
        """Record ``size`` bytes for ``item_id``; False means drop them."""
        with self._lock:
            if response_id in self._cancelled:
                return False
            self._received_bytes[item_id] = self._received_bytes.get(item_id, 0) + size
            self._current_item = item_id
            if self._active_response is None:
                self._active_response = response_id
            return True

    def received_ms(self, item_id: str) -> int:
        with self._lock:
            return self._received_bytes.get(item_id, 0) // self._bytes_per_ms

    def barge_in(self, interrupt: Callable[[], tuple[str | None, int]] | None) -> BargeIn:
        """Stop playback now and say what to truncate.

        ``interrupt`` stops the sink and reports (item_id, played_ms). The
        active response's later deltas are dropped. No truncation is proposed
        when nothing of an assistant item was heard.
        """
        with self._lock:
            response_id = self._active_response
            if response_id is not None:
                self._cancelled.add(response_id)
            current_item = self._current_item
        played_item, played_ms = interrupt() if interrupt is not None else (None, 0)
        item_id = played_item or current_item
        with self._lock:
            self._current_item = None
            if item_id is None or played_item is None or played_ms <= 0:
                return BargeIn(response_id, None)
            received = self._received_bytes.get(item_id, 0) // self._bytes_per_ms
            end_ms = max(0, min(played_ms, received))
            if end_ms == 0:
                return BargeIn(response_id, None)
            return BargeIn(response_id, Truncation(item_id=item_id, audio_end_ms=end_ms))

    def reset(self) -> None:
        with self._lock:
            self._received_bytes.clear()
            self._cancelled.clear()
            self._active_response = None
            self._current_item = None
