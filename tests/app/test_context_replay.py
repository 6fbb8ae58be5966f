"""Every new session is told the conversation so far, before anything else, on a
scripted GA server: after a dropped socket, on renewal, within the budget the
settings give. The server's acknowledgements of those items add nothing to the
transcript, and a notice shows where the new session began."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.config.settings import Settings
from desktop.connection.reconnect import ReconnectPolicy
from desktop.conversation.controller import ConversationController
from tests.support.conversation import MakeController, offline_settings, wait_live, wait_reply
from tests.support.ga_server import GaServer
from tests.support.strict_validator import ga_problems


@pytest.fixture
def server() -> Iterator[GaServer]:
    scripted = GaServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def ga_settings(server: GaServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    settings = offline_settings(ui={"talk_mode": "ptt"})
    settings.connection.backend = "custom"
    settings.connection.url = server.base_url
    return settings


def session_events(server: GaServer, session: int) -> list[dict[str, Any]]:
    """The client events of one connection, from its session.update on."""
    updates = [n for n, e in enumerate(server.log) if e.get("type") == "session.update"]
    assert len(updates) > session, "no such session"
    end = updates[session + 1] if session + 1 < len(updates) else len(server.log)
    return server.log[updates[session] : end]


def talk(qtbot: QtBot, controller: ConversationController, server: GaServer) -> None:
    """A typed turn, a spoken one and another typed turn on the first session."""
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    spoken = server.speak("I would like some tea.")
    qtbot.waitUntil(
        lambda: (entry := controller.transcript.get(spoken)) is not None and entry.status == "done",
        timeout=5000,
    )
    controller.send_text("And biscuits.")
    wait_reply(qtbot, controller, count=2)


def test_after_a_dropped_socket_the_new_session_is_told_everything_first(
    qtbot: QtBot, make_controller: MakeController, server: GaServer, ga_settings: Settings
) -> None:
    controller = make_controller(ga_settings)
    controller.session.reconnect = ReconnectPolicy(0.05, 0.2)
    controller.connect_backend()
    wait_live(qtbot, controller)
    talk(qtbot, controller, server)
    before = controller.transcript.entries()
    said = [(e.role, e.text) for e in before]

    server.close_client(1011, "going away")
    qtbot.waitUntil(lambda: len(server.sessions) == 2, timeout=10000)
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: len(controller.transcript) == len(before) + 1, timeout=5000)
    events = session_events(server, 1)
    seeded = [e for e in events if e["type"] == "conversation.item.create"]
    assert [e["type"] for e in events[: 1 + len(seeded)]] == ["session.update"] + [
        "conversation.item.create"
    ] * len(seeded), "the context comes right after the configuration, before anything else"
    assert [(e["item"]["role"], e["item"]["content"][0]["text"]) for e in seeded] == said, (
        "every line, spoken ones by their transcripts, newest last"
    )
    assert [e["item"]["content"][0]["type"] for e in seeded] == [
        "input_text", "output_text", "input_text", "input_text", "output_text"
    ]  # fmt: skip
    for event in seeded:
        assert ga_problems(event) == [], event
    notice = controller.transcript.entries()[-1]
    assert notice.role == "notice" and "told the last 5 items" in notice.text
    assert controller.transcript.entries()[: len(before)] == before

    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=3)
    assert controller.transcript.entries()[-1].text == "Your name is Ada."
    assert len(controller.transcript) == len(before) + 3, "no entries from the acknowledgements"


def test_renewal_carries_the_context(
    qtbot: QtBot, make_controller: MakeController, server: GaServer, ga_settings: Settings
) -> None:
    controller = make_controller(ga_settings)
    controller.connect_backend()
    wait_live(qtbot, controller)
    talk(qtbot, controller, server)
    controller.session.renew_after_s = 0.0
    qtbot.waitUntil(lambda: len(server.sessions) == 2, timeout=10000)
    controller.session.renew_after_s = 3600.0
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: controller.transcript.entries()[-1].role == "notice", timeout=5000)
    seeded = [e for e in session_events(server, 1) if e["type"] == "conversation.item.create"]
    assert len(seeded) == 5
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=3)
    assert controller.transcript.entries()[-1].text == "Your name is Ada."


def test_the_budget_bounds_the_context_and_zero_turns_it_off(
    qtbot: QtBot, make_controller: MakeController, server: GaServer, ga_settings: Settings
) -> None:
    ga_settings.history.context_items = 2
    controller = make_controller(ga_settings)
    controller.connect_backend()
    wait_live(qtbot, controller)
    talk(qtbot, controller, server)
    controller.new_session()
    qtbot.waitUntil(lambda: len(server.sessions) == 2, timeout=10000)
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: controller.transcript.entries()[-1].role == "notice", timeout=5000)
    seeded = [e for e in session_events(server, 1) if e["type"] == "conversation.item.create"]
    assert [e["item"]["content"][0]["text"] for e in seeded] == [
        "And biscuits.",
        "Noted; this session holds 4 items.",
    ], "the newest that fit"

    assert controller.update_setting("history", "context_items", 0)
    controller.new_session()
    qtbot.waitUntil(lambda: len(server.sessions) == 3, timeout=10000)
    wait_live(qtbot, controller)
    qtbot.waitUntil(
        lambda: "context is off" in controller.transcript.entries()[-1].text, timeout=5000
    )
    assert not [e for e in session_events(server, 2) if e["type"] == "conversation.item.create"]
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=3)
    assert controller.transcript.entries()[-1].text == "I don't know your name."
