"""Typed conversation through the real protocol client and offline engine."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.conversation.turn_machine import TurnState
from tests.support.conversation import wait_live, wait_reply


def connect(qtbot: QtBot, controller: ConversationController) -> None:
    controller.connect_backend()
    wait_live(qtbot, controller)


def test_typed_message_gets_a_spoken_reply(
    qtbot: QtBot, controller: ConversationController
) -> None:
    connect(qtbot, controller)
    assert controller.send_text("hello there")
    wait_reply(qtbot, controller)
    roles = [e.role for e in controller.transcript.entries()]
    assert roles[:2] == ["user", "assistant"]
    assistant = next(e for e in controller.transcript.entries() if e.role == "assistant")
    assert assistant.text
    assert controller.tracker.received_ms(assistant.id) > 100
    assert controller.voice_locked
    assert controller.record.usage.turns == 1
    assert controller.record.usage.session.total > 0


def test_g711_session_decodes_replies_for_playback(
    qtbot: QtBot, controller: ConversationController
) -> None:
    controller.settings.audio.format = "g711_ulaw"
    connect(qtbot, controller)
    assert controller.send_text("hello")
    wait_reply(qtbot, controller)
    assistant = next(e for e in controller.transcript.entries() if e.role == "assistant")
    # Decoded to 24 kHz PCM16 before playback (48 bytes per ms, not G.711's 8): the
    # greeting is several seconds long, a sixth of that if it were left undecoded.
    assert controller.tracker.received_ms(assistant.id) > 3000
    assert controller.record.recorder.duration_s > 0.1


def test_server_error_is_shown_and_the_session_goes_on(
    qtbot: QtBot, controller: ConversationController
) -> None:
    connect(qtbot, controller)
    messages: list[str] = []
    controller.status_message.connect(messages.append)
    assert controller.session.worker is not None
    controller.session.worker.send_event(
        {"type": "conversation.item.delete", "item_id": "no_such_item"}
    )
    qtbot.waitUntil(lambda: any("Server error" in m for m in messages), timeout=5000)
    assert controller.connection_state is ConnectionState.LIVE
    assert controller.send_text("hello")
    wait_reply(qtbot, controller)


def test_rejected_response_request_does_not_block_the_next_turn(
    qtbot: QtBot, controller: ConversationController
) -> None:
    connect(qtbot, controller)
    assert controller.session.worker is not None
    messages: list[str] = []
    controller.status_message.connect(messages.append)
    controller.gate.request()  # now pending: further requests wait for it
    controller.session.worker.send_event(
        {"type": "response.create", "response": {"voice": "nobody"}}
    )
    qtbot.waitUntil(lambda: any("Not sent" in m for m in messages), timeout=5000)
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=10000)
    assert controller.send_text("hello"), "the sender survived the refused event"
    wait_reply(qtbot, controller)


def test_offline_engine_without_speech_says_typed_only(
    qtbot: QtBot, controller: ConversationController
) -> None:
    messages: list[str] = []
    controller.status_message.connect(messages.append)
    connect(qtbot, controller)
    qtbot.waitUntil(lambda: any("typed conversation only" in m for m in messages), timeout=5000)
