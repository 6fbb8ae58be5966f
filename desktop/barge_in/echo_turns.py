"""Turns the echo guard judged to be the assistant's own voice, kept out of the conversation.

The server's VAD heard the echo as speech: it reports ``speech_started``,
``speech_stopped`` and ``committed`` for it and keeps the committed audio as a
user message. Once the guard has judged the start to be echo (the receiver
kept playing), the rest of that turn is withheld from the conversation and the
committed item deleted again. Receiver thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.realtime import (
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStoppedEvent,
    ServerEvent,
)


class EchoTurns:
    """Follows one echo turn at a time from its start to its committed item."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._open = False
        self._items: set[str] = set()

    def opened(self) -> None:
        """A speech_started was the assistant's echo: its turn is not the user's."""
        self._open = True

    def withholds(self, event: ServerEvent) -> bool:
        """Whether ``event`` belongs to an echo turn (and so not to the conversation)."""
        if isinstance(event, InputAudioBufferSpeechStoppedEvent) and self._open:
            self._open = False
            self._items.add(event.item_id)
            return True
        if isinstance(event, InputAudioBufferCommittedEvent) and event.item_id in self._items:
            # The server kept the echo as a user message: take it out again.
            self._items.discard(event.item_id)
            self._send({"type": "conversation.item.delete", "item_id": event.item_id})
            return True
        return False
