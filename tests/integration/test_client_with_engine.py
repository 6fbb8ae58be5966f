"""The protocol client against the offline engine: two independent
implementations of the protocol must agree, in both dialects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from desktop.local_engine import LocalEngine
from desktop.realtime import (
    AsyncRealtimeClient,
    AuthenticationError,
    ErrorEvent,
    RealtimeClient,
    RealtimeConnection,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ServerEvent,
    SessionUpdatedEvent,
    VoiceLockedError,
)

TOKEN = "engine-token-for-tests-0001"


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    engine = LocalEngine(host="127.0.0.1", port=0, token=TOKEN, speech=False)
    url = engine.start()
    yield url
    engine.stop()


def _until(connection: RealtimeConnection, wanted: type[ServerEvent]) -> list[ServerEvent]:
    """Events up to and including the first of type ``wanted``."""
    seen: list[ServerEvent] = []
    while True:
        event = connection.recv(timeout=15)
        seen.append(event)
        if isinstance(event, wanted):
            return seen


def _ask(connection: RealtimeConnection, text: str) -> list[ServerEvent]:
    connection.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )
    connection.response.create()
    return _until(connection, ResponseDoneEvent)


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_flat_session_and_spoken_turn(engine_url: str, dialect: str) -> None:
    client = RealtimeClient(api_key=TOKEN, base_url=engine_url, dialect=dialect)  # type: ignore[arg-type]
    with client.connect(model="gpt-realtime") as connection:
        connection.session.update(
            session={
                "instructions": "Be concise.",
                "voice": "alloy",
                "input_audio_format": "pcm16",
                "output_audio_format": "pcm16",
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "silence_duration_ms": 500,
                },
            }
        )
        updated = _until(connection, SessionUpdatedEvent)[-1]
        assert isinstance(updated, SessionUpdatedEvent)
        assert updated.voice == "alloy"
        events = _ask(connection, "what is two plus three")
        assert not [e for e in events if isinstance(e, ErrorEvent)]
        audio = b"".join(
            e.audio_bytes() for e in events if isinstance(e, ResponseOutputAudioDeltaEvent)
        )
        assert len(audio) > 24000  # more than half a second of speech
        assert len(audio) % 2 == 0
        transcript = next(
            e for e in events if isinstance(e, ResponseOutputAudioTranscriptDoneEvent)
        ).transcript
        assert "5" in transcript or "five" in transcript.lower()
        done = events[-1]
        assert isinstance(done, ResponseDoneEvent)
        assert done.response.status == "completed"
        assert done.response.usage is not None and done.response.usage.output_tokens > 0
        # The voice is fixed once the assistant has spoken.
        with pytest.raises(VoiceLockedError):
            connection.session.update(session={"voice": "echo"})


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_error_maps_back_to_the_event_that_caused_it(engine_url: str, dialect: str) -> None:
    client = RealtimeClient(api_key=TOKEN, base_url=engine_url, dialect=dialect)  # type: ignore[arg-type]
    with client.connect(model="gpt-realtime") as connection:
        sent = connection.response.cancel()
        error = _until(connection, ErrorEvent)[-1]
        assert isinstance(error, ErrorEvent)
        assert error.code == "response_cancel_not_active"
        assert error.caused_by is not None
        assert error.caused_by["type"] == "response.cancel"
        assert error.caused_by["event_id"] == sent["event_id"]


def test_tool_round_trip(engine_url: str) -> None:
    tool = {
        "type": "function",
        "name": "set_timer",
        "description": "Set a countdown timer for a number of minutes",
        "parameters": {
            "type": "object",
            "properties": {"minutes": {"type": "number"}},
            "required": ["minutes"],
        },
    }
    with RealtimeClient(api_key=TOKEN, base_url=engine_url).connect(model="m") as connection:
        connection.session.update(session={"tools": [tool], "tool_choice": "auto"})
        _until(connection, SessionUpdatedEvent)
        events = _ask(connection, "set a timer for 5 minutes")
        call = next(e for e in events if isinstance(e, ResponseFunctionCallArgumentsDoneEvent))
        assert call.name == "set_timer"
        assert json.loads(call.arguments) == {"minutes": 5}
        connection.conversation.item.create(
            item={
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": json.dumps({"ok": True, "ends_at": "10:05"}),
            }
        )
        connection.response.create()
        reply = _until(connection, ResponseDoneEvent)
        assert any(isinstance(e, ResponseOutputAudioDeltaEvent) for e in reply)
        assert reply[-1].response.status == "completed"  # type: ignore[attr-defined]


def test_wrong_token_is_an_authentication_error(engine_url: str) -> None:
    with pytest.raises(AuthenticationError) as exc:
        RealtimeClient(api_key="wrong-token-000000", base_url=engine_url).connect(model="m").enter()
    assert "wrong-token-000000" not in str(exc.value)


def test_async_client_turn(engine_url: str) -> None:
    asyncio.run(_async_turn(engine_url))


async def _async_turn(engine_url: str) -> None:
    client = AsyncRealtimeClient(api_key=TOKEN, base_url=engine_url)
    async with client.connect(model="gpt-realtime") as connection:
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hello"}],
            }
        )
        await connection.response.create()
        kinds = []
        async for event in connection:
            kinds.append(type(event))
            if isinstance(event, ResponseDoneEvent):
                break
        assert ResponseOutputAudioDeltaEvent in kinds
