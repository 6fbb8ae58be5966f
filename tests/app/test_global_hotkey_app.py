"""The global push-to-talk key driving the whole app (the window stays offscreen)."""

from __future__ import annotations

import pytest

from tests.x_server import Keyboard


def test_the_window_talks_while_the_global_key_is_held(
    x_display: str, keyboard: Keyboard, qtbot, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.app import ParleyApp
    from desktop.config_store import load_settings
    from desktop.state import TurnState

    # The window itself is offscreen; the key is grabbed on the private X server.
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.setattr("ui.main_window.global_hotkey_unavailable", lambda _platform: None)
    loaded = load_settings(
        tmp_path / "settings.toml",
        connection={"backend": "offline"},
        ui={"talk_mode": "ptt", "global_hotkey": True, "global_ptt_key": "F7"},
    )
    parley = ParleyApp(loaded, with_audio=False, engine_options={"speech": False})
    qtbot.addWidget(parley.window)
    try:
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
    finally:
        parley.close()


def test_enabling_the_global_key_without_x11_says_why(qtbot, tmp_path) -> None:
    from desktop.app import ParleyApp
    from desktop.config_store import load_settings

    loaded = load_settings(tmp_path / "settings.toml", connection={"backend": "offline"})
    parley = ParleyApp(loaded, with_audio=False, engine_options={"speech": False})
    qtbot.addWidget(parley.window)
    try:
        parley.window.panels.keys.setting_changed.emit("ui.global_hotkey", True)
        assert "X11" in parley.window.status_label.text()
        assert parley.window.global_hotkey is None
        assert parley.settings.ui.global_hotkey is True  # kept for when X11 is there
    finally:
        parley.close()
