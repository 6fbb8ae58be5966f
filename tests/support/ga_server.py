"""A scripted server that holds a GA conversation: it keeps each session's items,
acknowledges the ones a client creates (``conversation.item.added`` and ``.done``,
as a GA server does), answers each ``response.create`` with a reply made from the
session's items, and can take a spoken turn as if the user had spoken.

Each connection is a new server session with an empty conversation, as on the
real service: whatever the client does not send again is forgotten.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.server import ServerConnection

from tests.support.ga_script import spoken_item, spoken_reply
from tests.support.scripted_server import ScriptedServer

Item = dict[str, Any]
NAME = re.compile(r"my name is (\w+)", re.IGNORECASE)


def item_text(item: Item) -> str:
    parts = item.get("content") or []
    return " ".join(
        str(part.get("text") or part.get("transcript") or "") for part in parts if part
    ).strip()


def remembering_reply(items: list[Item]) -> str:
    """What this server answers: the user's name when asked and it was told, else a
    count of what the session holds."""
    said = [item_text(item) for item in items if item.get("role") == "user"]
    if said and "what is my name" in said[-1].lower():
        names = [m.group(1) for text in said for m in NAME.finditer(text)]
        return f"Your name is {names[-1]}." if names else "I don't know your name."
    return f"Noted; this session holds {len(items)} items."


@dataclass
class GaServer(ScriptedServer):
    """``reply`` makes each answer from the session's items; ``reply_audio_ms`` of
    output audio (a quiet tone) goes with each answer."""

    reply: Callable[[list[Item]], str] = remembering_reply
    reply_audio_ms: int = 0
    #: Answer a spoken turn without waiting for response.create (server-made replies).
    auto_respond: bool = False
    #: Every client event received, on every connection, in order; microphone audio
    #: is only counted (``audio_chunks``), so that a long run holds no audio.
    log: list[Item] = field(default_factory=list)
    audio_chunks: int = 0
    #: The items of each session (one list per connection, oldest first).
    sessions: list[list[Item]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _serial: int = 0

    def _open_session(self, connection: ServerConnection) -> list[Item]:
        items: list[Item] = []
        with self._lock:
            self.sessions.append(items)
        return items

    def _on_event(self, connection: ServerConnection, session: Any, event: Item) -> None:
        if event.get("type") == "input_audio_buffer.append":
            self.audio_chunks += 1
            return
        with self._lock:
            self.log.append(event)
        super()._on_event(connection, session, event)
        self._serve(connection, session, event)

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._serial += 1
            return f"{prefix}_{self._serial:06d}"

    def _serve(self, connection: ServerConnection, items: list[Item], event: Item) -> None:
        kind = event.get("type")
        if kind == "conversation.item.create":
            item = {**event["item"], "object": "realtime.item", "status": "completed"}
            item.setdefault("id", self._next_id("item"))
            previous = items[-1]["id"] if items else None
            items.append(item)
            for done in ("conversation.item.added", "conversation.item.done"):
                connection.send(
                    json.dumps({"type": done, "previous_item_id": previous, "item": item})
                )
        elif kind == "response.create":
            self._respond(connection, items)

    def _respond(self, connection: ServerConnection, items: list[Item]) -> None:
        response_id = self._next_id("resp")
        item = spoken_item(self._next_id("item"), self.reply(items))
        usage = {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10,
                 "input_token_details": {"text_tokens": 20},
                 "output_token_details": {"text_tokens": 2, "audio_tokens": 8}}  # fmt: skip
        frames = spoken_reply(response_id, item, _tone_chunks(self.reply_audio_ms), usage)
        items.append(item)
        for frame in frames:
            connection.send(json.dumps(frame))

    def speak(self, text: str, audio_ms: int = 500) -> str:
        """A spoken user turn on the newest session, as server voice detection reports
        one: started, stopped, committed, the item, its transcript. Returns its id."""
        item_id = self._next_id("item")
        connection = self.connection
        with self._lock:
            items = self.sessions[-1]
        previous = items[-1]["id"] if items else None
        item: Item = {"id": item_id, "type": "message", "role": "user", "status": "completed",
                      "object": "realtime.item",
                      "content": [{"type": "input_audio", "transcript": text}]}  # fmt: skip
        items.append(item)
        for frame in (
            {"type": "input_audio_buffer.speech_started", "item_id": item_id,
             "audio_start_ms": 0},
            {"type": "input_audio_buffer.speech_stopped", "item_id": item_id,
             "audio_end_ms": audio_ms},
            {"type": "input_audio_buffer.committed", "item_id": item_id,
             "previous_item_id": previous},
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item},
            {"type": "conversation.item.input_audio_transcription.completed",
             "item_id": item_id, "content_index": 0, "transcript": text},
        ):  # fmt: skip
            connection.send(json.dumps(frame))
        if self.auto_respond:
            self._respond(connection, items)
        return item_id

    def received_of(self, kind: str) -> list[Item]:
        with self._lock:
            return [event for event in self.log if event.get("type") == kind]


def _tone_chunks(milliseconds: int, chunk_ms: int = 100) -> list[str]:
    """``milliseconds`` of a quiet 440 Hz tone as base64 PCM16 deltas."""
    if milliseconds <= 0:
        return []
    import numpy as np

    rate = 24000
    samples = np.arange(int(rate * milliseconds / 1000))
    tone = (np.sin(2 * np.pi * 440 * samples / rate) * 3000).astype("<i2").tobytes()
    step = rate * chunk_ms // 1000 * 2
    return [base64.b64encode(tone[i : i + step]).decode("ascii") for i in range(0, len(tone), step)]
