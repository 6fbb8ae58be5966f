"""Every client event the client produces, captured on the wire, checked against
the official SDK models (GA, and beta for the beta dialect) with unknown fields
counted as errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from desktop.protocol import Dialect
from desktop.realtime import RealtimeClient, translate_session
from desktop.realtime.connection import RealtimeConnection
from tests.support.scripted_server import ScriptedServer
from tests.support.strict_validator import beta_problems, ga_problems

FLAT_SESSION: dict[str, Any] = {
    "instructions": "Be concise.",
    "voice": "alloy",
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
    "temperature": 0.8,
    "max_response_output_tokens": 1024,
    "modalities": ["text", "audio"],
    "input_audio_transcription": {"model": "whisper-1", "language": "en"},
    "input_audio_noise_reduction": {"type": "near_field"},
    "speed": 1.1,
    "tools": [
        {
            "type": "function",
            "name": "get_time",
            "description": "Current local time",
            "parameters": {"type": "object", "properties": {}},
        }
    ],
    "tool_choice": "auto",
}

GA_SESSION: dict[str, Any] = {
    "type": "realtime",
    "instructions": "You are a helpful desktop assistant.",
    "output_modalities": ["audio"],
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-mini-transcribe", "keywords": ["Parley"]},
            "noise_reduction": {"type": "far_field", "strength": 0.4},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
                "idle_timeout_ms": 6000,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {"format": {"type": "audio/pcmu"}, "voice": "marin", "speed": 1.0},
    },
    "tools": FLAT_SESSION["tools"],
    "tool_choice": {"type": "function", "name": "get_time"},
    "max_output_tokens": "inf",
    "truncation": "auto",
}

RESPONSE_OVERRIDES: dict[str, Any] = {
    "instructions": "Answer in one word.",
    "voice": "alloy",
    "output_audio_format": "g711_alaw",
    "modalities": ["text"],
    "temperature": 0.7,
    "max_response_output_tokens": "inf",
    "conversation": "none",
    "metadata": {"purpose": "title"},
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hello"}]},
    ],
}


def exercise_every_event(connection: RealtimeConnection) -> None:
    connection.session.update(session=FLAT_SESSION)
    connection.session.update(session=GA_SESSION)
    connection.session.update(session={"turn_detection": None, "tools": []})
    connection.session.update(
        session={"turn_detection": {"type": "semantic_vad", "eagerness": "high"}}
    )
    connection.input_audio_buffer.append(audio=base64.b64encode(b"\x00\x01" * 480).decode())
    connection.input_audio_buffer.append(audio=b"\x00\x01" * 480)
    connection.input_audio_buffer.commit()
    connection.input_audio_buffer.clear()
    connection.conversation.item.create(
        item={
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "What time is it?"}],
        }
    )
    connection.conversation.item.create(
        item={
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Noon."}],
        },
        previous_item_id="item_1",
    )
    connection.conversation.item.create(
        item={"type": "function_call_output", "call_id": "call_1", "output": '{"time": "12:00"}'}
    )
    connection.conversation.item.truncate(item_id="item_2", content_index=0, audio_end_ms=1500)
    connection.conversation.item.delete(item_id="item_2")
    connection.conversation.item.retrieve(item_id="item_3")
    connection.response.create()
    connection.response.create(response=RESPONSE_OVERRIDES)
    connection.response.cancel()
    connection.response.cancel(response_id="resp_1")


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_every_client_event_conforms_to_the_sdk_models(
    server: ScriptedServer, dialect: Dialect
) -> None:
    client = RealtimeClient(base_url=server.base_url, dialect=dialect)
    with client.connect(model="gpt-realtime") as connection:
        exercise_every_event(connection)
        sent = [server.next_event() for _ in range(18)]
    types = {event["type"] for event in sent}
    assert len(types) == 10, types
    validate = ga_problems if dialect == "ga" else beta_problems
    problems = {event["event_id"]: validate(event) for event in sent}
    assert all(not found for found in problems.values()), problems
    assert len({event["event_id"] for event in sent}) == len(sent)


def test_beta_session_update_fails_ga_validation() -> None:
    beta_event = {"type": "session.update", "session": translate_session(FLAT_SESSION, "beta")}
    ga_event = {"type": "session.update", "session": translate_session(FLAT_SESSION, "ga")}
    assert beta_problems(beta_event) == []
    assert ga_problems(ga_event) == []
    assert ga_problems(beta_event), "the beta shape must not pass as GA"
    assert any("unknown field" in problem for problem in beta_problems(ga_event))


def test_the_strict_validator_catches_leftovers() -> None:
    leftover = {
        "type": "session.update",
        "session": {"type": "realtime", "voice": "alloy", "temperature": 0.8},
    }
    assert ga_problems(leftover) == [
        "unknown field $.session.voice",
        "unknown field $.session.temperature",
    ]
    assert ga_problems({"type": "transcription_session.update"}) == [
        "unknown client event type 'transcription_session.update'"
    ]
