"""The conversation: ordered items, their audio, and their wire shapes per dialect."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from desktop.local_engine.errors import (
    ProtocolError,
    invalid_type,
    invalid_value,
    missing_parameter,
)
from desktop.protocol import GA_TO_BETA_CONTENT, Dialect

#: Stored audio is 24 kHz PCM16.
BYTES_PER_SECOND = 48000
USER_CONTENT_TYPES = ("input_text", "input_audio", "item_reference", "input_image")
ASSISTANT_CONTENT_TYPES = {"output_text": "output_text", "text": "output_text"}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:22]}"


def item_wire(item: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """An item as sent to clients; without audio bytes."""
    wire = copy.deepcopy(item)
    for part in wire.get("content", []):
        part.pop("audio", None)
    if dialect == "beta":
        wire.pop("object", None)
        for part in wire.get("content", []):
            part["type"] = GA_TO_BETA_CONTENT.get(part["type"], part["type"])
    return wire


def message_text(item: dict[str, Any]) -> str:
    texts = []
    for part in item.get("content", []):
        value = part.get("text") if part.get("text") is not None else part.get("transcript")
        if isinstance(value, str):
            texts.append(value)
    return " ".join(texts).strip()


def normalize_client_item(item: Any) -> dict[str, Any]:
    """Validates a ``conversation.item.create`` item into the internal (GA) shape."""
    if not isinstance(item, dict):
        raise missing_parameter("item") if item is None else invalid_type("item", "an object")
    kind = item.get("type", "message")
    result: dict[str, Any] = {
        "id": item.get("id") or new_id("item"),
        "object": "realtime.item",
        "type": kind,
    }
    if not isinstance(result["id"], str):
        raise invalid_type("item.id", "a string")
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "assistant", "system"):
            raise invalid_value("item.role", "role must be user, assistant or system.")
        content = item.get("content")
        if not isinstance(content, list):
            raise (
                missing_parameter("item.content")
                if content is None
                else invalid_type("item.content", "an array")
            )
        result.update(status="completed", role=role, content=_content(role, content))
    elif kind == "function_call":
        for key in ("call_id", "name", "arguments"):
            if not isinstance(item.get(key), str):
                raise missing_parameter(f"item.{key}")
        result.update(
            status="completed",
            call_id=item["call_id"],
            name=item["name"],
            arguments=item["arguments"],
        )
    elif kind == "function_call_output":
        for key in ("call_id", "output"):
            if not isinstance(item.get(key), str):
                raise missing_parameter(f"item.{key}")
        result.update(call_id=item["call_id"], output=item["output"])
    else:
        raise invalid_value(
            "item.type", "item.type must be message, function_call or function_call_output."
        )
    return result


def _content(role: str, content: list[Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(content):
        where = f"item.content[{index}]"
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise invalid_type(where, "an object with a type")
        kind = part["type"]
        if role == "assistant":
            if kind in ("audio", "output_audio"):
                raise invalid_value(
                    f"{where}.type", "Assistant audio messages cannot be created by the client."
                )
            if kind not in ASSISTANT_CONTENT_TYPES:
                raise invalid_value(f"{where}.type", "Assistant content must be output_text.")
            parts.append({"type": "output_text", "text": str(part.get("text", ""))})
        elif kind == "input_text":
            if not isinstance(part.get("text"), str):
                raise missing_parameter(f"{where}.text")
            parts.append({"type": "input_text", "text": part["text"]})
        elif kind == "input_audio":
            audio = part.get("audio")
            if audio is not None and not isinstance(audio, str):
                raise invalid_type(f"{where}.audio", "a base64 string")
            # "audio" is kept only until the session decodes and stores it.
            parts.append(
                {"type": "input_audio", "transcript": part.get("transcript"), "audio": audio}
            )
        elif kind in USER_CONTENT_TYPES:
            parts.append(copy.deepcopy(part))
        else:
            raise invalid_value(f"{where}.type", f"Unsupported content type '{kind}'.")
    return parts


class Conversation:
    """Items in order, plus the PCM16 audio of audio items (24 kHz, kept for retrieve)."""

    def __init__(self) -> None:
        self.id = new_id("conv")
        self.items: list[dict[str, Any]] = []
        self.audio: dict[str, bytes] = {}

    def insert(self, item: dict[str, Any], previous_item_id: str | None = None) -> str | None:
        """Adds ``item`` after ``previous_item_id`` (``"root"``: first; None: last)."""
        if self.find(item["id"]) is not None:
            raise invalid_value("item.id", f"Item with id '{item['id']}' already exists.")
        if previous_item_id is None:
            previous = self.items[-1]["id"] if self.items else None
            self.items.append(item)
            return previous
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        position = self._index(previous_item_id, "previous_item_id")
        self.items.insert(position + 1, item)
        return previous_item_id

    def _index(self, item_id: Any, param: str) -> int:
        for index, item in enumerate(self.items):
            if item["id"] == item_id:
                return index
        raise ProtocolError("item_not_found", f"Item with item_id '{item_id}' not found.", param)

    def find(self, item_id: str) -> dict[str, Any] | None:
        return next((item for item in self.items if item["id"] == item_id), None)

    def get(self, item_id: Any) -> dict[str, Any]:
        return self.items[self._index(item_id, "item_id")]

    def delete(self, item_id: Any) -> None:
        del self.items[self._index(item_id, "item_id")]
        self.audio.pop(item_id, None)

    def truncate(self, item_id: Any, audio_end_ms: Any) -> None:
        """Keeps the first ``audio_end_ms`` of an assistant item's audio, and as much of
        its transcript as that fraction of the audio (cut at a word boundary)."""
        item = self.get(item_id)
        if isinstance(audio_end_ms, bool) or not isinstance(audio_end_ms, int) or audio_end_ms < 0:
            raise invalid_value("audio_end_ms", "audio_end_ms must be a non-negative integer.")
        if item.get("role") != "assistant" or item["id"] not in self.audio:
            raise invalid_value("item_id", "Only assistant messages with audio can be truncated.")
        audio = self.audio[item["id"]]
        duration_ms = len(audio) * 1000 // BYTES_PER_SECOND
        if audio_end_ms > duration_ms:
            raise invalid_value(
                "audio_end_ms",
                f"Audio content of {duration_ms}ms is already shorter than {audio_end_ms}ms.",
            )
        part = item["content"][0]
        transcript = str(part.get("transcript") or "")
        if duration_ms and audio_end_ms < duration_ms:
            kept = transcript[: len(transcript) * audio_end_ms // duration_ms]
            if transcript[len(kept) : len(kept) + 1] not in ("", " "):
                kept = kept.rsplit(" ", 1)[0] if " " in kept else ""
            part["transcript"] = kept.strip()
        self.audio[item["id"]] = audio[: audio_end_ms * BYTES_PER_SECOND // 1000]

    def last_assistant_text(self) -> str | None:
        for item in reversed(self.items):
            if item.get("role") == "assistant" and (text := message_text(item)):
                return text
        return None

    def function_name(self, call_id: str) -> str | None:
        for item in reversed(self.items):
            if item["type"] == "function_call" and item.get("call_id") == call_id:
                return str(item["name"])
        return None
