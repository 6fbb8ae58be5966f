"""MCP tools in a conversation with a GA server (a scripted server plays the model):
the call runs on a real MCP server, its output goes back as the function output,
and the reply follows; a server that dies mid-call and a tool that times out give
the model an error and the user a clear line, and the conversation goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from pytestqt.qtbot import QtBot

from desktop.config.settings import McpServerSettings, Settings
from desktop.conversation.controller import ConversationController
from desktop.mcp.records import ServerState
from tests.support.conversation import MakeController, offline_settings, wait_live, wait_reply
from tests.support.ga_script import (
    Received,
    function_call,
    function_calls,
    of_type,
    offers,
    output_of,
    text_reply,
)
from tests.support.mcp_servers import HTTP_TOKEN, HttpServer, demo_settings
from tests.support.scripted_server import ScriptedServer


@pytest.fixture
def ga_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    yield server
    server.stop()


def ga_settings(server: ScriptedServer, *mcp: McpServerSettings) -> Settings:
    settings = offline_settings(
        ui={"talk_mode": "ptt"},
        response={"output_modality": "text"},
        mcp={"servers": [s.model_dump() for s in mcp]},
    )
    settings.connection.backend = "custom"
    settings.connection.url = server.base_url
    return settings


def start(
    qtbot: QtBot, make_controller: MakeController, server: ScriptedServer, settings: Settings
) -> tuple[ConversationController, Received]:
    controller = make_controller(settings)
    controller.connect_backend()
    wait_live(qtbot, controller)
    return controller, Received(server)


def ask_and_call(
    controller: ConversationController, received: Received, name: str, args: dict[str, object]
) -> dict[str, object]:
    """The user asks; the model calls ``name``; the function output the app sends."""
    received.wait(offers(name))
    assert controller.send_text("Please use the tool.")
    received.wait(of_type("response.create"))
    received.send(function_call(name, args))
    output = received.wait(output_of("call_1"))
    item = output["item"]
    assert isinstance(item, dict)
    return item


def second_response_asked(received: Received) -> None:
    received.wait(lambda e: e.get("type") == "response.create"
                  and len(received.of_type("response.create")) >= 2)  # fmt: skip


def test_the_model_calls_an_mcp_tool_and_the_reply_uses_its_output(
    qtbot: QtBot, make_controller: MakeController, ga_server: ScriptedServer
) -> None:
    settings = ga_settings(ga_server, demo_settings())
    controller, received = start(qtbot, make_controller, ga_server, settings)
    offered = received.wait(offers("demo__lookup_word"))
    names = [tool["name"] for tool in offered["session"]["tools"]]
    assert {"get_local_time", "calculate", "demo__lookup_word", "demo__crash"} <= set(names)

    item = ask_and_call(controller, received, "demo__lookup_word", {"word": "parley"})
    assert item["output"] == "parley: a word the demo dictionary knows."
    second_response_asked(received)
    received.send(text_reply("Parley is a word the dictionary knows.", 2))
    wait_reply(qtbot, controller)
    (tool,) = [e for e in controller.transcript.entries() if e.role == "tool"]
    assert tool.status == "done" and tool.consent == ""  # read-only: it did not ask
    assert tool.tool_result == "parley: a word the demo dictionary knows."
    assert controller.transcript.entries()[-1].text == "Parley is a word the dictionary knows."


def test_a_streamable_http_server_with_a_token_from_the_keyring(
    qtbot: QtBot,
    make_controller: MakeController,
    ga_server: ScriptedServer,
    http_server: HttpServer,
    memory_keyring: KeyringBackend,
) -> None:
    controller, received = start(qtbot, make_controller, ga_server, ga_settings(ga_server))
    web = McpServerSettings(name="web", transport="http", url=http_server.url, ask="never")
    controller.mcp.save_server(None, web, token=HTTP_TOKEN)
    assert HTTP_TOKEN not in json.dumps(controller.settings.storable())
    item = ask_and_call(controller, received, "web__echo", {"text": "over HTTP"})
    assert item["output"] == "echo: over HTTP"


def test_a_server_that_dies_mid_call_gives_an_error_and_the_conversation_goes_on(
    qtbot: QtBot, make_controller: MakeController, ga_server: ScriptedServer
) -> None:
    settings = ga_settings(ga_server, demo_settings(ask="never"))
    controller, received = start(qtbot, make_controller, ga_server, settings)
    item = ask_and_call(controller, received, "demo__crash", {})
    crash_sent = len(received.events)
    assert json.loads(str(item["output"])) == {
        "error": "the demo server stopped while running the tool"
    }
    (tool,) = [e for e in controller.transcript.entries() if e.role == "tool"]
    assert tool.status == "failed" and tool.text == "The server demo stopped during crash."
    second_response_asked(received)
    received.send(text_reply("Sorry, that tool crashed.", 2))
    wait_reply(qtbot, controller)

    qtbot.waitUntil(lambda: controller.mcp.statuses()[0].state is ServerState.FAILED)
    (status,) = controller.mcp.statuses()
    assert "crashing on purpose" in status.stderr_tail
    # Its tools are offered no more while it is down, and again once it is restarted.
    down = received.wait(
        lambda e: e.get("type") == "session.update" and "demo__crash" not in json.dumps(e),
        since=crash_sent,
    )
    controller.mcp.restart("demo")
    received.wait(offers("demo__crash"), since=received.events.index(down) + 1)
    assert controller.mcp.statuses()[0].state is ServerState.RUNNING
    assert controller.send_text("Again, please.")
    received.send(function_call("demo__lookup_word", {"word": "again"}, number=3))
    again = received.wait(output_of("call_3"))
    assert again["item"]["output"] == "again: a word the demo dictionary knows."


def test_a_tool_that_times_out_gives_an_error_and_a_line_in_the_transcript(
    qtbot: QtBot, make_controller: MakeController, ga_server: ScriptedServer
) -> None:
    settings = ga_settings(ga_server, demo_settings(ask="never", call_timeout_s=1))
    controller, received = start(qtbot, make_controller, ga_server, settings)
    item = ask_and_call(controller, received, "demo__slow", {"seconds": 20})
    assert json.loads(str(item["output"])) == {"error": "the tool did not finish within 1 seconds"}
    (tool,) = [e for e in controller.transcript.entries() if e.role == "tool"]
    assert tool.status == "failed" and tool.text == "slow (demo) timed out after 1 s."
    second_response_asked(received)
    assert controller.mcp.statuses()[0].state is ServerState.RUNNING


def test_calls_of_one_response_go_back_together_when_the_slowest_is_done(
    qtbot: QtBot, make_controller: MakeController, ga_server: ScriptedServer
) -> None:
    settings = ga_settings(ga_server, demo_settings(ask="never"))
    controller, received = start(qtbot, make_controller, ga_server, settings)
    received.wait(offers("demo__slow"))
    assert controller.send_text("Two things at once, please.")
    received.wait(of_type("response.create"))
    calls = [("calculate", {"expression": "6 * 7"}), ("demo__slow", {"seconds": 1.5})]
    received.send(function_calls(calls))
    slow = received.wait(output_of("call_2"))
    quick = received.wait(output_of("call_1"))
    events = received.events
    # The quick output waited for the slow one; one response.create follows both.
    assert abs(events.index(quick) - events.index(slow)) == 1
    assert json.loads(quick["item"]["output"]) == {"expression": "6 * 7", "result": 42}
    assert slow["item"]["output"] == "done"
    second_response_asked(received)
    after = events[max(events.index(quick), events.index(slow)) + 1]
    assert after["type"] == "response.create"
    assert len(received.of_type("response.create")) == 2
