"""Every client and server event, as a filterable table (dock-friendly)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.inspector_model import (
    ARROWS,
    DEFAULT_MAX_ROWS,
    InspectorLog,
    InspectorRow,
    local_now,
    rows_to_json,
)

COLUMNS = ("Time", "", "Type", "×", "Content")
#: While hidden, events wait (with their arrival time) and are logged in batches this big.
HIDDEN_BATCH = 500
TYPE_COLUMN = 2
_ModelIndex = QModelIndex | QPersistentModelIndex


class InspectorTableModel(QAbstractTableModel):
    """A Qt view of an :class:`InspectorLog`; folds update one row in place."""

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log = InspectorLog(max_rows)

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.log.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.log.rows):
            return None
        row = self.log.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return (row.last_time or row.time).strftime("%H:%M:%S.%f")[:-3]
            if column == 1:
                return ARROWS[row.direction]
            if column == 2:
                return row.type
            if column == 3:
                return str(row.count) if row.count > 1 else ""
            return row.summary()
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return "sent to the server" if row.direction == "client" else "from the server"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 3):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def row_at(self, row: int) -> InspectorRow | None:
        return self.log.rows[row] if 0 <= row < len(self.log.rows) else None

    def add_event(self, direction: str, event: Any) -> None:
        self.add_events([(direction, event)])

    def add_events(self, records: Iterable[tuple[str, Any]]) -> None:
        """Log a batch; folds into one row are announced once per batch, not per event."""
        folded: tuple[int, int] | None = None
        for direction, event in records:
            if self.log.would_fold(direction, event):
                _kind, row = self.log.add_event(direction, event, trim=False)
                folded = (row, row) if folded is None else (min(folded[0], row), row)
                continue
            if folded is not None:
                self._announce(*folded)
                folded = None
            self._append(direction, event)
        if folded is not None:
            self._announce(*folded)

    def _announce(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _append(self, direction: str, event: Any) -> None:
        # Every begin* has its end* even if logging raised: a model left half-way
        # through a change makes Qt warn on every later change.
        position = len(self.log.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        try:
            self.log.add_event(direction, event, trim=False)
        finally:
            self.endInsertRows()
        excess = self.log.excess()
        if excess:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            try:
                self.log.drop_oldest(excess)
            finally:
                self.endRemoveRows()

    def add_quietly(self, stamped: Iterable[tuple[datetime, str, Any]]) -> None:
        """Log many events with one model reset instead of a signal per event."""
        self.beginResetModel()
        try:
            for at, direction, event in stamped:
                self.log.add_event(direction, event, at=at)
        finally:
            self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        try:
            self.log.clear()
        finally:
            self.endResetModel()


class EventInspector(QWidget):
    """Lists events with direction and time; filter by type; copy as JSON.

    Feed it with :meth:`add_event`. It has no signals: it only renders.
    """

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventInspector")
        self.model = InspectorTableModel(max_rows, self)
        self._batching = False
        self._hidden_backlog: list[tuple[datetime, str, Any]] = []
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(TYPE_COLUMN)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by type, e.g. response.")
        self.filter_edit.setAccessibleName("Event type filter")
        self.filter_edit.setToolTip("Show only events whose type contains this text")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self._follow = QPushButton("&Follow")
        self._follow.setCheckable(True)
        self._follow.setChecked(True)
        self._follow.setToolTip("Keep the newest event in view")
        copy_button = QPushButton("Cop&y JSON")
        copy_button.setToolTip("Copy the selected events as JSON (Ctrl+C)")
        copy_button.clicked.connect(self.copy_selected)
        clear_button = QPushButton("C&lear")
        clear_button.setToolTip("Forget the events listed so far")
        clear_button.clicked.connect(self.clear)

        self.table = QTableView()
        self.table.setAccessibleName("Protocol events")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 4)
        header = self.table.horizontalHeader()
        # Fixed widths: fitting to contents would re-measure rows on every event.
        metrics = self.table.fontMetrics()
        padding = 16
        for section, sample, mode in (
            (0, "00:00:00.000", QHeaderView.ResizeMode.Fixed),
            (1, "←", QHeaderView.ResizeMode.Fixed),
            (TYPE_COLUMN, "conversation.item.input_audio_transcription.delta", None),
            (3, "99999", QHeaderView.ResizeMode.Fixed),
        ):
            header.resizeSection(section, metrics.horizontalAdvance(sample) + padding)
            if mode is not None:
                header.setSectionResizeMode(section, mode)
        header.resizeSection(TYPE_COLUMN, min(header.sectionSize(TYPE_COLUMN), 320))
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.proxy.rowsInserted.connect(self._on_proxy_rows_inserted)

        copy_action = QAction("Copy as JSON", self.table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy_selected)
        self.table.addAction(copy_action)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Selected event")
        self.details.setPlaceholderText("Select an event to see it in full.")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        tools = QHBoxLayout()
        tools.addWidget(self.filter_edit, 1)
        tools.addWidget(self._follow)
        tools.addWidget(copy_button)
        tools.addWidget(clear_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(tools)
        column.addWidget(splitter)

    # Feeding ------------------------------------------------------------------

    def add_event(self, direction: str, event: dict[str, Any]) -> None:
        """Record one event; ``direction`` is ``"client"`` or ``"server"``."""
        self.add_records([(direction, event)])

    def add_records(self, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Record a batch of ``(direction, event)`` pairs (the controller's feed).

        While the inspector is hidden (its default) nothing is drawn, so events
        wait and are logged in large batches; showing it logs the rest first.
        """
        if not self.isVisible():
            at = local_now()
            self._hidden_backlog.extend((at, direction, event) for direction, event in records)
            if len(self._hidden_backlog) >= HIDDEN_BATCH:
                self.catch_up()
            return
        self.catch_up()
        self._batching = True
        try:
            self.model.add_events(records)
        finally:
            self._batching = False
        self._follow_newest()

    def catch_up(self) -> None:
        """Log the events that arrived while the inspector was hidden."""
        backlog, self._hidden_backlog = self._hidden_backlog, []
        if backlog:
            self.model.add_quietly(backlog)

    def showEvent(self, event: QShowEvent) -> None:
        self.catch_up()
        super().showEvent(event)
        self._follow_newest()

    def clear(self) -> None:
        self._hidden_backlog.clear()
        self.model.clear()
        self.details.clear()

    def set_filter(self, text: str) -> None:
        self.filter_edit.setText(text)

    def visible_types(self) -> list[str]:
        self.catch_up()
        return [
            str(self.proxy.index(row, TYPE_COLUMN).data()) for row in range(self.proxy.rowCount())
        ]

    # Copying ------------------------------------------------------------------

    def selected_rows(self) -> list[InspectorRow]:
        rows: list[InspectorRow] = []
        selected = self.table.selectionModel().selectedRows()
        for proxy_index in sorted(selected, key=lambda index: index.row()):
            row = self.model.row_at(self.proxy.mapToSource(proxy_index).row())
            if row is not None:
                rows.append(row)
        return rows

    def copy_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            QGuiApplication.clipboard().setText(rows_to_json(rows))

    # Slots --------------------------------------------------------------------

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())

    def _on_table_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.selected_rows()
        if len(rows) == 1:
            self.details.setPlainText(json.dumps(rows[0].as_dict(), ensure_ascii=False, indent=2))
        elif rows:
            self.details.setPlainText(f"{len(rows)} events selected")
        else:
            self.details.clear()

    def _on_proxy_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if not self._batching:
            self._follow_newest()

    def _follow_newest(self) -> None:
        if self._follow.isChecked() and self.isVisible():
            self.table.scrollToBottom()
