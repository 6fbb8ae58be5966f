"""The History view: past conversations to search, read, rename, delete, export and continue.

Two pages in one panel: the list (newest first, with a search box) and one
conversation, read-only, as the transcript showed it. Deleting hides a
conversation at once and can be undone (Ctrl+Z here, or the status bar's Undo);
it is removed for good a week later. Nothing here holds conversation state:
the history store owns it, and the keeper says when it changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import HistorySettings
from desktop.conversation.export import EXPORT_FORMATS, write_transcript
from desktop.history.keeper import kept_audio_size
from desktop.history.records import ConversationInfo, ConversationSummary, as_transcript_entries
from desktop.history.store import HistoryStore
from ui.history_list import ConversationList
from ui.history_model import ConversationListModel, describe_date
from ui.settings_form import SettingsForm
from ui.transcript_view import TranscriptView

SEARCH_DELAY_MS = 150
#: Both sides of a conversation as 24 kHz 16-bit stereo.
AUDIO_MB_PER_MINUTE = 5.8


class HistoryPanel(QWidget):
    """The History dock's content, on ``store`` (None: there is no history).

    ``current`` gives the id of the conversation in progress (it cannot be deleted
    or continued from here: it is already on screen).

    Signals:
        continue_requested(str): take up the conversation with this id.
        deleted(str, str): a conversation was deleted (id, name); it can be undone.
        status(str): a message for the status bar.
        setting_changed(str, object): ``"history.<field>"`` and its new value.
    """

    continue_requested = Signal(str)
    deleted = Signal(str, str)
    status = Signal(str)
    setting_changed = Signal(str, object)

    def __init__(
        self,
        store: HistoryStore | None,
        current: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._current = current
        self._deleted: list[tuple[str, str]] = []
        self.shown: ConversationInfo | None = None
        self.model = ConversationListModel(store, self)
        self.list = ConversationList(self.model, current)
        self.list.activated.connect(lambda index: self.open(self.model.summary(index.row())))
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search conversations")
        self.search_edit.setAccessibleName("Search conversations")
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._on_search_timer_timeout)

        self.open_action = self._action("&Open", self._on_open_triggered)
        self.continue_action = self._action("&Continue", self._on_continue_triggered, "Ctrl+Return")
        self.rename_action = self._action("&Rename", self._on_rename_triggered, "F2")
        self.delete_action = self._action("&Delete", self._on_delete_triggered, "Delete")
        self.undo_action = self._action("&Undo delete", self.undo_delete, "Ctrl+Z")
        self.undo_action.setEnabled(False)
        self.find_action = self._action("&Find", self.search_edit.setFocus, "Ctrl+F")
        self.export_menu = QMenu("&Export", self)
        for fmt, label in (("markdown", "as &Markdown…"), ("json", "as &JSON…")):
            export = self.export_menu.addAction(label)
            export.setData(fmt)
        self.export_menu.triggered.connect(self._on_export_menu_triggered)
        for action in (self.open_action, self.continue_action, self.rename_action):
            self.list.addAction(action)
        self.list.addAction(self.export_menu.menuAction())
        self.list.addAction(self.delete_action)

        self.settings_form = SettingsForm(
            "history",
            HistorySettings,
            ["keep_history", "keep_audio", "context_items", "context_tokens"],
            labels={"context_items": "Context items", "context_tokens": "Context tokens"},
        )
        self.settings_form.setting_changed.connect(self.setting_changed)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._list_page())
        self.pages.addWidget(self._conversation_page())
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.banner)
        column.addWidget(self.pages, 1)
        self._show_state()
        self.model.reload()

    def _action(self, text: str, slot: Callable[[], object], shortcut: str = "") -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(action)
        return action

    def _list_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search_edit)
        column.addWidget(self.list, 1)
        row = QHBoxLayout()
        for action in (self.open_action, self.continue_action):
            row.addWidget(_button(action))
        export = QPushButton("&Export")
        export.setMenu(self.export_menu)
        row.addWidget(export)
        row.addWidget(_button(self.delete_action))
        column.addLayout(row)
        keep = QGroupBox("Keeping conversations")
        keep_column = QVBoxLayout(keep)
        keep_column.addWidget(self.settings_form)
        self.audio_note = QLabel()
        self.audio_note.setWordWrap(True)
        keep_column.addWidget(self.audio_note)
        column.addWidget(keep)
        return page

    def _conversation_page(self) -> QWidget:
        page = QWidget()
        self.back_button = QPushButton("‹ &All conversations")
        self.back_button.clicked.connect(self.show_list)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Conversation name")
        self.title_edit.setFrame(False)
        self.title_edit.setReadOnly(True)
        font = self.title_edit.font()
        font.setBold(True)
        self.title_edit.setFont(font)
        self.title_edit.editingFinished.connect(self._on_title_edit_editing_finished)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reader = TranscriptView(conversation_actions=False)
        self.reader.list_view.setAccessibleName("Stored conversation")
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.title_edit)
        column.addWidget(self.details)
        column.addWidget(self.reader, 1)
        row = QHBoxLayout()
        row.addWidget(_button(self.continue_action))
        export = QPushButton("&Export")
        export.setMenu(self.export_menu)
        row.addWidget(export)
        row.addWidget(_button(self.rename_action))
        row.addWidget(_button(self.delete_action))
        column.addLayout(row)
        return page

    # -- what the window asks ------------------------------------------------------------------

    def set_values(self, values: HistorySettings) -> None:
        self.settings_form.set_values(values)

    def refresh(self) -> None:
        """The history changed: read the list again (keeping the search)."""
        chosen = self.list.chosen()
        self.model.reload()
        if chosen is not None and (row := self.model.row_of(chosen.id)) >= 0:
            self.list.setCurrentIndex(self.model.index(row, 0))
        self._show_state()

    def open(self, summary: ConversationSummary | None) -> bool:
        """Show one conversation, read-only."""
        if summary is None or self.store is None:
            return False
        info = self.store.conversation(summary.id)
        if info is None:
            return False
        self.shown = info
        self.reader.model.clear()
        for entry in as_transcript_entries(self.store.entries(info.id)):
            self.reader.model.add_entry(entry)
        self.title_edit.setText(info.title or summary.first_line or "(nothing said)")
        self.title_edit.setReadOnly(True)
        self.details.setText(self._details(info))
        self.pages.setCurrentIndex(1)
        return True

    def show_list(self) -> None:
        self.shown = None
        self.reader.model.clear()
        self.pages.setCurrentIndex(0)
        self.list.setFocus()

    def rename(self, conversation_id: str, title: str) -> None:
        if self.store is None or not self.store.writable:
            return
        self.store.rename(conversation_id, title)
        self.refresh()

    def delete(self, conversation_id: str) -> bool:
        """Hide a conversation (undo brings it back); not the one in progress."""
        if self.store is None or not self.store.writable:
            self.status.emit("The history is read-only here: nothing can be deleted.")
            return False
        if conversation_id == self._current():
            self.status.emit(
                "This is the conversation in progress. Reset the conversation first "
                "(Session ▸ Reset conversation); it stays in History."
            )
            return False
        info = self.store.conversation(conversation_id)
        name = (info.title if info else "") or self._label_of(conversation_id)
        self.store.delete(conversation_id)
        self._deleted.append((conversation_id, name))
        self.undo_action.setEnabled(True)
        self.model.remove(conversation_id)
        if self.shown is not None and self.shown.id == conversation_id:
            self.show_list()
        self.deleted.emit(conversation_id, name)
        return True

    def undo_delete(self) -> str:
        """Bring back the conversation deleted last; its id ("" when there is none)."""
        if not self._deleted or self.store is None:
            return ""
        conversation_id, name = self._deleted.pop()
        self.store.undo_delete(conversation_id)
        self.undo_action.setEnabled(bool(self._deleted))
        self.refresh()
        if (row := self.model.row_of(conversation_id)) >= 0:
            self.list.setCurrentIndex(self.model.index(row, 0))
        self.status.emit(f"Restored “{name}”.")
        return conversation_id

    def export_conversation(self, conversation_id: str, path: Path, fmt: str) -> Path:
        """Write a stored conversation with the app's one export; ``OSError`` if it cannot."""
        store = self.store
        entries = as_transcript_entries(store.entries(conversation_id)) if store else []
        return write_transcript(entries, path, fmt)

    # -- slots ----------------------------------------------------------------------------------

    def _target(self) -> str:
        """The conversation an action is about: the one shown, or the one chosen."""
        if self.shown is not None:
            return self.shown.id
        chosen = self.list.chosen()
        return chosen.id if chosen is not None else ""

    def _on_search_timer_timeout(self) -> None:
        self._search_timer.stop()
        if self.search_edit.text().strip() != self.model.query:
            self.model.search(self.search_edit.text())

    def _on_open_triggered(self) -> None:
        self.open(self.list.chosen())

    def _on_continue_triggered(self) -> None:
        target = self._target()
        if not target:
            return
        if target == self._current():
            self.status.emit("This conversation is already in progress.")
            return
        self.continue_requested.emit(target)

    def _on_rename_triggered(self) -> None:
        if self.store is None or not self.store.writable:
            return
        if self.shown is not None:
            self.title_edit.setReadOnly(False)
            self.title_edit.setFocus()
            self.title_edit.selectAll()
        elif self.list.currentIndex().isValid():
            self.list.edit(self.list.currentIndex())

    def _on_title_edit_editing_finished(self) -> None:
        if self.title_edit.isReadOnly() or self.shown is None:
            return
        self.title_edit.setReadOnly(True)
        self.rename(self.shown.id, self.title_edit.text())

    def _on_delete_triggered(self) -> None:
        target = self._target()
        if target:
            self.delete(target)

    def _on_export_menu_triggered(self, action: QAction) -> None:
        self._on_export_chosen(str(action.data()))

    def _on_export_chosen(self, fmt: str) -> None:
        target = self._target()
        if not target:
            return
        suffix = EXPORT_FORMATS[fmt]
        name = _file_name(self._label_of(target)) + suffix
        path, _ = QFileDialog.getSaveFileName(self, "Export conversation", name, f"*{suffix}")
        if not path:
            return
        try:
            self.export_conversation(target, Path(path), fmt)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
            return
        self.status.emit(f"Exported to {path}.")

    # -- rendering ------------------------------------------------------------------------------

    def _label_of(self, conversation_id: str) -> str:
        if self.shown is not None and self.shown.id == conversation_id:
            return self.title_edit.text()
        summary = self.model.summary(self.model.row_of(conversation_id))
        return summary.label if summary is not None else "conversation"

    def _details(self, info: ConversationInfo) -> str:
        summary = ConversationSummary(info.id, info.title, "", info.started_at, info.ended_at)
        parts = [describe_date(summary), " ".join(filter(None, (info.backend, info.model)))]
        if info.cost_usd:
            parts.append(f"${info.cost_usd:.4f}")
        if self.store is not None and (size := kept_audio_size(self.store, info.audio_file)):
            parts.append(f"audio kept: {size / 1e6:.1f} MB")
        return " · ".join(part for part in parts if part)

    def _show_audio_note(self) -> None:
        kept = 0
        if self.store is not None and self.store.audio_dir.is_dir():
            kept = sum(p.stat().st_size for p in self.store.audio_dir.glob("*.wav"))
        self.audio_note.setText(
            f"Kept audio takes about {AUDIO_MB_PER_MINUTE} MB a minute; "
            f"{kept / 1e6:.1f} MB is kept now."
        )

    def _show_state(self) -> None:
        self._show_audio_note()
        store = self.store
        writable = store is not None and store.writable
        for action in (self.rename_action, self.delete_action):
            action.setEnabled(writable)
        if store is None or store.mode == "unavailable":
            problems = store.problems if store is not None else []
            self.banner.setText(problems[-1] if problems else "There is no history to show.")
        elif store.mode == "read-only":
            self.banner.setText(
                "Read-only: another Parley keeps the history, or it was written by a newer "
                "version. Conversations can be read, exported and continued here."
            )
        self.banner.setVisible(not writable)


def _button(action: QAction) -> QPushButton:
    button = QPushButton(action.text())
    button.setToolTip(action.toolTip())
    button.clicked.connect(action.trigger)
    action.enabledChanged.connect(button.setEnabled)
    button.setEnabled(action.isEnabled())
    return button


def _file_name(label: str) -> str:
    """A file name from a conversation's name."""
    name = re.sub(r"[^\w -]+", "", label).strip()[:60].strip()
    return name or "conversation"
