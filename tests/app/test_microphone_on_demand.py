"""The microphone runs while the session needs it, and only then."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from audio_engine import AudioEngine
from desktop.connection.state import ConnectionState
from tests.support.conversation import MakeController, offline_settings, wait_live

pytestmark = pytest.mark.audio


@pytest.fixture
def audio(pulse_server: str) -> Iterator[AudioEngine]:
    engine = AudioEngine(capture_on_demand=True)
    engine.start()
    yield engine
    engine.stop()


def test_push_to_talk_captures_only_while_the_key_is_held(
    qtbot: QtBot, make_controller: MakeController, audio: AudioEngine
) -> None:
    controller = make_controller(offline_settings(ui={"talk_mode": "ptt"}), audio=audio)
    sent: list[tuple[str, dict[str, Any]]] = []
    controller.inspector_records.connect(sent.extend)
    assert not audio.capturing
    controller.connect_backend()
    wait_live(qtbot, controller)
    qtbot.wait(300)
    assert not audio.capturing  # connected, nobody talking

    def appended() -> bool:
        return any(e.get("type") == "input_audio_buffer.append" for d, e in sent if d == "client")

    controller.ptt_press()
    qtbot.waitUntil(lambda: audio.capturing, timeout=3000)
    qtbot.waitUntil(appended, timeout=5000)
    controller.ptt_release()
    qtbot.waitUntil(lambda: not audio.capturing, timeout=3000)


def test_hands_free_captures_while_connected(
    qtbot: QtBot, make_controller: MakeController, audio: AudioEngine
) -> None:
    controller = make_controller(offline_settings(ui={"talk_mode": "handsfree"}), audio=audio)
    controller.connect_backend()
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: audio.capturing, timeout=3000)
    controller.set_muted(True)
    audio.set_muted(True)
    qtbot.waitUntil(lambda: not audio.capturing, timeout=3000)
    controller.set_muted(False)
    audio.set_muted(False)
    qtbot.waitUntil(lambda: audio.capturing, timeout=3000)
    controller.disconnect_backend()
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.IDLE, timeout=5000)
    qtbot.waitUntil(lambda: not audio.capturing, timeout=3000)
