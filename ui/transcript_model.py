"""The conversation as a list model the controller pushes its entries into.

Updates touch one row only (``dataChanged`` for that index), so a reply
streaming at 50 deltas a second never rebuilds the list. Streamed text is
announced at most every ``coalesce_ms`` (a list view lays out all rows on
every ``dataChanged``), while :meth:`TranscriptModel.entries` is always current.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from desktop.conversation.transcript import TranscriptEntry, entry_plain_text

log = logging.getLogger(__name__)

EntryRole = Qt.ItemDataRole.UserRole + 1
RevisionRole = Qt.ItemDataRole.UserRole + 2

_ModelIndex = QModelIndex | QPersistentModelIndex


class TranscriptModel(QAbstractListModel):
    """Rows of :class:`TranscriptEntry`, addressed by entry id."""

    def __init__(self, parent: QObject | None = None, coalesce_ms: int = 33) -> None:
        super().__init__(parent)
        self._entries: list[TranscriptEntry] = []
        self._revisions: list[int] = []
        self._rows: dict[str, int] = {}
        self._dirty: set[int] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(max(coalesce_ms, 0))
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)
        self._coalesce = coalesce_ms > 0

    # QAbstractListModel -----------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry_plain_text(entry)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return entry_plain_text(entry)
        if role == EntryRole:
            return entry
        if role == RevisionRole:
            return self._revisions[index.row()]
        return None

    # What the controller calls ------------------------------------------------

    def add_entry(self, entry: TranscriptEntry) -> None:
        """Append ``entry``; an entry with a known id replaces the old one."""
        if entry.id in self._rows:
            self._replace(self._rows[entry.id], entry)
            return
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self._revisions.append(0)
        self._rows[entry.id] = row
        self.endInsertRows()

    def update_entry(self, entry_id: str, **changes: Any) -> bool:
        """Change fields of one entry; ``False`` if the id or a field is unknown."""
        row = self._rows.get(entry_id)
        if row is None:
            log.debug("transcript update for unknown entry %s", entry_id)
            return False
        if "id" in changes:
            return False
        try:
            updated = dataclasses.replace(self._entries[row], **changes)
        except TypeError:
            log.debug("bad transcript update fields %s", sorted(changes))
            return False
        self._replace(row, updated)
        return True

    def append_text(self, entry_id: str, delta: str) -> bool:
        """Add streamed text to an entry (which becomes ``streaming`` if pending)."""
        row = self._rows.get(entry_id)
        if row is None:
            log.debug("transcript delta for unknown entry %s", entry_id)
            return False
        entry = self._entries[row]
        status = "streaming" if entry.status == "pending" else entry.status
        self._entries[row] = dataclasses.replace(entry, text=entry.text + delta, status=status)
        self._revisions[row] += 1
        if self._coalesce:
            self._dirty.add(row)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
        else:
            self._announce(row)
        return True

    def clear(self) -> None:
        self._dirty.clear()
        self._flush_timer.stop()
        self.beginResetModel()
        self._entries.clear()
        self._revisions.clear()
        self._rows.clear()
        self.endResetModel()

    def entries(self) -> list[TranscriptEntry]:
        return list(self._entries)

    def revision_of_row(self, row: int) -> tuple[TranscriptEntry, int] | None:
        """The entry at ``row`` and how many times it changed (for size caches)."""
        if 0 <= row < len(self._entries):
            return self._entries[row], self._revisions[row]
        return None

    def entry(self, entry_id: str) -> TranscriptEntry | None:
        row = self._rows.get(entry_id)
        return None if row is None else self._entries[row]

    def _replace(self, row: int, entry: TranscriptEntry) -> None:
        self._entries[row] = entry
        self._revisions[row] += 1
        self._dirty.discard(row)
        self._announce(row)

    def _announce(self, row: int) -> None:
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def _on_flush_timer_timeout(self) -> None:
        rows, self._dirty = sorted(self._dirty), set()
        for row in rows:
            if row < len(self._entries):
                self._announce(row)
