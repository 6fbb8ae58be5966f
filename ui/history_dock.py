"""The History dock: the History panel wired to the history keeper and the controller,
with an Undo button in the status bar after a delete."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QPushButton

from desktop.conversation.controller import ConversationController
from desktop.history.keeper import HistoryKeeper
from ui.history_panel import HistoryPanel

#: How long the status bar offers to undo a delete (Ctrl+Z in History works longer).
UNDO_OFFER_MS = 15_000


class HistoryDock(QDockWidget):
    """History in a dock of ``window``.

    Signals:
        status(str): a message for the status bar.
        setting_changed(str, object): ``"history.<field>"`` and its new value.
    """

    status = Signal(str)
    setting_changed = Signal(str, object)

    def __init__(
        self,
        window: QMainWindow,
        keeper: HistoryKeeper | None,
        controller: ConversationController,
    ) -> None:
        super().__init__("History", window)
        self.setObjectName("history-dock")
        self.keeper = keeper
        self.controller = controller
        self.panel = HistoryPanel(keeper.store if keeper else None, self._current)
        self.panel.set_values(controller.settings.history)
        self.setWidget(self.panel)
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Bring back the conversation just deleted (Ctrl+Z in History)")
        self.undo_button.setFlat(True)
        self.undo_button.hide()
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        window.statusBar().addPermanentWidget(self.undo_button)
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_OFFER_MS)
        self._undo_timer.timeout.connect(self.undo_button.hide)
        self.panel.continue_requested.connect(self._on_panel_continue_requested)
        self.panel.deleted.connect(self._on_panel_deleted)
        self.panel.status.connect(self.status)
        self.panel.setting_changed.connect(self.setting_changed)
        self.panel.undo_action.changed.connect(self._on_undo_action_changed)
        if keeper is not None:
            keeper.conversations_changed.connect(self.panel.refresh)

    def _current(self) -> str:
        keeper = self.keeper
        return keeper.conversation_id if keeper is not None and keeper.saved else ""

    def _on_panel_continue_requested(self, conversation_id: str) -> None:
        keeper = self.keeper
        if keeper is None:
            return
        if not keeper.continue_conversation(conversation_id, self.controller.continue_conversation):
            self.status.emit("That conversation is no longer in the history.")
            return
        self.panel.show_list()
        self.panel.refresh()
        self.status.emit("Continuing the conversation: a new session starts with what was said.")

    def _on_panel_deleted(self, _conversation_id: str, name: str) -> None:
        self.status.emit(f"Deleted “{name}”.")
        self.undo_button.show()
        self._undo_timer.start()

    def _on_undo_button_clicked(self) -> None:
        self.panel.undo_delete()

    def _on_undo_action_changed(self) -> None:
        if not self.panel.undo_action.isEnabled():
            self.undo_button.hide()
            self._undo_timer.stop()
