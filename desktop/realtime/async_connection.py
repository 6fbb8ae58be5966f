"""The asyncio face of the client.

Each call runs the synchronous connection's method in a worker thread
(``asyncio.to_thread``), so event building, dialect translation, validation and
parsing are exactly those of :class:`RealtimeConnection`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

from pydantic import BaseModel

from desktop.realtime.client import RealtimeClient, RealtimeConnectionManager
from desktop.realtime.client_events import Event
from desktop.realtime.connection import RealtimeConnection
from desktop.realtime.errors import ConnectionClosed, DialectMismatchError
from desktop.realtime.events import ServerEvent
from desktop.realtime.resources import (
    ConversationItemResource,
    InputAudioBufferResource,
    ResponseResource,
    SessionResource,
)


class AsyncRealtimeClient(RealtimeClient):
    """Same settings as :class:`RealtimeClient`; ``connect`` is used with ``async with``."""

    def connect(  # type: ignore[override]
        self,
        *,
        model: str | None = None,
        call_id: str | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        websocket_connection_options: Mapping[str, Any] | None = None,
    ) -> AsyncRealtimeConnectionManager:
        manager = super().connect(
            model=model,
            call_id=call_id,
            extra_query=extra_query,
            extra_headers=extra_headers,
            websocket_connection_options=websocket_connection_options,
        )
        return AsyncRealtimeConnectionManager(manager)


class AsyncRealtimeConnectionManager:
    def __init__(self, manager: RealtimeConnectionManager) -> None:
        self._manager = manager
        self._connection: AsyncRealtimeConnection | None = None

    async def enter(self) -> AsyncRealtimeConnection:
        """Connect; the caller must ``await connection.close()``."""
        self._connection = AsyncRealtimeConnection(await asyncio.to_thread(self._manager.enter))
        return self._connection

    async def __aenter__(self) -> AsyncRealtimeConnection:
        return await self.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            await self._connection.close()


class AsyncRealtimeConnection:
    """An open session; every method awaits the synchronous one in a thread."""

    def __init__(self, connection: RealtimeConnection) -> None:
        self.sync = connection
        self.dialect = connection.dialect
        self.session = _AsyncSession(connection.session)
        self.input_audio_buffer = _AsyncInputAudioBuffer(connection.input_audio_buffer)
        self.conversation = _AsyncConversation(connection.conversation.item)
        self.response = _AsyncResponse(connection.response)

    async def send(self, event: Mapping[str, Any] | BaseModel) -> Event:
        return await asyncio.to_thread(self.sync.send, event)

    async def send_raw(self, data: str | bytes) -> None:
        await asyncio.to_thread(self.sync.send_raw, data)

    async def recv(self, timeout: float | None = None) -> ServerEvent:
        return await asyncio.to_thread(self.sync.recv, timeout)

    async def recv_bytes(self, timeout: float | None = None) -> bytes:
        return await asyncio.to_thread(self.sync.recv_bytes, timeout)

    def parse_event(self, raw: str | bytes) -> ServerEvent:
        return self.sync.parse_event(raw)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await asyncio.to_thread(self.sync.close, code, reason)

    @property
    def closed(self) -> bool:
        return self.sync.closed

    def __aiter__(self) -> AsyncIterator[ServerEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[ServerEvent]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosed as closed:
                if closed.code in (1000, 1005) and not isinstance(closed, DialectMismatchError):
                    return
                raise


class _AsyncSession:
    def __init__(self, resource: SessionResource) -> None:
        self._resource = resource

    async def update(self, *, session: Mapping[str, Any], event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.update, session=session, event_id=event_id)


class _AsyncInputAudioBuffer:
    def __init__(self, resource: InputAudioBufferResource) -> None:
        self._resource = resource

    async def append(self, *, audio: str | bytes, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.append, audio=audio, event_id=event_id)

    async def commit(self, *, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.commit, event_id=event_id)

    async def clear(self, *, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.clear, event_id=event_id)


class _AsyncConversationItem:
    def __init__(self, resource: ConversationItemResource) -> None:
        self._resource = resource

    async def create(
        self,
        *,
        item: Mapping[str, Any],
        previous_item_id: str | None = None,
        event_id: str | None = None,
    ) -> Event:
        return await asyncio.to_thread(
            self._resource.create, item=item, previous_item_id=previous_item_id, event_id=event_id
        )

    async def truncate(
        self, *, item_id: str, content_index: int, audio_end_ms: int, event_id: str | None = None
    ) -> Event:
        return await asyncio.to_thread(
            self._resource.truncate,
            item_id=item_id,
            content_index=content_index,
            audio_end_ms=audio_end_ms,
            event_id=event_id,
        )

    async def delete(self, *, item_id: str, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.delete, item_id=item_id, event_id=event_id)

    async def retrieve(self, *, item_id: str, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(self._resource.retrieve, item_id=item_id, event_id=event_id)


class _AsyncConversation:
    def __init__(self, item: ConversationItemResource) -> None:
        self.item = _AsyncConversationItem(item)


class _AsyncResponse:
    def __init__(self, resource: ResponseResource) -> None:
        self._resource = resource

    async def create(
        self, *, response: Mapping[str, Any] | None = None, event_id: str | None = None
    ) -> Event:
        return await asyncio.to_thread(self._resource.create, response=response, event_id=event_id)

    async def cancel(self, *, response_id: str | None = None, event_id: str | None = None) -> Event:
        return await asyncio.to_thread(
            self._resource.cancel, response_id=response_id, event_id=event_id
        )
