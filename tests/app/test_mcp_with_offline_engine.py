"""MCP tools in a conversation with the offline engine (its rule brain chooses the
tool by its name and description): the app runs the call on a real MCP server and
the spoken reply uses the output; a tool that asks first waits for the Allow or
Deny button in the transcript, or a typed yes or no."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.conversation.controller import ConversationController
from desktop.conversation.transcript import TranscriptEntry, entry_body
from tests.support.conversation import (
    MakeController,
    MakeIdleApp,
    Traffic,
    offline_settings,
    wait_live,
    wait_reply,
)
from tests.support.mcp_servers import demo_settings

LOOK_UP = 'look up the word "parley" in the dictionary'
MEANING = "parley: a word the demo dictionary knows."


def live_with_tools(
    qtbot: QtBot, controller: ConversationController, tool: str = "demo__lookup_word"
) -> Traffic:
    traffic = Traffic(controller)
    controller.connect_backend()
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: tool in traffic.offered(), timeout=30000)
    return traffic


def tool_entry(controller: ConversationController) -> TranscriptEntry:
    return next(e for e in reversed(controller.transcript.entries()) if e.role == "tool")


def last_reply(controller: ConversationController) -> str:
    replies = [e for e in controller.transcript.entries() if e.role == "assistant"]
    return replies[-1].text


def test_the_offline_engine_calls_an_mcp_tool_and_says_its_answer(
    qtbot: QtBot, make_controller: MakeController
) -> None:
    settings = offline_settings(ui={"talk_mode": "ptt"}, mcp={"servers": [demo_settings()]})
    controller = make_controller(settings)
    traffic = live_with_tools(qtbot, controller)
    assert controller.send_text(LOOK_UP)
    wait_reply(qtbot, controller)
    qtbot.waitUntil(lambda: traffic.outputs() == [MEANING])
    assert MEANING in last_reply(controller)
    assert tool_entry(controller).tool_name == "demo__lookup_word"


def test_a_crash_and_a_timeout_are_said_and_the_conversation_goes_on(
    qtbot: QtBot, make_controller: MakeController
) -> None:
    demo = demo_settings(ask="never", call_timeout_s=1)
    settings = offline_settings(ui={"talk_mode": "ptt"}, mcp={"servers": [demo]})
    controller = make_controller(settings)
    live_with_tools(qtbot, controller, "demo__slow")
    messages: list[str] = []
    controller.status_message.connect(messages.append)

    assert controller.send_text("wait for 5 seconds")
    wait_reply(qtbot, controller)
    assert tool_entry(controller).text == "slow (demo) timed out after 1 s."
    assert "slow (demo) timed out after 1 s." in messages
    assert last_reply(controller) == ("That didn't work: the tool did not finish within 1 seconds.")

    assert controller.send_text("crash the server")
    wait_reply(qtbot, controller, count=2)
    assert tool_entry(controller).status == "failed"
    assert tool_entry(controller).text == "The server demo stopped during crash."
    assert last_reply(controller) == (
        "That didn't work: the demo server stopped while running the tool."
    )
    assert controller.send_text("hello")
    wait_reply(qtbot, controller, count=3)


def asking_app(make_idle_app: MakeIdleApp) -> ParleyApp:
    demo = demo_settings(tool_rules={"lookup_word": "ask"})
    return make_idle_app(mcp={"servers": [demo.model_dump()]})


def ask(qtbot: QtBot, app: ParleyApp) -> tuple[Traffic, TranscriptEntry]:
    controller = app.controller
    traffic = live_with_tools(qtbot, controller)
    assert controller.send_text(LOOK_UP)
    entries = controller.transcript.entries
    qtbot.waitUntil(lambda: any(e.consent == "asking" for e in entries()), timeout=15000)
    return traffic, tool_entry(controller)


def test_allow_in_the_transcript_runs_the_tool(qtbot: QtBot, make_idle_app: MakeIdleApp) -> None:
    app = asking_app(make_idle_app)
    assert app.window is not None
    traffic, question = ask(qtbot, app)
    assert traffic.outputs() == []  # nothing runs before the user says so
    buttons = app.window.transcript.question_buttons(question.id)
    assert buttons is not None
    buttons.allow_button.click()
    wait_reply(qtbot, app.controller)
    qtbot.waitUntil(lambda: traffic.outputs() == [MEANING])
    assert MEANING in last_reply(app.controller)
    assert tool_entry(app.controller).consent == "allowed"
    assert app.window.transcript.question_buttons(question.id) is None


def test_deny_in_the_transcript_tells_the_model_no(
    qtbot: QtBot, make_idle_app: MakeIdleApp
) -> None:
    app = asking_app(make_idle_app)
    assert app.window is not None
    traffic, question = ask(qtbot, app)
    buttons = app.window.transcript.question_buttons(question.id)
    assert buttons is not None
    buttons.deny_button.click()
    wait_reply(qtbot, app.controller)
    refused = '{"error": "the user did not allow this tool to run"}'
    qtbot.waitUntil(lambda: traffic.outputs() == [refused])
    entry = tool_entry(app.controller)
    assert entry.consent == "denied" and entry.status == "failed"
    assert entry_body(entry).endswith("not run: you said no.")
    assert "did not allow" in last_reply(app.controller)


def test_a_typed_yes_answers_the_question_and_is_no_turn_of_its_own(
    qtbot: QtBot, make_idle_app: MakeIdleApp
) -> None:
    app = asking_app(make_idle_app)
    traffic, _question = ask(qtbot, app)
    assert app.controller.send_text("Yes, go ahead.")
    wait_reply(qtbot, app.controller)
    qtbot.waitUntil(lambda: traffic.outputs() == [MEANING])
    typed = [
        part.get("text")
        for event in traffic.sent("conversation.item.create")
        for part in (event.get("item") or {}).get("content") or []
    ]
    assert typed == [LOOK_UP]  # the yes went to the question, not to the model
    roles = [e.role for e in app.controller.transcript.entries()]
    assert roles == ["user", "tool", "user", "assistant"]
