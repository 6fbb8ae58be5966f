"""Build client events for one dialect, and remember recent ones by ``event_id``."""

from __future__ import annotations

import base64
import copy
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from desktop.protocol import BETA_TO_GA_CONTENT, GA_TO_BETA_CONTENT, Dialect
from desktop.realtime.errors import SessionConfigError
from desktop.realtime.session_config import translate_response, translate_session

Event = dict[str, Any]
_APPEND = "input_audio_buffer.append"


class EventIdRegistry:
    """Unique event ids and a bounded, thread-safe map back to the events sent.

    Audio appends are remembered in their own small map, without their audio,
    so a stream of them cannot evict the rarer events errors usually refer to.
    """

    def __init__(self, capacity: int = 256, append_capacity: int = 32) -> None:
        self._prefix = f"evt_{os.urandom(4).hex()}_"
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._events: OrderedDict[str, Event] = OrderedDict()
        self._appends: OrderedDict[str, Event] = OrderedDict()
        self._capacity = capacity
        self._append_capacity = append_capacity

    def new_id(self) -> str:
        with self._lock:
            return f"{self._prefix}{next(self._counter)}"

    def remember(self, event: Event) -> None:
        event_id = event["event_id"]
        if event.get("type") == _APPEND:
            audio = event.get("audio")
            summary = {**event, "audio": f"<{len(audio) if isinstance(audio, str) else 0} chars>"}
            self._store(self._appends, event_id, summary, self._append_capacity)
        else:
            self._store(self._events, event_id, event, self._capacity)

    def _store(self, table: OrderedDict[str, Event], key: str, event: Event, cap: int) -> None:
        with self._lock:
            table[key] = event
            while len(table) > cap:
                table.popitem(last=False)

    def lookup(self, event_id: str | None) -> Event | None:
        if not event_id:
            return None
        with self._lock:
            return self._events.get(event_id) or self._appends.get(event_id)


def session_update(session: Mapping[str, Any], dialect: Dialect) -> Event:
    return {"type": "session.update", "session": translate_session(session, dialect)}


def audio_append(audio: str | bytes) -> Event:
    if isinstance(audio, bytes | bytearray | memoryview):
        audio = base64.b64encode(audio).decode("ascii")
    if not isinstance(audio, str):
        raise SessionConfigError("audio must be base64 text or raw bytes")
    return {"type": _APPEND, "audio": audio}


def item_create(item: Mapping[str, Any], previous_item_id: str | None, dialect: Dialect) -> Event:
    event: Event = {"type": "conversation.item.create", "item": translate_item(item, dialect)}
    if previous_item_id is not None:
        event["previous_item_id"] = _require_id(previous_item_id, "previous_item_id")
    return event


def item_truncate(item_id: str, content_index: int, audio_end_ms: int) -> Event:
    for name, value in (("content_index", content_index), ("audio_end_ms", audio_end_ms)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SessionConfigError(f"{name} must be a whole number >= 0, not {value!r}")
    return {
        "type": "conversation.item.truncate",
        "item_id": _require_id(item_id, "item_id"),
        "content_index": content_index,
        "audio_end_ms": audio_end_ms,
    }


def item_event(kind: str, item_id: str) -> Event:
    return {"type": kind, "item_id": _require_id(item_id, "item_id")}


def response_create(response: Mapping[str, Any] | None, dialect: Dialect) -> Event:
    event: Event = {"type": "response.create"}
    if response is not None:
        body = translate_response(response, dialect)
        if "input" in body:
            body["input"] = [translate_item(item, dialect) for item in body["input"]]
        event["response"] = body
    return event


def response_cancel(response_id: str | None) -> Event:
    event: Event = {"type": "response.cancel"}
    if response_id is not None:
        event["response_id"] = _require_id(response_id, "response_id")
    return event


def translate_item(item: Mapping[str, Any], dialect: Dialect) -> Event:
    """A conversation item with content part types spelled for ``dialect``."""
    if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
        raise SessionConfigError("a conversation item must be an object with a 'type'")
    out = copy.deepcopy(dict(item))
    table = BETA_TO_GA_CONTENT if dialect == "ga" else GA_TO_BETA_CONTENT
    if dialect == "beta":
        out.pop("object", None)
    for part in out.get("content") or []:
        if isinstance(part, dict) and part.get("type") in table:
            part["type"] = table[part["type"]]
    return out


def _require_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise SessionConfigError(f"{name} must be a non-empty string, not {value!r}")
    return value
