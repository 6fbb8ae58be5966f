"""Typed turns against the engine: both dialects, event order, ids, tools, formats."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

GA_AUDIO_TURN = [
    "conversation.item.added",
    "conversation.item.done",
    "response.created",
    "rate_limits.updated",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_audio_transcript.delta",
    "response.output_audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
]
BETA_AUDIO_TURN = [
    "conversation.item.created",
    "response.created",
    "rate_limits.updated",
    "response.output_item.added",
    "conversation.item.created",
    "response.content_part.added",
    "response.audio_transcript.delta",
    "response.audio.delta",
    "response.audio.done",
    "response.audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.done",
]


def collapsed(events: list[dict[str, Any]]) -> list[str]:
    """Event types with repeats of the same type folded into one."""
    types: list[str] = []
    for event in events:
        if not types or types[-1] != event["type"]:
            types.append(event["type"])
    return types


@pytest.mark.parametrize(("beta", "expected"), [(False, GA_AUDIO_TURN), (True, BETA_AUDIO_TURN)])
def test_typed_turn_event_sequence(
    connect_client: Callable[..., Any], beta: bool, expected: list[str]
) -> None:
    client = connect_client(beta=beta)
    client.say_typed("what is twelve times four")
    events = client.collect_until("response.done")

    assert collapsed(events) == expected
    done = events[-1]["response"]
    assert done["status"] == "completed"
    assert done["usage"]["output_tokens"] > 0
    assert done["usage"]["total_tokens"] >= done["usage"]["output_tokens"]
    transcript_done = next(e for e in events if e["type"].endswith("transcript.done"))
    assert "48" in transcript_done["transcript"]
    assert "event_id" in events[0]


def test_item_and_response_ids_are_consistent(client: Any) -> None:
    client.say_typed("what time is it")
    events = client.collect_until("response.done")
    user_item = events[0]["item"]
    response_id = events[2]["response"]["id"]
    assistant_added = events[4]
    assistant_id = assistant_added["item"]["id"]

    assert user_item["role"] == "user"
    assert events[5]["previous_item_id"] == user_item["id"]
    for event in events:
        if "response_id" in event:
            assert event["response_id"] == response_id
        if event["type"].startswith("response.output_audio") or "content_part" in event["type"]:
            assert event["item_id"] == assistant_id
    assert [item["id"] for item in events[-1]["response"]["output"]] == [assistant_id]


def test_audio_deltas_are_100_to_200_ms_of_aligned_pcm(client: Any) -> None:
    client.say_typed("count to thirty")
    events = client.collect_until("response.done")
    chunks = [
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    ]
    assert len(chunks) > 5
    assert all(len(chunk) % 2 == 0 for chunk in chunks)
    assert all(4800 <= len(chunk) <= 9600 for chunk in chunks if chunk is not chunks[-1])
    transcript = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert transcript["transcript"].startswith("1, 2, 3")
    deltas = [e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta"]
    assert len(deltas) == 3  # one per sentence, streamed as synthesized


def test_session_update_returns_full_config_in_ga_shape(client: Any) -> None:
    assert client.created["session"]["type"] == "realtime"
    client.send(
        "session.update",
        session={
            "type": "realtime",
            "instructions": "Be brief.",
            "audio": {"output": {"voice": "marin"}, "input": {"turn_detection": None}},
        },
    )
    session = client.next_of("session.updated")["session"]
    assert session["instructions"] == "Be brief."
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["audio"]["input"]["turn_detection"] is None
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["output_modalities"] == ["audio"]


def test_first_beta_shaped_update_switches_the_connection_to_beta(client: Any) -> None:
    client.send(
        "session.update",
        session={"modalities": ["text", "audio"], "voice": "ash", "turn_detection": None},
    )
    session = client.next_of("session.updated")["session"]
    assert session["voice"] == "ash"
    assert session["modalities"] == ["text", "audio"]
    assert "audio" not in session
    client.say_typed("hello")
    types = [e["type"] for e in client.collect_until("response.done")]
    assert "response.audio.delta" in types
    assert "response.output_audio.delta" not in types


def test_beta_session_shape_from_handshake_header(connect_client: Callable[..., Any]) -> None:
    client = connect_client(beta=True)
    session = client.created["session"]
    assert session["input_audio_format"] == "pcm16"
    assert session["turn_detection"]["silence_duration_ms"] == 500
    assert "type" not in session


def test_text_only_response(client: Any) -> None:
    client.say_typed("what is 7 plus 5", output_modalities=["text"])
    events = client.collect_until("response.done")
    types = collapsed(events)
    assert "response.output_text.delta" in types
    assert not any("audio" in t for t in types)
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == "7 plus 5 is 12."
    assert events[-1]["response"]["output"][0]["content"][0]["type"] == "output_text"


TIMER_TOOL = {
    "type": "function",
    "name": "set_timer",
    "description": "Start a countdown timer",
    "parameters": {
        "type": "object",
        "properties": {"duration_seconds": {"type": "integer"}, "label": {"type": "string"}},
        "required": ["duration_seconds"],
    },
}


@pytest.mark.parametrize("beta", [False, True])
def test_tool_round_trip(connect_client: Callable[..., Any], beta: bool) -> None:
    client = connect_client(beta=beta)
    if beta:
        client.send("session.update", session={"tools": [TIMER_TOOL], "tool_choice": "auto"})
    else:
        client.send("session.update", session={"type": "realtime", "tools": [TIMER_TOOL]})
    client.next_of("session.updated")
    client.say_typed("please set a timer for ten minutes")
    events = client.collect_until("response.done")

    added = next(e for e in events if e["type"] == "response.output_item.added")
    assert added["item"]["type"] == "function_call"
    arguments_done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert json.loads(arguments_done["arguments"]) == {"duration_seconds": 600}
    assert arguments_done["call_id"] == added["item"]["call_id"]
    assert ("name" in arguments_done) is (not beta)
    output = events[-1]["response"]["output"]
    assert output[0]["name"] == "set_timer"

    client.send(
        "conversation.item.create",
        item={
            "type": "function_call_output",
            "call_id": added["item"]["call_id"],
            "output": json.dumps({"status": "started", "remaining_seconds": 600}),
        },
    )
    client.send("response.create")
    events = client.collect_until("response.done")
    transcript = next(e for e in events if e["type"].endswith("audio_transcript.done"))
    assert transcript["transcript"] == "Timer set for 10 minutes."


def test_tool_choice_none_answers_without_calling(client: Any) -> None:
    client.send(
        "session.update", session={"type": "realtime", "tools": [TIMER_TOOL], "tool_choice": "none"}
    )
    client.next_of("session.updated")
    client.say_typed("set a timer for ten minutes")
    events = client.collect_until("response.done")
    assert events[-1]["response"]["output"][0]["type"] == "message"


def test_g711_output_is_8_khz(client: Any) -> None:
    client.send(
        "session.update",
        session={"type": "realtime", "audio": {"output": {"format": {"type": "audio/pcmu"}}}},
    )
    client.next_of("session.updated")
    client.say_typed("count to twenty")
    events = client.collect_until("response.done")
    chunks = [
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    ]
    assert len(chunks[0]) == 1200  # 150 ms at 8 kHz, one byte per sample


def test_delete_retrieve_and_insert_at_root(client: Any) -> None:
    client.send(
        "conversation.item.create",
        item={"id": "item_first", "type": "message", "role": "user",
              "content": [{"type": "input_text", "text": "one"}]},
    )  # fmt: skip
    client.next_of("conversation.item.done")
    client.send(
        "conversation.item.create",
        previous_item_id="root",
        item={"id": "item_zero", "type": "message", "role": "system",
              "content": [{"type": "input_text", "text": "zero"}]},
    )  # fmt: skip
    added = client.next_of("conversation.item.added")
    assert added["previous_item_id"] is None
    client.send("conversation.item.retrieve", item_id="item_first")
    retrieved = client.next_of("conversation.item.retrieved")
    assert retrieved["item"]["content"][0]["text"] == "one"
    client.send("conversation.item.delete", item_id="item_first")
    assert client.next_of("conversation.item.deleted")["item_id"] == "item_first"
    client.send("conversation.item.retrieve", item_id="item_first", event_id="evt_1")
    error = client.next_of("error")["error"]
    assert error["event_id"] == "evt_1"
    assert error["param"] == "item_id"
