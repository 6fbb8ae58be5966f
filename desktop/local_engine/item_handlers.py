"""Client events that edit the conversation: ``conversation.item.*``."""

from __future__ import annotations

import base64

import numpy as np

from desktop.local_engine.conversation import item_wire, normalize_client_item
from desktop.local_engine.errors import invalid_type, invalid_value, missing_parameter
from desktop.local_engine.session_state import ClientEvent, Handler, SessionState
from desktop.local_engine.transcription import InputTranscriber


class ItemHandlers:
    def __init__(self, state: SessionState, transcriber: InputTranscriber) -> None:
        self._state = state
        self._transcriber = transcriber

    def handlers(self) -> dict[str, Handler]:
        return {
            "conversation.item.create": self._on_item_create,
            "conversation.item.truncate": self._on_item_truncate,
            "conversation.item.delete": self._on_item_delete,
            "conversation.item.retrieve": self._on_item_retrieve,
        }

    def _on_item_create(self, event: ClientEvent) -> None:
        state = self._state
        item = normalize_client_item(event.get("item"))
        previous_item_id = event.get("previous_item_id")
        if previous_item_id is not None and not isinstance(previous_item_id, str):
            raise invalid_type("previous_item_id", "a string")
        audio_parts = [p for p in item.get("content", []) if p["type"] == "input_audio"]
        clip = b"".join(
            state.decode_audio(p.pop("audio"), "item.content.audio")
            for p in audio_parts
            if p.get("audio")
        )
        previous = state.conversation.insert(item, previous_item_id)
        state.emit_item_added(item, previous)
        if clip and audio_parts[0].get("transcript") is None:
            # Client-sent audio is transcribed like a committed buffer, so the brain hears it.
            state.conversation.audio[item["id"]] = clip
            self._transcriber.track(item, np.frombuffer(clip, dtype="<i2").astype(np.int16))

    def _on_item_truncate(self, event: ClientEvent) -> None:
        for key in ("item_id", "content_index", "audio_end_ms"):
            if key not in event:
                raise missing_parameter(key)
        if event["content_index"] != 0:
            raise invalid_value("content_index", "content_index must be 0.")
        self._state.conversation.truncate(event["item_id"], event["audio_end_ms"])
        self._state.emit(
            {
                "type": "conversation.item.truncated",
                "item_id": event["item_id"],
                "content_index": 0,
                "audio_end_ms": event["audio_end_ms"],
            }
        )

    def _on_item_delete(self, event: ClientEvent) -> None:
        if "item_id" not in event:
            raise missing_parameter("item_id")
        self._state.conversation.delete(event["item_id"])
        self._state.emit({"type": "conversation.item.deleted", "item_id": event["item_id"]})

    def _on_item_retrieve(self, event: ClientEvent) -> None:
        if "item_id" not in event:
            raise missing_parameter("item_id")
        conversation = self._state.conversation
        item = conversation.get(event["item_id"])
        wire = item_wire(item, self._state.dialect)
        audio = conversation.audio.get(item["id"])
        if audio is not None and wire.get("content"):
            wire["content"][0]["audio"] = base64.b64encode(audio).decode("ascii")
        self._state.emit({"type": "conversation.item.retrieved", "item": wire})
