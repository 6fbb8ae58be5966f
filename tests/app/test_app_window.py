"""The whole app offscreen: window, controller and offline engine together;
settings persistence, redaction, the key store and the command line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.config.logging_setup import register_secret, setup_logging
from desktop.config.store import load_settings
from desktop.conversation.turn_machine import TurnState
from tests.support.conversation import MakeApp, wait_reply
from ui.inspector_model import rows_to_json

SECRET = "sk-proj-ThisMustNeverLeak0123456789abcdef"


@pytest.fixture
def app(make_app: MakeApp) -> ParleyApp:
    return make_app()


def test_typed_turn_through_the_window(qtbot: QtBot, app: ParleyApp) -> None:
    window = app.window
    app.start(connect=True)
    qtbot.waitUntil(lambda: app.live, timeout=15000)
    assert "Live" in window.connection_bar.state_text()
    window.message_edit.setText("hello")
    qtbot.keyClick(window.message_edit, Qt.Key.Key_Return)
    wait_reply(qtbot, app.controller)
    model = window.transcript.model
    assert [e.role for e in model.entries()] == ["user", "assistant"]
    assert model.entries()[1].text
    assert window.message_edit.text() == ""
    wanted = {"session.update", "response.create", "response.output_audio.delta"}
    window.inspector_dock.show()
    qtbot.waitUntil(
        lambda: wanted <= {row.type for row in window.inspector.model.log.rows}, timeout=3000
    )
    assert window.panels.usage.cell_text("total", "session") not in ("", "0")
    assert window.panels.voice.lock_text(), "the voice panel shows the lock after audio"


def test_tool_call_round_trip_is_shown_inline(qtbot: QtBot, app: ParleyApp) -> None:
    app.start(connect=True)
    qtbot.waitUntil(lambda: app.live, timeout=15000)
    app.controller.send_text("what time is it")
    wait_reply(qtbot, app.controller)
    entries = app.controller.transcript.entries()
    tool = next(e for e in entries if e.role == "tool")
    assert tool.tool_name == "get_local_time"
    assert json.loads(tool.tool_result)["time"]
    reply = [e for e in entries if e.role == "assistant"][-1]
    assert reply.text and entries.index(reply) > entries.index(tool)
    rows = app.window.transcript.model.entries()
    assert any(r.role == "tool" and r.tool_name == "get_local_time" for r in rows)


def test_calculator_and_timer_tools(qtbot: QtBot, app: ParleyApp) -> None:
    app.start(connect=True)
    qtbot.waitUntil(lambda: app.live, timeout=15000)
    notes: list[tuple[str, str]] = []
    app.controller.notification.connect(lambda title, text: notes.append((title, text)))
    app.controller.send_text("set a timer for 1 second")
    wait_reply(qtbot, app.controller)
    tool = next(e for e in app.controller.transcript.entries() if e.role == "tool")
    assert tool.tool_name == "set_timer", tool
    qtbot.waitUntil(lambda: any("timer" in t.lower() for t, _ in notes), timeout=5000)


def test_push_to_talk_without_audio_says_too_short(qtbot: QtBot, app: ParleyApp) -> None:
    app.controller.update_setting("ui", "talk_mode", "ptt")
    app.start(connect=True)
    qtbot.waitUntil(lambda: app.live, timeout=15000)
    messages: list[str] = []
    app.controller.status_message.connect(messages.append)
    app.controller.ptt_press()
    assert app.controller.turn_state is TurnState.LISTENING
    app.controller.ptt_release()
    qtbot.waitUntil(lambda: any("Too short" in m for m in messages), timeout=5000)
    assert app.controller.turn_state is TurnState.IDLE
    assert not any(e.role == "assistant" for e in app.controller.transcript.entries())


def test_settings_and_window_state_persist(make_app: MakeApp, tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    parley = make_app()
    parley.window.show()
    parley.window._on_widget_setting_changed("voice.speed", 1.3)
    parley.window._on_widget_setting_changed("turn_detection.silence_duration_ms", 700)
    parley.window._on_widget_setting_changed("ui.talk_mode", "ptt")
    parley.window.close()
    assert path.exists()
    again = load_settings(path)
    assert again.problems == []
    assert again.settings.voice.speed == 1.3
    assert again.settings.turn_detection.silence_duration_ms == 700
    assert again.settings.ui.talk_mode == "ptt"
    assert again.settings.ui.window_geometry


def test_corrupt_settings_file_is_reported_without_blocking(
    make_app: MakeApp, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[voice\nspeed = = 3", encoding="utf-8")
    parley = make_app(load_settings(path))
    assert "not valid TOML" in parley.window.status_label.toolTip()


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """setup_logging changes the root logger; put it back for the tests that follow."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_a_key_never_reaches_logs_settings_or_inspector(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    log_file = setup_logging("DEBUG", log_dir=tmp_path / "logs", stderr=False)
    path = tmp_path / "settings.toml"
    loaded = load_settings(path, connection={"backend": "offline"})
    assert loaded.settings.openai_api_key is not None
    parley = make_app(loaded, engine_options={"speech": False})
    parley.offline.token = SECRET  # the offline engine now checks the very same key
    register_secret(SECRET)
    parley.window.inspector_dock.show()
    parley.start(connect=True)
    qtbot.waitUntil(lambda: parley.live, timeout=15000)
    parley.controller.send_text(f"my key is {SECRET}")
    wait_reply(qtbot, parley.controller)
    qtbot.waitUntil(lambda: parley.window.inspector.model.rowCount() > 5, timeout=3000)
    inspector_json = rows_to_json(parley.window.inspector.model.log.rows)
    parley.window.close()
    logging.getLogger("test").info("endpoint key %s", SECRET)
    assert "response.create" in inspector_json
    assert SECRET not in inspector_json
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert SECRET not in log_file.read_text(encoding="utf-8")
    assert "[redacted]" in log_file.read_text(encoding="utf-8")
    assert SECRET not in path.read_text(encoding="utf-8")


def test_command_line_version_and_smoke_test(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "QT_QPA_PLATFORM": "offscreen",
        "PULSE_SERVER": "unix:/nonexistent",
    }
    version = subprocess.run(
        [sys.executable, "-m", "desktop", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0 and "Parley" in version.stdout
    smoke = subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke-test", "--settings", str(tmp_path / "s.toml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert smoke.returncode == 0, smoke.stderr[-2000:]
    assert "smoke test passed" in smoke.stdout
    assert "\nmcp: ready" in smoke.stdout


def test_no_audio_devices_still_allows_typed_conversation(
    qtbot: QtBot, app: ParleyApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/parley-no-sound-server")
    messages: list[str] = []
    app.controller.status_message.connect(messages.append)
    assert not app.start_audio()
    # The engine stays attached, closed, and opens by itself once a server appears.
    assert app.audio is not None and not app.audio.running
    assert app.audio_problem and "still works" in app.audio_problem
    assert any(m.startswith("No sound") for m in messages)
    app.start(connect=True)
    qtbot.waitUntil(lambda: app.live, timeout=15000)
    app.controller.send_text("hello")
    wait_reply(qtbot, app.controller)
