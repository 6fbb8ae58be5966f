"""The whole app while its sound devices and sound server come and go."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.config.store import load_settings
from desktop.connection.state import ConnectionState
from desktop.conversation.turn_machine import TurnState
from tests.support.conversation import wait_live, wait_reply
from tests.support.sound_card import MonitorRecorder, PrivateSoundServer, private_sound_server

pytestmark = pytest.mark.audio


@pytest.fixture
def server(pulse_server: str) -> Iterator[PrivateSoundServer]:
    with private_sound_server() as server:
        yield server


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path, server: PrivateSoundServer) -> Iterator[ParleyApp]:
    loaded = load_settings(
        tmp_path / "settings.toml",
        connection={"backend": "offline"},
        audio={"output_device": "usb_headset"},
    )
    parley = ParleyApp(loaded, engine_options={"speech": False})
    qtbot.addWidget(parley.window)
    yield parley
    parley.close()


def combo_labels(combo: object) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]  # type: ignore[attr-defined]


def test_devices_appear_by_name_and_problems_show_until_fixed(
    qtbot: QtBot, app: ParleyApp, server: PrivateSoundServer
) -> None:
    window = app.window
    statuses: list[str] = []
    app.controller.status_message.connect(statuses.append)
    assert app.start_audio()
    panel = window.panels.audio
    # The saved headset is not plugged in: the default plays, and the user is told.
    qtbot.waitUntil(lambda: "usb_headset (not connected)" in combo_labels(panel.output_combo))
    assert "System default (Parley Speaker)" in combo_labels(panel.output_combo)

    server.add_output("usb_headset", "USB Headset")
    qtbot.waitUntil(lambda: panel.output_combo.currentText() == "USB Headset", timeout=3000)
    qtbot.waitUntil(lambda: any("is back" in s for s in statuses), timeout=3000)
    assert app.audio.routes[1].server_device == "usb_headset"

    server.kill()
    qtbot.waitUntil(lambda: window.audio_indicator.isVisibleTo(window), timeout=3000)
    assert window.audio_indicator.text() == "No sound"
    assert "sound server" in panel.problem_text()
    assert "sound server" in (app.audio_problem or "")

    server.start()
    qtbot.waitUntil(lambda: not window.audio_indicator.isVisibleTo(window), timeout=5000)
    assert app.audio.running and app.audio_problem is None
    assert panel.problem_text() == ""


def test_a_sound_server_restart_mid_conversation_keeps_the_session(
    qtbot: QtBot, app: ParleyApp, server: PrivateSoundServer
) -> None:
    app.start(connect=True)
    wait_live(qtbot, app.controller)
    qtbot.waitUntil(lambda: app.audio is not None and app.audio.running, timeout=5000)
    app.controller.send_text("count to ten")
    qtbot.waitUntil(lambda: app.controller.turn_state is TurnState.SPEAKING, timeout=10000)

    server.kill()
    qtbot.waitUntil(lambda: app.window.audio_indicator.isVisibleTo(app.window), timeout=3000)
    assert app.controller.connection_state is ConnectionState.LIVE
    qtbot.waitUntil(lambda: app.controller.turn_state is TurnState.IDLE, timeout=5000)
    answered_before = len([e for e in app.controller.transcript.entries() if e.role == "assistant"])

    server.start()
    qtbot.waitUntil(lambda: app.audio is not None and app.audio.running, timeout=5000)
    speaker = MonitorRecorder.started()
    try:
        asked = time.monotonic()
        app.controller.send_text("hello")
        wait_reply(qtbot, app.controller, count=answered_before + 1)
        qtbot.waitUntil(lambda: speaker.first_loud_after(asked, 1000) is not None, timeout=5000)
    finally:
        speaker.stop()
    assert app.controller.connection_state is ConnectionState.LIVE
    entries = app.controller.transcript.entries()
    assert [e.text for e in entries if e.role == "user"][:2] == ["count to ten", "hello"]
