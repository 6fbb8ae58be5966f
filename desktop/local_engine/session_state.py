"""What one connection's handlers share: dialect, configuration, conversation, outbox."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from desktop.local_engine.audio_formats import decode_input
from desktop.local_engine.chat_client import ChatChoice
from desktop.local_engine.conversation import Conversation, item_wire, new_id
from desktop.local_engine.errors import invalid_value
from desktop.local_engine.session_config import SessionConfig
from desktop.local_engine.stt import SpeechRecognizer
from desktop.local_engine.tts import Synthesizer
from desktop.protocol import Dialect

Emit = Callable[[dict[str, Any]], None]
ClientEvent = dict[str, Any]
Handler = Callable[[ClientEvent], None]


@dataclass
class EngineServices:
    """What every session shares: the loaded models and their worker threads."""

    recognizer: SpeechRecognizer
    synthesizer: Synthesizer
    stt_executor: Executor
    tts_executor: Executor
    chat: ChatChoice = field(default_factory=ChatChoice)


@dataclass
class SessionState:
    """The mutable state of one session; ``send`` enqueues a frame and never blocks."""

    dialect: Dialect
    send: Callable[[str], None]
    config: SessionConfig = field(default_factory=SessionConfig)
    conversation: Conversation = field(default_factory=Conversation)
    voice_locked: bool = False

    def emit(self, event: dict[str, Any]) -> None:
        self.send(json.dumps({"event_id": new_id("event"), **event}))

    def emit_item_added(self, item: dict[str, Any], previous: str | None) -> None:
        """Announces a client-side item (user audio or ``conversation.item.create``)."""
        wire = item_wire(item, self.dialect)
        if self.dialect == "beta":
            self.emit(
                {"type": "conversation.item.created", "previous_item_id": previous, "item": wire}
            )
            return
        self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": wire})
        self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": wire})

    def decode_audio(self, audio: str, param: str) -> bytes:
        """Base64 client audio in the session's input format, as 24 kHz PCM16 bytes."""
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_value(param, f"{param} is not valid base64.") from exc
        return decode_input(data, self.config.input_format).astype("<i2").tobytes()
