"""The system tray icon: connection state at a glance, mute, show/hide, quit.

Where there is no system tray (headless sessions, some desktops) it quietly
does nothing: every method is safe to call.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from desktop.connection.state import ConnectionState
from ui.connection_bar import STATE_TEXT
from ui.icons import state_icon

log = logging.getLogger(__name__)


class Tray(QObject):
    """Wraps :class:`QSystemTrayIcon`; ``available`` says whether it shows.

    Signals:
        mute_toggled(bool): the user (un)muted from the tray menu.
        show_hide_requested(): show the window if hidden, hide it otherwise.
        quit_requested(): quit the application.
    """

    mute_toggled = Signal(bool)
    show_hide_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icon: QSystemTrayIcon | None = None
        self._menu: QMenu | None = None
        self.mute_action = QAction("&Mute microphone", self)
        self.mute_action.setCheckable(True)
        self.mute_action.toggled.connect(self._on_mute_action_toggled)
        self.show_action = QAction("&Show/Hide window", self)
        self.show_action.triggered.connect(self._on_show_action_triggered)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self._state = ConnectionState.IDLE
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.debug("no system tray available; tray icon disabled")
            return
        menu = QMenu(parent)
        menu.addAction(self.mute_action)
        menu.addAction(self.show_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self._menu = menu
        self._icon = QSystemTrayIcon(state_icon(self._state), self)
        self._icon.setContextMenu(menu)
        self._icon.activated.connect(self._on_icon_activated)
        self._icon.setToolTip("Parley")
        self._icon.show()

    @property
    def available(self) -> bool:
        return self._icon is not None

    def set_connection_state(self, state: ConnectionState, reason: str = "") -> None:
        self._state = state
        if self._icon is None:
            return
        self._icon.setIcon(state_icon(state))
        text = STATE_TEXT.get(state, state.value)
        self._icon.setToolTip(f"Parley — {text}" + (f": {reason}" if reason else ""))

    def set_muted(self, muted: bool) -> None:
        blocked = self.mute_action.blockSignals(True)
        self.mute_action.setChecked(muted)
        self.mute_action.blockSignals(blocked)

    def notify(self, title: str, message: str) -> None:
        """A desktop notification (timers, errors); logged at debug if no tray."""
        if self._icon is None or not QSystemTrayIcon.supportsMessages():
            log.debug("notification without tray: %s: %s", title, message)
            return
        self._icon.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)

    def hide(self) -> None:
        if self._icon is not None:
            self._icon.hide()

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_hide_requested.emit()

    def _on_mute_action_toggled(self, checked: bool) -> None:
        self.mute_toggled.emit(checked)

    def _on_show_action_triggered(self) -> None:
        self.show_hide_requested.emit()

    def _on_quit_action_triggered(self) -> None:
        self.quit_requested.emit()
