"""The main window's menus and keyboard shortcuts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget


@dataclass(frozen=True)
class WindowActions:
    export_markdown: QAction
    export_json: QAction
    export_wav: QAction
    quit: QAction
    new_session: QAction
    reset: QAction
    interrupt: QAction
    inspector: QAction


def build_menus(
    window: QMainWindow,
    inspector_dock: QDockWidget,
    panel_dock: QDockWidget,
    message: QWidget,
    history_dock: QDockWidget | None = None,
) -> WindowActions:
    """File, Session and View menus; the caller connects the actions."""
    file_menu = window.menuBar().addMenu("&File")
    export_markdown = _action(window, "Export transcript as &Markdown…", "Ctrl+E")
    export_json = _action(window, "Export transcript as &JSON…", "Ctrl+Shift+E")
    export_wav = _action(window, "Export conversation &audio (WAV)…", "Ctrl+Shift+A")
    quit_action = _action(window, "&Quit", QKeySequence.StandardKey.Quit)
    for action in (export_markdown, export_json, export_wav):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    session_menu = window.menuBar().addMenu("&Session")
    new_session = _action(window, "&New session", "Ctrl+N")
    new_session.setToolTip("Start a fresh server session (frees the voice)")
    reset = _action(window, "&Reset conversation", "Ctrl+R")
    interrupt = _action(window, "&Interrupt assistant", "Esc")
    for action in (new_session, reset, interrupt):
        session_menu.addAction(action)
    view_menu = window.menuBar().addMenu("&View")
    inspector = inspector_dock.toggleViewAction()
    inspector.setText("Event &inspector")
    inspector.setShortcut(QKeySequence("Ctrl+I"))
    view_menu.addAction(inspector)
    view_menu.addAction(panel_dock.toggleViewAction())
    if history_dock is not None:
        history = history_dock.toggleViewAction()
        history.setText("&History")
        history.setShortcut(QKeySequence("Ctrl+H"))
        history.triggered.connect(lambda shown: _raise_if(shown, history_dock))
        view_menu.addAction(history)
    focus_message = _action(window, "Focus message box", "Ctrl+L")
    focus_message.triggered.connect(lambda: message.setFocus())
    return WindowActions(
        export_markdown, export_json, export_wav, quit_action, new_session, reset, interrupt,
        inspector,
    )  # fmt: skip


def _raise_if(shown: bool, dock: QDockWidget) -> None:
    """A dock shown from the menu comes to the front of the docks it shares a place with."""
    if shown:
        dock.raise_()


def _action(parent: QWidget, text: str, shortcut: str | QKeySequence.StandardKey) -> QAction:
    action = QAction(text, parent)
    action.setShortcut(QKeySequence(shortcut))
    parent.addAction(action)
    return action
