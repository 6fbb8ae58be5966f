"""The global push-to-talk key driving the whole app (the window stays offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.config.store import load_settings
from desktop.conversation.turn_machine import TurnState
from tests.support.conversation import MakeApp
from tests.support.x_server import Keyboard


def test_the_window_talks_while_the_global_key_is_held(
    x_display: str,
    keyboard: Keyboard,
    qtbot: QtBot,
    make_app: MakeApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The window itself is offscreen; the key is grabbed on the private X server.
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.setattr("ui.main_window.global_hotkey_unavailable", lambda _platform: None)
    loaded = load_settings(
        tmp_path / "settings.toml",
        connection={"backend": "offline"},
        ui={"talk_mode": "ptt", "global_hotkey": True, "global_ptt_key": "F7"},
    )
    parley = make_app(loaded, engine_options={"speech": False})
    assert parley.window.global_hotkey is not None
    parley.start(connect=True)
    qtbot.waitUntil(lambda: parley.live, timeout=15000)
    messages: list[str] = []
    parley.controller.status_message.connect(messages.append)
    keyboard.press("F7")
    qtbot.waitUntil(lambda: parley.controller.turn_state is TurnState.LISTENING, timeout=3000)
    keyboard.release("F7")
    qtbot.waitUntil(lambda: any("Too short" in m for m in messages), timeout=5000)
    parley.window.panels.keys.setting_changed.emit("ui.global_hotkey", False)
    assert parley.window.global_hotkey is None  # the key is free for other applications


def test_enabling_the_global_key_without_x11_says_why(make_app: MakeApp) -> None:
    parley = make_app()
    parley.window.panels.keys.setting_changed.emit("ui.global_hotkey", True)
    assert "X11" in parley.window.status_label.text()
    assert parley.window.global_hotkey is None
    assert parley.settings.ui.global_hotkey is True  # kept for when X11 is there
