"""The SDK-shaped resources of a connection: ``session``, ``input_audio_buffer``,
``conversation.item`` and ``response``. Each builds one event and sends it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from desktop.protocol import Dialect
from desktop.realtime import client_events as build
from desktop.realtime.client_events import Event


class _Sender(Protocol):
    dialect: Dialect

    def send(self, event: Mapping[str, Any]) -> Event: ...


def _with_id(event: Event, event_id: str | None) -> Event:
    if event_id is not None:
        event["event_id"] = event_id
    return event


class SessionResource:
    def __init__(self, connection: _Sender) -> None:
        self._connection = connection

    def update(self, *, session: Mapping[str, Any], event_id: str | None = None) -> Event:
        """Send ``session.update``; ``session`` may be flat, GA-nested or both."""
        return self._connection.send(
            _with_id({"type": "session.update", "session": session}, event_id)
        )


class InputAudioBufferResource:
    def __init__(self, connection: _Sender) -> None:
        self._connection = connection

    def append(self, *, audio: str | bytes, event_id: str | None = None) -> Event:
        """Append audio: base64 text, or raw bytes (encoded here)."""
        return self._connection.send(_with_id(build.audio_append(audio), event_id))

    def commit(self, *, event_id: str | None = None) -> Event:
        return self._connection.send(_with_id({"type": "input_audio_buffer.commit"}, event_id))

    def clear(self, *, event_id: str | None = None) -> Event:
        return self._connection.send(_with_id({"type": "input_audio_buffer.clear"}, event_id))


class ConversationItemResource:
    def __init__(self, connection: _Sender) -> None:
        self._connection = connection

    def create(
        self,
        *,
        item: Mapping[str, Any],
        previous_item_id: str | None = None,
        event_id: str | None = None,
    ) -> Event:
        event = build.item_create(item, previous_item_id, self._connection.dialect)
        return self._connection.send(_with_id(event, event_id))

    def truncate(
        self, *, item_id: str, content_index: int, audio_end_ms: int, event_id: str | None = None
    ) -> Event:
        event = build.item_truncate(item_id, content_index, audio_end_ms)
        return self._connection.send(_with_id(event, event_id))

    def delete(self, *, item_id: str, event_id: str | None = None) -> Event:
        event = build.item_event("conversation.item.delete", item_id)
        return self._connection.send(_with_id(event, event_id))

    def retrieve(self, *, item_id: str, event_id: str | None = None) -> Event:
        event = build.item_event("conversation.item.retrieve", item_id)
        return self._connection.send(_with_id(event, event_id))


class ConversationResource:
    def __init__(self, connection: _Sender) -> None:
        self.item = ConversationItemResource(connection)


class ResponseResource:
    def __init__(self, connection: _Sender) -> None:
        self._connection = connection

    def create(
        self, *, response: Mapping[str, Any] | None = None, event_id: str | None = None
    ) -> Event:
        """Send ``response.create``; ``response`` overrides are translated per dialect."""
        event: Event = {"type": "response.create"}
        if response is not None:
            event["response"] = response
        return self._connection.send(_with_id(event, event_id))

    def cancel(self, *, response_id: str | None = None, event_id: str | None = None) -> Event:
        return self._connection.send(_with_id(build.response_cancel(response_id), event_id))
