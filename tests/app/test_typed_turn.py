"""Typed conversation through the real protocol client and offline engine."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.controller import ConversationController
from desktop.state import ConnectionState, TurnState


def connect(qtbot: QtBot, controller: ConversationController) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.LIVE, timeout=15000)


def test_typed_message_gets_a_spoken_reply(
    qtbot: QtBot, controller: ConversationController
) -> None:
    connect(qtbot, controller)
    assert controller.send_text("hello there")
    qtbot.waitUntil(
        lambda: any(
            e.role == "assistant" and e.status == "done" and e.text
            for e in controller.transcript.entries()
        ),
        timeout=15000,
    )
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=10000)
    roles = [e.role for e in controller.transcript.entries()]
    assert roles[:2] == ["user", "assistant"]
    assistant = next(e for e in controller.transcript.entries() if e.role == "assistant")
    assert controller.tracker.received_ms(assistant.key) > 100
    assert controller.voice_locked
    assert controller.usage.turns == 1
    assert controller.usage.session.total > 0
