"""Connection bar, API key dialog and talk controls."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.config.settings import ConnectionSettings
from desktop.connection.state import ConnectionState
from desktop.conversation.turn_machine import TurnState
from ui.api_key_dialog import ApiKeyDialog
from ui.connection_bar import ConnectionBar
from ui.talk_controls import TalkControls


def test_connection_state_renders_and_button_follows(qtbot: QtBot) -> None:
    bar = ConnectionBar()
    qtbot.addWidget(bar)
    requests: list[str] = []
    bar.connect_requested.connect(lambda: requests.append("connect"))
    bar.disconnect_requested.connect(lambda: requests.append("disconnect"))
    bar.set_connection_state(ConnectionState.IDLE)
    bar.connect_button.click()
    bar.set_connection_state(ConnectionState.LIVE)
    assert bar.state_text() == "Live"
    assert bar.backend_combo.isEnabled()  # a change while live reconnects
    bar.connect_button.click()
    bar.set_connection_state(ConnectionState.FAILED, "invalid API key")
    assert bar.state_text() == "Failed: invalid API key"
    bar.connect_button.click()
    assert requests == ["connect", "disconnect", "connect"]


def test_reconnecting_shows_a_countdown_and_retry_now(qtbot: QtBot) -> None:
    bar = ConnectionBar()
    qtbot.addWidget(bar)
    bar.show()
    retries: list[str] = []
    bar.retry_requested.connect(lambda: retries.append("retry"))
    assert not bar.retry_button.isVisible()
    bar.set_connection_state(ConnectionState.RECONNECTING, "Connection lost")
    bar.set_retry_countdown(3.2)
    assert bar.state_text() == "Reconnecting…: Connection lost · next attempt in 4 s"
    assert bar.retry_button.isVisible() and bar.retry_button.isEnabled()
    qtbot.waitUntil(lambda: bar.state_text().endswith("in 2 s"), timeout=3000)
    bar.retry_button.click()
    assert retries == ["retry"]
    bar.set_retry_countdown(0)  # the attempt is being made
    assert bar.state_text().endswith("· trying now") and not bar.retry_button.isEnabled()
    bar.set_connection_state(ConnectionState.LIVE)
    assert bar.state_text() == "Live" and not bar.retry_button.isVisible()
    bar.set_retry_countdown(5)  # a late countdown is not shown when live
    assert bar.state_text() == "Live"


def test_backend_choice_shows_the_right_fields(qtbot: QtBot) -> None:
    bar = ConnectionBar()
    qtbot.addWidget(bar)
    bar.show()
    seen: list[tuple[str, object]] = []
    bar.setting_changed.connect(lambda path, value: seen.append((path, value)))
    bar.set_values(ConnectionSettings(backend="azure", model="my-deployment"))
    assert seen == []
    assert bar.endpoint_edit.isVisible() and not bar.url_edit.isVisible()
    assert bar.model_edit.text() == "my-deployment"
    bar.backend_combo.setCurrentIndex(bar.backend_combo.findData("custom"))
    bar.backend_combo.activated.emit(bar.backend_combo.currentIndex())
    assert seen == [("connection.backend", "custom")]
    assert bar.url_edit.isVisible() and not bar.endpoint_edit.isVisible()
    bar.url_edit.setText("localhost:8080")
    bar.url_edit.editingFinished.emit()
    assert "ws://" in bar.input_error()
    assert len(seen) == 1
    bar.url_edit.setText("ws://127.0.0.1:8080/v1")
    bar.url_edit.editingFinished.emit()
    assert seen[-1] == ("connection.url", "ws://127.0.0.1:8080/v1")
    assert bar.input_error() == ""


def test_api_key_dialog_hands_over_the_key_once(qtbot: QtBot) -> None:
    dialog = ApiKeyDialog("openai")
    qtbot.addWidget(dialog)
    keys: list[tuple[str, str]] = []
    dialog.api_key_entered.connect(lambda backend, key: keys.append((backend, key)))
    assert dialog.key_edit.echoMode() == dialog.key_edit.EchoMode.Password
    dialog._on_buttons_accepted()
    assert keys == [] and "Enter a key" in dialog.message()
    dialog.key_edit.setText("  sk-test-1234567890  ")
    dialog._on_buttons_accepted()
    assert keys == [("openai", "sk-test-1234567890")]
    assert dialog.key_edit.text() == ""
    dialog.set_message("Saved in the system keyring")
    assert dialog.message() == "Saved in the system keyring"


def test_connection_bar_forwards_key_and_message(qtbot: QtBot) -> None:
    bar = ConnectionBar()
    qtbot.addWidget(bar)
    bar.set_values(ConnectionSettings(backend="openai"))
    keys: list[tuple[str, str]] = []
    bar.api_key_entered.connect(lambda backend, key: keys.append((backend, key)))
    bar.key_button.click()
    dialog = bar.findChild(ApiKeyDialog)
    assert dialog is not None
    dialog.key_edit.setText("sk-abcdefghijkl")
    dialog._on_buttons_accepted()
    assert keys == [("openai", "sk-abcdefghijkl")]
    bar.show_api_key_message("Kept in memory only: no keyring available", error=True)
    assert "memory" in dialog.message()
    dialog.close()
    QApplication.processEvents()


def test_talk_controls(qtbot: QtBot) -> None:
    talk = TalkControls()
    qtbot.addWidget(talk)
    events: list[object] = []
    talk.ptt_pressed.connect(lambda: events.append("pressed"))
    talk.ptt_released.connect(lambda: events.append("released"))
    talk.mute_toggled.connect(lambda muted: events.append(("muted", muted)))
    talk.setting_changed.connect(lambda path, value: events.append((path, value)))

    talk.set_talk_mode("handsfree")
    assert not talk._talk.isEnabled()
    talk.set_talk_mode("ptt")
    talk.set_muted(True)
    assert events == [] and talk.is_muted()
    talk._talk.pressed.emit()
    talk._talk.released.emit()
    talk._mute.click()
    talk._handsfree.click()
    assert events == [
        "pressed",
        "released",
        ("muted", False),
        ("ui.talk_mode", "handsfree"),
    ]
    talk.set_turn_state(TurnState.SPEAKING)
    assert talk.turn_text() == "Speaking…"
    talk.set_input_level(float("-inf"), float("nan"))
