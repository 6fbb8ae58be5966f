"""Client mistakes get the hosted API's error codes; bad frames never end the session."""

from __future__ import annotations

import base64
from typing import Any

import pytest


def error_of(client: Any) -> dict[str, Any]:
    error: dict[str, Any] = client.next_of("error")["error"]
    return error


def assert_still_serving(client: Any) -> None:
    client.say_typed("what is 2 plus 2")
    events = client.collect_until("response.done")
    assert events[-1]["response"]["status"] == "completed"


def test_response_create_during_active_response(client: Any) -> None:
    client.say_typed("count to one hundred")
    client.send("response.create", event_id="evt_second")
    error = error_of(client)
    assert error["code"] == "conversation_already_has_active_response"
    assert error["event_id"] == "evt_second"
    client.send("response.cancel")
    assert client.next_of("response.done")["response"]["status"] == "cancelled"


def test_cancel_stops_generation_at_once(client: Any) -> None:
    client.say_typed("count to two hundred")
    client.send("response.cancel")
    events = client.collect_until("response.done")
    done = events[-1]["response"]
    assert done["status"] == "cancelled"
    assert done["status_details"]["reason"] == "client_cancelled"
    assert all(item["status"] == "incomplete" for item in done["output"])
    deltas = [e for e in events if e["type"] == "response.output_audio_transcript.delta"]
    assert len(deltas) < 20  # a full count would be 20 sentences
    client.send("response.cancel", event_id="evt_cancel")
    error = error_of(client)
    assert error["code"] == "response_cancel_not_active"
    assert error["event_id"] == "evt_cancel"
    assert_still_serving(client)


def test_truncate_trims_transcript_to_the_heard_audio(client: Any) -> None:
    client.say_typed("count to twenty")
    events = client.collect_until("response.done")
    item = events[-1]["response"]["output"][0]
    audio_bytes = sum(
        len(base64.b64decode(e["delta"]))
        for e in events
        if e["type"] == "response.output_audio.delta"
    )
    duration_ms = audio_bytes // 48
    client.send(
        "conversation.item.truncate",
        item_id=item["id"],
        content_index=0,
        audio_end_ms=duration_ms // 2,
    )
    truncated = client.next_of("conversation.item.truncated")
    assert truncated == {**truncated, "item_id": item["id"], "audio_end_ms": duration_ms // 2}
    client.send("conversation.item.retrieve", item_id=item["id"])
    part = client.next_of("conversation.item.retrieved")["item"]["content"][0]
    full = item["content"][0]["transcript"]
    assert full.startswith(part["transcript"])
    assert 0.3 * len(full) < len(part["transcript"]) < 0.7 * len(full)
    assert len(base64.b64decode(part["audio"])) == (duration_ms // 2) * 48

    client.send(
        "conversation.item.truncate", item_id=item["id"], content_index=0, audio_end_ms=duration_ms
    )
    error = error_of(client)
    assert error["code"] == "invalid_value"
    assert error["param"] == "audio_end_ms"


def test_commit_with_too_little_audio(client: Any, make_silence: Any) -> None:
    client.send(
        "session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    )
    client.next_of("session.updated")
    client.append_audio(make_silence(60))
    client.send("input_audio_buffer.commit")
    assert error_of(client)["code"] == "input_audio_buffer_commit_empty"
    client.send("input_audio_buffer.clear")
    assert client.recv()["type"] == "input_audio_buffer.cleared"


@pytest.mark.parametrize(
    ("session", "code", "param"),
    [
        ({"type": "realtime", "voice": "ash"}, "unknown_parameter", "session.voice"),
        ({"type": "realtime", "temperature": 0.8}, "unknown_parameter", "session.temperature"),
        ({"instructions": "hi"}, "missing_required_parameter", "session.type"),
        (
            {"type": "realtime", "audio": {"output": {"voice": "nobody"}}},
            "invalid_value",
            "session.audio.output.voice",
        ),
        (
            {"type": "realtime", "audio": {"input": {"turn_detection": {"threshold": 3}}}},
            "invalid_value",
            "session.audio.input.turn_detection.threshold",
        ),
        ({"type": "realtime", "output_modalities": ["audio", "text"]}, "invalid_value",
         "session.output_modalities"),
    ],
)  # fmt: skip
def test_ga_session_update_rejections(
    client: Any, session: dict[str, Any], code: str, param: str
) -> None:
    client.send("session.update", session=session, event_id="evt_update")
    error = error_of(client)
    assert (error["code"], error["param"], error["event_id"]) == (code, param, "evt_update")
    client.send("session.update", session={"type": "realtime", "instructions": "ok"})
    assert client.next_of("session.updated")["session"]["instructions"] == "ok"


def test_unknown_and_missing_event_type(client: Any) -> None:
    client.send("output_audio_buffer.clear", event_id="evt_x")
    error = error_of(client)
    assert (error["code"], error["param"], error["event_id"]) == ("invalid_value", "type", "evt_x")
    client.send_raw('{"event_id": "evt_y"}')
    assert error_of(client)["code"] == "missing_required_parameter"


def test_voice_is_locked_after_audio_output(client: Any) -> None:
    client.send(
        "session.update", session={"type": "realtime", "audio": {"output": {"voice": "ash"}}}
    )
    client.next_of("session.updated")
    client.say_typed("hello")
    client.next_of("response.done")
    client.send(
        "session.update", session={"type": "realtime", "audio": {"output": {"voice": "echo"}}}
    )
    error = error_of(client)
    assert error["code"] == "cannot_update_voice"
    client.send(
        "session.update", session={"type": "realtime", "audio": {"output": {"voice": "ash"}}}
    )
    assert client.next_of("session.updated")["session"]["audio"]["output"]["voice"] == "ash"


@pytest.mark.parametrize(
    "frame",
    [
        "not json at all",
        "[1, 2, 3]",
        b"\x00\x01binary",
        '{"type": "input_audio_buffer.append", "audio": 5}',
        '{"type": "input_audio_buffer.append", "audio": "***not base64***"}',
        '{"type": "conversation.item.create", "item": "nope"}',
        '{"type": "conversation.item.truncate", "item_id": "missing", "content_index": 0, '
        '"audio_end_ms": 10}',
        '{"type": "response.create", "response": {"output_modalities": "loud"}}',
    ],
)
def test_bad_frames_get_an_error_event_and_the_session_survives(
    client: Any, frame: str | bytes
) -> None:
    client.send_raw(frame)
    error = error_of(client)
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert_still_serving(client)


def test_event_over_15_mib_is_rejected_without_closing(client: Any) -> None:
    oversize = '{"type": "input_audio_buffer.append", "audio": "' + "A" * (15 * 1024 * 1024) + '"}'
    client.send_raw(oversize)
    assert error_of(client)["code"] == "message_too_large"
    assert_still_serving(client)
