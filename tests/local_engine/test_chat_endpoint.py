"""Replies from a user-configured chat endpoint, against a fake one on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop.local_engine import LocalEngine
from tests.support.chat_server import FakeChatServer, text_chunks, tool_call_chunks

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def weather_script(body: dict[str, Any]) -> list[dict[str, Any]]:
    last = body["messages"][-1]
    if last["role"] == "tool":
        return text_chunks(f"It is {json.loads(last['content'])['sky']} there.")
    if "weather" in last["content"]:
        return tool_call_chunks("get_weather", '{"city": "Oslo"}')
    return text_chunks("Hello from the model. This is the second sentence!")


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    server = FakeChatServer(weather_script)
    yield server
    server.close()


@pytest.fixture
def chat_engine(chat_server: FakeChatServer) -> Iterator[LocalEngine]:
    engine = LocalEngine(
        speech=False, chat_endpoint=chat_server.url, chat_model="tiny", chat_api_key="sk-local"
    )
    engine.start()
    yield engine
    engine.stop()


def test_reply_streams_sentence_by_sentence(
    chat_engine: LocalEngine, chat_server: FakeChatServer, connect_client: Callable[..., Any]
) -> None:
    client = connect_client(url=f"{chat_engine.url}/realtime")
    client.send("session.update", session={"type": "realtime", "instructions": "Be terse."})
    client.next_of("session.updated")
    client.say_typed("hi there")
    events = client.collect_until("response.done")
    deltas = [e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta"]
    assert deltas == ["Hello from the model.", " This is the second sentence!"]
    assert any(e["type"] == "response.output_audio.delta" for e in events)
    request = chat_server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-local"
    assert request["body"]["model"] == "tiny" and request["body"]["stream"] is True
    assert request["body"]["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "hi there"},
    ]


def test_tool_call_round_trip_through_the_chat_model(
    chat_engine: LocalEngine, chat_server: FakeChatServer, connect_client: Callable[..., Any]
) -> None:
    client = connect_client(url=f"{chat_engine.url}/realtime")
    client.send("session.update", session={"type": "realtime", "tools": [WEATHER_TOOL]})
    client.next_of("session.updated")
    client.say_typed("what's the weather in Oslo")
    events = client.collect_until("response.done")
    call = events[-1]["response"]["output"][0]
    assert (call["type"], call["name"], json.loads(call["arguments"])) == (
        "function_call", "get_weather", {"city": "Oslo"},
    )  # fmt: skip
    assert chat_server.requests[0]["body"]["tools"][0]["function"]["name"] == "get_weather"

    client.send(
        "conversation.item.create",
        item={"type": "function_call_output", "call_id": call["call_id"],
              "output": json.dumps({"sky": "sunny"})},
    )  # fmt: skip
    client.send("response.create")
    events = client.collect_until("response.done")
    transcript = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert transcript["transcript"] == "It is sunny there."
    messages = chat_server.requests[1]["body"]["messages"]
    assert messages[-2]["tool_calls"][0]["id"] == call["call_id"]
    assert messages[-1] == {"role": "tool", "tool_call_id": call["call_id"],
                            "content": json.dumps({"sky": "sunny"})}  # fmt: skip


def test_unreachable_endpoint_falls_back_to_the_built_in_brain(
    connect_client: Callable[..., Any],
) -> None:
    with LocalEngine(speech=False, chat_endpoint="http://127.0.0.1:9/v1") as engine:
        client = connect_client(url=f"{engine.url}/realtime")
        client.say_typed("what is 3 times 3")
        events = client.collect_until("response.done")
        transcript = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
        assert transcript["transcript"] == "3 times 3 is 9."
        assert events[-1]["response"]["status"] == "completed"
        client.close()
