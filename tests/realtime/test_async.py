"""The asyncio face: same events, same translation, ``async with`` / ``async for``."""

from __future__ import annotations

import asyncio
import base64

import pytest

from desktop.realtime import (
    AsyncRealtimeClient,
    ConnectionClosed,
    ErrorEvent,
    ResponseOutputAudioDeltaEvent,
    SessionConfigError,
    SessionCreatedEvent,
    VoiceLockedError,
)
from tests.support.scripted_server import ScriptedServer
from tests.support.strict_validator import ga_problems


async def _conversation(server: ScriptedServer) -> list[str]:
    client = AsyncRealtimeClient(base_url=server.base_url)
    seen: list[str] = []
    async with client.connect(model="gpt-realtime") as connection:
        first = await connection.recv(timeout=5)
        assert isinstance(first, SessionCreatedEvent)
        update = await connection.session.update(session={"voice": "ash", "temperature": 0.9})
        await connection.input_audio_buffer.append(audio=b"\x00\x01" * 480)
        await connection.input_audio_buffer.commit()
        await connection.conversation.item.truncate(item_id="i", content_index=0, audio_end_ms=10)
        await connection.response.create(response={"instructions": "Hi."})
        with pytest.raises(SessionConfigError):
            await connection.session.update(session={"turn_detection": {"threshold": 9}})
        sent = [server.next_event() for _ in range(5)]
        assert all(ga_problems(event) == [] for event in sent), sent
        assert "temperature" not in str(sent[0])
        server.send(
            {
                "type": "response.audio.delta",
                "response_id": "r",
                "item_id": "i",
                "delta": base64.b64encode(b"\x07\x08").decode(),
            }
        )
        server.send({"type": "error", "error": {"message": "bad", "event_id": update["event_id"]}})
        server.close_client(1000)
        async for event in connection:
            seen.append(event.type)
            if isinstance(event, ResponseOutputAudioDeltaEvent):
                assert event.audio_bytes() == b"\x07\x08"
                with pytest.raises(VoiceLockedError):
                    await connection.session.update(session={"voice": "coral"})
            if isinstance(event, ErrorEvent):
                assert event.caused_by == update
    return seen


def test_async_session_round_trip(server: ScriptedServer) -> None:
    seen = asyncio.run(asyncio.wait_for(_conversation(server), timeout=30))
    assert seen == ["response.output_audio.delta", "error"]


async def _close_wakes_reader(server: ScriptedServer) -> BaseException | None:
    connection = await AsyncRealtimeClient(base_url=server.base_url).connect(model="m").enter()
    await connection.recv(timeout=5)
    reader = asyncio.ensure_future(connection.recv())
    await asyncio.sleep(0.1)
    await connection.close()
    try:
        await asyncio.wait_for(reader, timeout=5)
    except ConnectionClosed as closed:
        return closed
    return None


def test_async_close_wakes_a_pending_recv(server: ScriptedServer) -> None:
    closed = asyncio.run(_close_wakes_reader(server))
    assert isinstance(closed, ConnectionClosed)
    assert closed.code == 1000
