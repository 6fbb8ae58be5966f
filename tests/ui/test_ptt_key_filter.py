"""Holding the push-to-talk key: press/release, auto-repeat, text inputs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.ptt_key_filter import PushToTalkKeyFilter, parse_key


def _window(qtbot: QtBot) -> tuple[QWidget, QPushButton, QLineEdit]:
    window = QWidget()
    button = QPushButton("x")
    edit = QLineEdit()
    column = QVBoxLayout(window)
    column.addWidget(button)
    column.addWidget(edit)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, button, edit


def _send(target: QWidget, kind: QEvent.Type, key: Qt.Key, repeat: bool = False) -> None:
    event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, "", repeat)
    QApplication.sendEvent(target, event)


def test_press_and_release_ignoring_auto_repeat(qtbot: QtBot) -> None:
    window, button, _edit = _window(qtbot)
    key_filter = PushToTalkKeyFilter(window, "Space")
    key_filter.install()
    try:
        button.setFocus()
        events: list[str] = []
        key_filter.pressed.connect(lambda: events.append("pressed"))
        key_filter.released.connect(lambda: events.append("released"))
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_Space)
        for _ in range(5):
            _send(button, QEvent.Type.KeyRelease, Qt.Key.Key_Space, repeat=True)
            _send(button, QEvent.Type.KeyPress, Qt.Key.Key_Space, repeat=True)
        assert key_filter.held
        _send(button, QEvent.Type.KeyRelease, Qt.Key.Key_Space)
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_A)
        assert events == ["pressed", "released"]
        assert not key_filter.held
    finally:
        key_filter.remove()


def test_ignored_while_a_text_input_has_focus(qtbot: QtBot) -> None:
    window, _button, edit = _window(qtbot)
    key_filter = PushToTalkKeyFilter(window)
    key_filter.install()
    try:
        edit.setFocus()
        qtbot.waitUntil(edit.hasFocus, timeout=2000)
        events: list[str] = []
        key_filter.pressed.connect(lambda: events.append("pressed"))
        QTest.keyClicks(edit, "a b")
        assert events == []
        assert edit.text() == "a b"
    finally:
        key_filter.remove()


def test_inactive_and_other_keys(qtbot: QtBot) -> None:
    window, button, _edit = _window(qtbot)
    key_filter = PushToTalkKeyFilter(window, "F8")
    key_filter.install()
    try:
        button.setFocus()
        events: list[str] = []
        key_filter.pressed.connect(lambda: events.append("pressed"))
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_Space)
        _send(button, QEvent.Type.KeyRelease, Qt.Key.Key_Space)
        key_filter.set_active(False)
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_F8)
        key_filter.set_active(True)
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_F8)
        assert events == ["pressed"]
        released: list[str] = []
        key_filter.released.connect(lambda: released.append("released"))
        key_filter.set_active(False)  # switching to hands-free lets go of the key
        assert released == ["released"]
    finally:
        key_filter.remove()


def test_key_names() -> None:
    assert parse_key("Space") == Qt.Key.Key_Space
    assert parse_key("F8") == Qt.Key.Key_F8
    assert parse_key("Ctrl+Space") is None
    assert parse_key("") is None
    assert parse_key("not a key at all") is None


def test_release_is_honoured_even_with_a_modifier_held(qtbot: QtBot) -> None:
    window, button, _edit = _window(qtbot)
    key_filter = PushToTalkKeyFilter(window)
    key_filter.install()
    try:
        button.setFocus()
        events: list[str] = []
        key_filter.pressed.connect(lambda: events.append("pressed"))
        key_filter.released.connect(lambda: events.append("released"))
        _send(button, QEvent.Type.KeyPress, Qt.Key.Key_Space)
        shifted = QKeyEvent(
            QEvent.Type.KeyRelease, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier, ""
        )
        QApplication.sendEvent(button, shifted)
        assert events == ["pressed", "released"]
        assert not key_filter.held
    finally:
        key_filter.remove()
