"""The History list: stored conversations newest first, read a page at a time.

The model reads the history as the view scrolls (``canFetchMore`` /
``fetchMore``), so a history of thousands of conversations opens as fast as
one of ten and holds only what was shown. A search replaces the rows with the
conversations that match. Renaming edits the row in place (F2, or a double
click on the name).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.history.records import ConversationSummary
from desktop.history.store import HistoryStore

SummaryRole = Qt.ItemDataRole.UserRole + 1
#: Rows read from the history at a time as the list scrolls.
PAGE_SIZE = 100
#: A search shows at most this many conversations (newest first).
SEARCH_LIMIT = 500
_ModelIndex = QModelIndex | QPersistentModelIndex


def describe_date(summary: ConversationSummary) -> str:
    """When a conversation took place, as a list row shows it."""
    started = summary.started_at
    text = started.strftime("%a %d %b %Y, %H:%M")
    if summary.ended_at is not None:
        minutes = max(0, round((summary.ended_at - started).total_seconds() / 60))
        text += f" · {minutes} min"
    return text


class ConversationListModel(QAbstractListModel):
    """Rows of :class:`ConversationSummary` from ``store`` (None: no history)."""

    def __init__(self, store: HistoryStore | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.query = ""
        self._rows: list[ConversationSummary] = []
        self._exhausted = False

    # QAbstractListModel --------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{summary.label} — {describe_date(summary)}"
        if role == Qt.ItemDataRole.EditRole:
            return summary.title or summary.first_line
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [summary.label, describe_date(summary)]
            if summary.snippet:
                lines.append(summary.snippet)
            return "\n".join(lines)
        if role == SummaryRole:
            return summary
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.store is not None and self.store.writable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: _ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename the conversation (an empty name goes back to its first line)."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.store is None:
            return False
        summary = self._rows[index.row()]
        title = str(value).strip()
        if title == summary.first_line:
            title = ""
        if title == summary.title:
            return False
        self.store.rename(summary.id, title)
        self._rows[index.row()] = ConversationSummary(
            summary.id, title, summary.first_line, summary.started_at, summary.ended_at,
            summary.snippet,
        )  # fmt: skip
        self.dataChanged.emit(index, index)
        return True

    def canFetchMore(self, parent: _ModelIndex) -> bool:
        return not parent.isValid() and not self._exhausted and not self.query

    def fetchMore(self, parent: _ModelIndex) -> None:
        if parent.isValid() or self.store is None or self.query:
            return
        page = self.store.list_conversations(PAGE_SIZE, len(self._rows))
        self._exhausted = len(page) < PAGE_SIZE
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    # What the panel asks ------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Show the conversations that match ``text`` (all of them when it is empty)."""
        self.query = text.strip()
        self.reload()

    def reload(self) -> None:
        """Read the history again (it changed, or the search did)."""
        self.beginResetModel()
        self._rows = []
        self._exhausted = self.store is None
        if self.store is not None and self.query:
            self._rows = self.store.search(self.query, SEARCH_LIMIT)
            self._exhausted = True
        self.endResetModel()
        if not self.query:
            self.fetchMore(QModelIndex())

    def summary(self, row: int) -> ConversationSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, conversation_id: str) -> int:
        """The row of a conversation, or -1 when it is not shown."""
        return next((n for n, s in enumerate(self._rows) if s.id == conversation_id), -1)

    def remove(self, conversation_id: str) -> None:
        row = self.row_of(conversation_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
