"""MCP tools offered to the offline engine, with its rule brain and with a language
model: the model calls the tool, the host runs it on the real server, and the reply
uses its output. (The app's controller does the host's part in the app.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.local_engine import LocalEngine
from desktop.mcp.host import McpHost
from tests.support.chat_server import FakeChatServer, text_chunks, tool_call_chunks
from tests.support.engine_client import EngineClient
from tests.support.mcp_servers import demo_launch, settled


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    with LocalEngine(speech=False) as running:
        yield running


@pytest.fixture
def client(engine: LocalEngine) -> Iterator[EngineClient]:
    connection = EngineClient(f"{engine.url}/realtime")
    yield connection
    connection.close()


def offer_tools(client: EngineClient, host: McpHost, instructions: str = "") -> None:
    host.configure([demo_launch()])
    settled(host, 1)
    tools = [tool.function_tool() for tool in host.tools()]
    session = {"type": "realtime", "tools": tools, "instructions": instructions}
    client.send("session.update", session=session)
    client.next_of("session.updated")


def run_the_call(client: EngineClient, host: McpHost) -> dict[str, Any]:
    """Waits for the function call, runs it through the host, sends its output."""
    done = client.next_of("response.done")
    call = done["response"]["output"][-1]
    assert call["type"] == "function_call"
    outcome = host.call(call["call_id"], call["name"], call["arguments"]).result(30)
    client.send(
        "conversation.item.create",
        item={"type": "function_call_output", "call_id": call["call_id"],
              "output": outcome.output},
    )  # fmt: skip
    client.send("response.create")
    return dict(call)


def spoken(client: EngineClient) -> str:
    events = client.collect_until("response.done")
    done = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    return str(done["transcript"])


def test_the_rule_brain_calls_an_mcp_tool_and_reads_its_answer(
    client: EngineClient, host: McpHost
) -> None:
    offer_tools(client, host)
    client.say_typed('look up the word "parley" in the dictionary')
    call = run_the_call(client, host)
    assert call["name"] == "demo__lookup_word"
    assert json.loads(call["arguments"]) == {"word": "parley"}
    assert "parley: a word the demo dictionary knows" in spoken(client)

    client.say_typed("crash the server")
    assert run_the_call(client, host)["name"] == "demo__crash"
    said = spoken(client)
    assert said == "That didn't work: the demo server stopped while running the tool."


def test_a_language_model_calls_an_mcp_tool_and_uses_its_answer(
    engine: LocalEngine, client: EngineClient, host: McpHost
) -> None:
    def script(body: dict[str, Any]) -> list[dict[str, Any]]:
        last = body["messages"][-1]
        if last["role"] == "tool":
            return text_chunks(f"The dictionary says {last['content']}")
        return tool_call_chunks("demo__lookup_word", '{"word": "parley"}')

    chat = FakeChatServer(script)
    try:
        engine.set_chat_endpoint(chat.url, "tiny")
        offer_tools(client, host, instructions="Use the dictionary.")
        client.say_typed("what does parley mean?")
        call = run_the_call(client, host)
        assert (call["name"], json.loads(call["arguments"])) == (
            "demo__lookup_word", {"word": "parley"},
        )  # fmt: skip
        said = spoken(client)
        assert said == "The dictionary says parley: a word the demo dictionary knows."
        first = chat.requests[0]["body"]
        assert first["messages"][0] == {"role": "system", "content": "Use the dictionary."}
        offered = {tool["function"]["name"]: tool["function"] for tool in first["tools"]}
        assert offered["demo__lookup_word"]["parameters"]["required"] == ["word"]
        assert offered["demo__lookup_word"]["description"].startswith("[demo] Look up")
        assert chat.requests[1]["body"]["messages"][-1]["role"] == "tool"
    finally:
        chat.close()
