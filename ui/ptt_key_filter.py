"""Holding a key to talk: key press/release become push-to-talk signals.

Installed on the application (``install()``), it reacts only to key events
aimed at widgets of one window, ignores auto-repeat, and leaves the key alone
while a text input has focus so that typing a space still types a space.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

log = logging.getLogger(__name__)

DEFAULT_PTT_KEY = "Space"


def parse_key(name: str) -> Qt.Key | None:
    """The single key named ``name`` (``"Space"``, ``"F8"``, ``"`"``), or ``None``."""
    sequence = QKeySequence.fromString(name.strip(), QKeySequence.SequenceFormat.PortableText)
    if sequence.count() != 1:
        return None
    combination: QKeyCombination = sequence[0]  # type: ignore[index]  # stubs lack it
    if combination.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
        return None
    key = combination.key()
    return None if key == Qt.Key.Key_unknown else key


def is_text_input(widget: QWidget | None) -> bool:
    if widget is None:
        return False
    if isinstance(widget, QLineEdit | QAbstractSpinBox):
        return not (isinstance(widget, QLineEdit) and widget.isReadOnly())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QComboBox) and widget.isEditable()


class PushToTalkKeyFilter(QObject):
    """Turns holding ``key`` inside ``window`` into :attr:`pressed`/:attr:`released`.

    Signals:
        pressed(): the key went down (first press, not auto-repeat).
        released(): the key came up, or the window lost focus while held.
    """

    pressed = Signal()
    released = Signal()

    def __init__(self, window: QWidget, key: str = DEFAULT_PTT_KEY) -> None:
        super().__init__(window)
        self._window = window
        self._key: Qt.Key = Qt.Key.Key_Space
        self._held = False
        self._active = True
        self._installed = False
        self.set_key(key)

    @property
    def held(self) -> bool:
        return self._held

    def set_key(self, name: str) -> bool:
        """Use the key called ``name``; ``False`` (and no change) if it is not one key."""
        key = parse_key(name)
        if key is None:
            log.debug("ignoring unusable push-to-talk key %r", name)
            return False
        self._release_if_held()
        self._key = key
        return True

    def set_active(self, active: bool) -> None:
        """Off in hands-free mode: the key then does nothing special."""
        if not active:
            self._release_if_held()
        self._active = active
        self._attach()

    def install(self) -> None:
        """Watch key presses application-wide (only while active)."""
        self._installed = True
        self._attach()

    def remove(self) -> None:
        self._installed = False
        self._attach()
        self._release_if_held()

    def _attach(self) -> None:
        # An application filter sees every event of every object (paints, timers),
        # so it is only in place while push-to-talk is actually in use.
        app = QApplication.instance()
        if app is None:
            return
        if self._installed and self._active:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.WindowDeactivate and watched is self._window:
            self._release_if_held()
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(event, QKeyEvent) or event.key() != self._key:
            return False
        if kind == QEvent.Type.KeyRelease and self._held and not event.isAutoRepeat():
            # Always let go, whatever the modifiers or focus are by now.
            self._held = False
            self.released.emit()
            return True
        if not self._active:
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if is_text_input(QApplication.focusWidget()):
            return False
        if event.isAutoRepeat():
            return True
        if kind == QEvent.Type.KeyPress and not self._held:
            self._held = True
            self.pressed.emit()
        return True

    def _release_if_held(self) -> None:
        if self._held:
            self._held = False
            self.released.emit()
