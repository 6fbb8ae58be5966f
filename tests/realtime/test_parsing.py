"""Server frames become typed GA-vocabulary events; nothing a server sends raises."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from desktop.realtime import (
    PROTOCOL_ERROR_TYPE,
    ConversationItemAddedEvent,
    ErrorEvent,
    InputAudioTranscriptionCompletedEvent,
    ProtocolErrorEvent,
    RateLimitsUpdatedEvent,
    ResponseContentPartAddedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ResponseOutputTextDeltaEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    UnknownEvent,
    parse_server_event,
)

IDS = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}


def frame(**payload: Any) -> str:
    return json.dumps(payload)


def test_output_audio_delta_decodes_its_audio() -> None:
    audio = bytes(range(256)) * 4
    event = parse_server_event(
        frame(type="response.output_audio.delta", delta=base64.b64encode(audio).decode(), **IDS)
    )
    assert isinstance(event, ResponseOutputAudioDeltaEvent)
    assert (event.item_id, event.response_id, event.audio_bytes()) == ("item_1", "resp_1", audio)


@pytest.mark.parametrize(
    ("beta_type", "model", "ga_type"),
    [
        ("response.audio.delta", ResponseOutputAudioDeltaEvent, "response.output_audio.delta"),
        ("response.text.delta", ResponseOutputTextDeltaEvent, "response.output_text.delta"),
        (
            "response.audio_transcript.done",
            ResponseOutputAudioTranscriptDoneEvent,
            "response.output_audio_transcript.done",
        ),
    ],
)
def test_beta_names_map_onto_ga_events(beta_type: str, model: type, ga_type: str) -> None:
    event = parse_server_event(frame(type=beta_type, delta="AAA=", transcript="hi", **IDS))
    assert isinstance(event, model)
    assert event.type == ga_type


def test_beta_item_created_becomes_item_added_with_ga_content_types() -> None:
    event = parse_server_event(
        frame(
            type="conversation.item.created",
            previous_item_id=None,
            item={
                "id": "item_9",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "audio", "transcript": "hi"}, {"type": "text", "text": "x"}],
            },
        )
    )
    assert isinstance(event, ConversationItemAddedEvent)
    assert event.type == "conversation.item.added"
    assert [part.type for part in event.item.content] == ["output_audio", "output_text"]


def test_content_types_in_parts_and_response_output_are_normalised() -> None:
    part = parse_server_event(
        frame(type="response.content_part.added", part={"type": "audio", "transcript": ""}, **IDS)
    )
    assert isinstance(part, ResponseContentPartAddedEvent)
    assert part.part.type == "output_audio"
    done = parse_server_event(
        frame(
            type="response.done",
            response={
                "id": "resp_1",
                "status": "cancelled",
                "status_details": {"type": "cancelled", "reason": "turn_detected"},
                "output": [{"type": "message", "role": "assistant", "content": [{"type": "text"}]}],
                "usage": {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20},
            },
        )
    )
    assert isinstance(done, ResponseDoneEvent)
    assert done.response.status == "cancelled"
    assert done.response.output[0].content[0].type == "output_text"
    assert done.response.usage is not None and done.response.usage.output_tokens == 20


def test_common_events_parse_into_their_models() -> None:
    error = parse_server_event(
        frame(
            type="error",
            event_id="event_5",
            error={"type": "invalid_request_error", "code": "x", "message": "m", "param": "p"},
        )
    )
    assert isinstance(error, ErrorEvent)
    assert (error.code, error.message, error.param, error.caused_by) == ("x", "m", "p", None)
    limits = parse_server_event(
        frame(
            type="rate_limits.updated",
            rate_limits=[{"name": "tokens", "limit": 100, "remaining": 50, "reset_seconds": 1.5}],
        )
    )
    assert isinstance(limits, RateLimitsUpdatedEvent)
    assert limits.rate_limits[0].remaining == 50
    call = parse_server_event(
        frame(
            type="response.function_call_arguments.done",
            call_id="call_1",
            arguments="{}",
            response_id="r",
            item_id="i",
            output_index=0,
        )
    )
    assert isinstance(call, ResponseFunctionCallArgumentsDoneEvent)
    assert call.name is None  # beta servers omit it
    transcript = parse_server_event(
        frame(
            type="conversation.item.input_audio_transcription.completed",
            item_id="item_1",
            content_index=0,
            transcript="hello",
        )
    )
    assert isinstance(transcript, InputAudioTranscriptionCompletedEvent)
    updated = parse_server_event(frame(type="session.updated", session={"voice": "ash"}))
    assert isinstance(updated, SessionUpdatedEvent)
    assert updated.voice == "ash"


def test_unknown_type_keeps_the_raw_payload() -> None:
    event = parse_server_event(frame(type="mcp_list_tools.completed", item_id="x", extra=[1]))
    assert isinstance(event, UnknownEvent)
    assert event.type == "mcp_list_tools.completed"
    assert event.raw["extra"] == [1]


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '"text"',
        "42",
        "null",
        "",
        b"\xff\xfe",
        '{"no_type": 1}',
        '{"type": 7}',
    ],
)
def test_malformed_frames_become_protocol_errors(raw: str | bytes) -> None:
    event = parse_server_event(raw)
    assert isinstance(event, ProtocolErrorEvent)
    assert event.type == PROTOCOL_ERROR_TYPE
    assert event.detail


def test_deeply_nested_json_does_not_escape() -> None:
    assert isinstance(parse_server_event("[" * 100_000 + "]" * 100_000), ProtocolErrorEvent)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "response.output_audio.delta", "delta": 5, **IDS},
        {"type": "response.output_audio.delta", "delta": "AA==", "item_id": None},
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": "soon", "item_id": "i"},
        {"type": "response.done", "response": []},
        {"type": "error", "error": "boom"},
        {"type": "conversation.item.added", "item": {"type": "message", "content": "x"}},
    ],
)
def test_known_type_with_wrong_field_types_falls_back_to_unknown(
    payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    event = parse_server_event(json.dumps(payload))
    assert isinstance(event, UnknownEvent)
    assert event.raw == payload
    assert "does not match its schema" in caplog.text


def test_delta_fast_path_matches_the_general_path_for_text_and_bytes() -> None:
    payload = {"type": "response.audio_transcript.delta", "delta": "Hel", "event_id": "e1", **IDS}
    for raw in (json.dumps(payload), json.dumps(payload).encode()):
        event = parse_server_event(raw)
        assert event.type == "response.output_audio_transcript.delta"
        assert event.model_dump() == {**payload, "type": "response.output_audio_transcript.delta"}


def test_delta_marker_in_another_field_does_not_fool_the_fast_path() -> None:
    payload = {"type": "x.custom", "response.output_audio.delta": 1, "delta": "AA==", **IDS}
    event = parse_server_event(json.dumps(payload))
    assert isinstance(event, UnknownEvent)
    assert event.type == "x.custom"


@pytest.mark.parametrize("session", [{"audio": [1]}, {"audio": {"output": "x"}}, {"voice": 3}, {}])
def test_odd_session_objects_have_no_voice_rather_than_raising(session: dict[str, Any]) -> None:
    event = parse_server_event(frame(type="session.created", session=session))
    assert isinstance(event, SessionCreatedEvent)
    assert event.voice is None
