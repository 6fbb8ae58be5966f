"""Connection lifecycle against the real offline engine: failures, reconnects,
session renewal and the voice lock."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.config.secrets import KeyStore
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from tests.support.conversation import (
    MakeController,
    offline_settings,
    wait_live,
    wait_reply,
)
from tests.support.relay import DroppingRelay


def test_wrong_key_fails_with_advice_and_does_not_retry(
    qtbot: QtBot,
    make_controller: MakeController,
    offline_host: OfflineEngineHost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    settings = offline_settings()
    settings.connection.backend = "custom"
    settings.connection.url = offline_host.url()
    keys = KeyStore(settings)
    keys.save("custom", "sk-wrong-key-0123456789")
    controller = make_controller(settings, keys)
    states: list[ConnectionState] = []
    controller.connection_state_changed.connect(lambda state, _r: states.append(state))
    controller.connect_backend()
    failed = ConnectionState.FAILED
    qtbot.waitUntil(lambda: controller.connection_state is failed, timeout=10000)
    assert "API key" in controller.connection_reason
    assert "sk-wrong-key" not in controller.connection_reason
    qtbot.wait(800)  # longer than the first retry delay
    assert ConnectionState.RECONNECTING not in states
    assert controller.session.worker is None


def test_missing_openai_key_explains_what_to_do(
    make_controller: MakeController, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    settings = offline_settings()
    settings.connection.backend = "openai"
    controller = make_controller(settings)
    controller.connect_backend()
    assert controller.connection_state is ConnectionState.FAILED
    assert "OPENAI_API_KEY" in controller.connection_reason


def test_dropped_connection_reconnects_and_the_new_session_knows_the_conversation(
    qtbot: QtBot, relayed_controller: tuple[ConversationController, DroppingRelay]
) -> None:
    controller, relay = relayed_controller
    states: list[ConnectionState] = []
    controller.connection_state_changed.connect(lambda state, _r: states.append(state))
    sent: list[str] = []
    controller.inspector_records.connect(
        lambda records: sent.extend(e["type"] for d, e in records if d == "client")
    )
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    before = controller.transcript.entries()

    relay.drop_all()
    qtbot.waitUntil(lambda: ConnectionState.RECONNECTING in states, timeout=5000)
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: sent.count("session.update") >= 2, timeout=3000)
    after = controller.transcript.entries()
    assert after[: len(before)] == before, "the transcript stays"
    assert [e.role for e in after[len(before) :]] == ["notice"], "where the new session began"
    assert "told the last 2 items" in after[-1].text
    second_update = [n for n, kind in enumerate(sent) if kind == "session.update"][1]
    assert sent[second_update + 1 : second_update + 3] == ["conversation.item.create"] * 2

    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=2)
    replies = [e for e in controller.transcript.entries() if e.role == "assistant"]
    assert replies[-1].text == "Your name is Ada.", "the new session knew what was said"
    assert len(controller.transcript) == len(after) + 2, "no stray entries from the context"


def test_session_is_renewed_between_turns_and_keeps_the_conversation(
    qtbot: QtBot, controller: ConversationController
) -> None:
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.send_text("Call me Grace.")
    wait_reply(qtbot, controller)
    first_worker = controller.session.worker
    controller.session.renew_after_s = 0.0
    qtbot.waitUntil(
        lambda: (
            controller.session.worker is not first_worker
            and controller.connection_state is ConnectionState.LIVE
        ),
        timeout=15000,
    )
    controller.session.renew_after_s = 3600.0
    qtbot.waitUntil(lambda: controller.transcript.entries()[-1].role == "notice", timeout=5000)
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=2)
    assert controller.transcript.entries()[-1].text == "Your name is Grace."


def test_voice_is_locked_after_the_first_audio_reply(
    qtbot: QtBot, controller: ConversationController
) -> None:
    controller.connect_backend()
    wait_live(qtbot, controller)
    assert controller.update_setting("voice", "voice", "cedar")
    controller.send_text("hello")
    wait_reply(qtbot, controller)
    assert controller.voice_locked
    messages: list[str] = []
    controller.status_message.connect(messages.append)
    assert not controller.update_setting("voice", "voice", "alloy")
    assert controller.settings.voice.voice == "cedar"
    assert any("new session" in m.lower() for m in messages)
    assert controller.update_setting("voice", "speed", 1.2), "other settings still apply"

    controller.new_session()
    qtbot.waitUntil(lambda: not controller.voice_locked, timeout=10000)
    wait_live(qtbot, controller)
    assert controller.update_setting("voice", "voice", "alloy")
