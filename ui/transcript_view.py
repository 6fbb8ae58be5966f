"""The conversation on screen: a list of wrapped entries that follows new text.

Sizes are cached per (entry, revision, width), so a streaming reply only
re-measures the one entry that changed; the view sticks to the bottom while
the user has not scrolled away. A tool call that asks before it runs shows
Allow and Deny buttons under its text until it is answered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.conversation.export import EXPORT_FORMATS, write_transcript
from desktop.conversation.transcript import (
    TranscriptEntry,
    entry_body,
    entry_header,
    entry_plain_text,
)
from ui.theme import PROBLEM_COLOUR
from ui.transcript_model import EntryRole, TranscriptModel

_PAD = 6
#: A streaming entry's height grows in steps of this many lines (fewer relayouts).
STREAM_GROWTH_LINES = 3
_TEXT_FLAGS = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
_ModelIndex = QModelIndex | QPersistentModelIndex


class _EntryDelegate(QStyledItemDelegate):
    """Paints a small header (who, when) above the wrapped body text."""

    def __init__(self, view: QListView, model: TranscriptModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._sizes: dict[tuple[str, int, int], QSize] = {}
        self._laid_out: dict[str, int] = {}
        self._headers: dict[str, tuple[TranscriptEntry, str]] = {}
        #: Room under a question for its Allow and Deny buttons.
        self.question_height = QPushButton("Allow").sizeHint().height() + _PAD

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        header = QFont(option.font)
        header.setPointSizeF(max(header.pointSizeF() * 0.85, 7.0))
        header.setBold(True)
        body = QFont(option.font)
        return header, body

    def _body_font(self, entry: TranscriptEntry, body: QFont) -> QFont:
        font = QFont(body)
        if entry.role == "notice" or entry.status in ("pending", "failed"):
            font.setItalic(True)
        if entry.role == "tool":
            font.setFamily("monospace")
            font.setStyleHint(QFont.StyleHint.Monospace)
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        # Qt asks for every row's size whenever any row changes, so the cached
        # path avoids going through QModelIndex.data().
        found = self._model.revision_of_row(index.row())
        if found is None:
            return super().sizeHint(option, index)
        entry, revision = found
        width = max(self._view.viewport().width(), 100)
        key = (entry.id, revision, width)
        cached = self._sizes.get(key)
        if cached is not None:
            return cached
        header_font, body_font = self._fonts(option)
        text_width = width - 2 * _PAD
        header_height = QFontMetrics(header_font).height()
        body_rect = QFontMetrics(self._body_font(entry, body_font)).boundingRect(
            QRect(0, 0, text_width, 1_000_000), _TEXT_FLAGS, entry_body(entry) or " "
        )
        body_height = body_rect.height()
        if entry.status == "streaming":
            # Grow a streaming reply a few lines at a time: each height change
            # makes the list view lay out every row, not just this one.
            step = STREAM_GROWTH_LINES * QFontMetrics(body_font).lineSpacing()
            body_height = -(-body_height // step) * step
        buttons = self.question_height if entry.consent == "asking" else 0
        size = QSize(width, header_height + body_height + 3 * _PAD + buttons)
        if len(self._sizes) > 20_000:
            self._sizes.clear()
        self._sizes[key] = size
        self._laid_out[entry.id] = size.height()
        return size

    def forget(self, *_args: object) -> None:
        """Rows went: what was measured of them goes too."""
        self._sizes.clear()
        self._laid_out.clear()
        self._headers.clear()

    def height_changed(self, index: QModelIndex) -> bool:
        """Whether the entry at ``index`` now needs a different height than
        the view laid it out with (most streamed words do not add a line)."""
        entry = index.data(EntryRole)
        if not isinstance(entry, TranscriptEntry):
            return True
        before = self._laid_out.get(entry.id)
        option = QStyleOptionViewItem()
        option.font = self._view.font()
        return before is None or self.sizeHint(option, index).height() != before

    def _header(self, entry: TranscriptEntry) -> str:
        cached = self._headers.get(entry.id)
        if cached is not None and cached[0].role == entry.role and cached[0].time == entry.time:
            return cached[1]
        if len(self._headers) > 20_000:
            self._headers.clear()
        text = entry_header(entry)
        self._headers[entry.id] = (entry, text)
        return text

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        entry = index.data(EntryRole)
        if not isinstance(entry, TranscriptEntry):
            super().paint(painter, option, index)
            return
        panel = QStyle.PrimitiveElement.PE_PanelItemViewItem
        self._view.style().drawPrimitive(panel, option, painter, self._view)
        rect: QRect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = palette.ColorRole.HighlightedText if selected else palette.ColorRole.Text
        header_font, body_font = self._fonts(option)
        painter.save()
        painter.setFont(header_font)
        header_colour = palette.color(text_role if selected else palette.ColorRole.PlaceholderText)
        painter.setPen(header_colour)
        header_height = QFontMetrics(header_font).height()
        header_rect = QRect(
            rect.left() + _PAD, rect.top() + _PAD, rect.width() - 2 * _PAD, header_height
        )
        painter.drawText(header_rect, int(Qt.AlignmentFlag.AlignLeft), self._header(entry))
        painter.setFont(self._body_font(entry, body_font))
        if entry.status == "failed" and not selected:
            painter.setPen(QColor(PROBLEM_COLOUR))
        elif entry.status == "pending" or entry.role == "notice":
            painter.setPen(header_colour)
        else:
            painter.setPen(palette.color(text_role))
        body_rect = QRect(
            rect.left() + _PAD,
            header_rect.bottom() + _PAD // 2,
            rect.width() - 2 * _PAD,
            rect.bottom() - header_rect.bottom() - _PAD,
        )
        painter.drawText(body_rect, _TEXT_FLAGS, entry_body(entry))
        painter.restore()


class QuestionButtons(QWidget):
    """Allow and Deny under a tool call that asks before it runs (an index widget:
    it covers the row, and the delegate paints the text above the buttons)."""

    def __init__(
        self, entry: TranscriptEntry, answer: Callable[[str, bool], None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.entry_id = entry.id
        self.allow_button = QPushButton("&Allow")
        self.deny_button = QPushButton("De&ny")
        for button, allowed in ((self.allow_button, True), (self.deny_button, False)):
            verb = "Allow" if allowed else "Deny"
            button.setAccessibleName(f"{verb} {entry.tool_name}")
            button.setToolTip(f"{verb} this call of {entry.tool_name} (or say yes or no)")
            button.clicked.connect(lambda _=False, ok=allowed: answer(self.entry_id, ok))
        row = QHBoxLayout()
        row.addWidget(self.allow_button)
        row.addWidget(self.deny_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(_PAD, 0, _PAD, _PAD // 2)
        column.addStretch(1)
        column.addLayout(row)


class TranscriptView(QWidget):
    """Shows a :class:`TranscriptModel`; copy and export from its context menu.

    Signals:
        export_audio_requested(): the user asked to save the conversation audio.
        clear_requested(): the user asked to clear the transcript.
        question_answered(str, bool): a tool call's question was answered with a
            button: the entry's id, and whether the call may run.
    """

    export_audio_requested = Signal()
    clear_requested = Signal()
    question_answered = Signal(str, bool)

    def __init__(
        self,
        model: TranscriptModel | None = None,
        parent: QWidget | None = None,
        *,
        conversation_actions: bool = True,
    ) -> None:
        """``conversation_actions`` False leaves out what only the conversation in
        progress has (its audio, clearing it): a stored conversation is read-only."""
        super().__init__(parent)
        self._conversation_actions = conversation_actions
        self.model = model if model is not None else TranscriptModel(self)
        self.list_view = QListView()
        self.list_view.setAccessibleName("Conversation transcript")
        self.list_view.setModel(self.model)
        self.list_view.setWordWrap(True)
        self.list_view.setUniformItemSizes(False)
        self.list_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._on_list_view_context_menu)
        self._delegate = _EntryDelegate(self.list_view, self.model)
        self.list_view.setItemDelegate(self._delegate)
        self._stick_to_bottom = True
        bar = self.list_view.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.model.rowsRemoved.connect(self._delegate.forget)
        self.model.modelReset.connect(self._delegate.forget)
        self.model.rowsAboutToBeInserted.connect(self._on_model_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_model_rows_inserted)
        self.model.modelReset.connect(self._on_model_reset)
        self._questions: dict[str, QuestionButtons] = {}

        self.copy_action = self._action("&Copy", self.copy_selected, QKeySequence.StandardKey.Copy)
        self.copy_all_action = self._action("Copy &all", self.copy_all)
        self.export_markdown_action = self._action(
            "Export as &Markdown…", lambda: self._on_export_chosen("markdown")
        )
        self.export_json_action = self._action(
            "Export as &JSON…", lambda: self._on_export_chosen("json")
        )
        self.export_audio_action = self._action(
            "Export conversation &audio (WAV)…", self.export_audio_requested.emit
        )
        self.clear_action = self._action("C&lear transcript", self.clear_requested.emit)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list_view)

    def _action(self, text: str, slot: object, shortcut: object = None) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)  # type: ignore[call-overload]
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        return action

    # Copy and export ---------------------------------------------------------

    def selected_entries(self) -> list[TranscriptEntry]:
        rows = sorted(index.row() for index in self.list_view.selectionModel().selectedRows())
        entries = self.model.entries()
        return [entries[row] for row in rows if row < len(entries)]

    def copy_selected(self) -> None:
        """Selected entries to the clipboard as text (all if nothing is selected)."""
        entries = self.selected_entries() or self.model.entries()
        QGuiApplication.clipboard().setText("\n".join(entry_plain_text(e) for e in entries))

    def copy_all(self) -> None:
        entries = self.model.entries()
        QGuiApplication.clipboard().setText("\n".join(entry_plain_text(e) for e in entries))

    def export_to(self, path: Path, fmt: str) -> None:
        """Write the transcript to ``path``; ``OSError``/``ValueError`` on failure."""
        write_transcript(self.model.entries(), path, fmt)

    def _on_export_chosen(self, fmt: str) -> None:
        suffix = EXPORT_FORMATS[fmt]
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export transcript", f"conversation{suffix}", f"*{suffix}"
        )
        if not name:
            return
        try:
            self.export_to(Path(name), fmt)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, "Export failed", f"Could not write {name}:\n{error}")

    def _on_list_view_context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        for action in (self.copy_action, self.copy_all_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.export_markdown_action)
        menu.addAction(self.export_json_action)
        if self._conversation_actions:
            menu.addAction(self.export_audio_action)
            menu.addSeparator()
            menu.addAction(self.clear_action)
        menu.exec(self.list_view.viewport().mapToGlobal(position))

    # Following new text -------------------------------------------------------

    def is_at_bottom(self) -> bool:
        bar = self.list_view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    # Whether to follow is decided when the content changes, from where the
    # user was then; the scroll bar's own signals also fire mid-layout.

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.list_view.verticalScrollBar().setValue(maximum)

    def _on_model_rows_about_to_be_inserted(self, *_args: object) -> None:
        self._stick_to_bottom = self.is_at_bottom()

    def _on_model_data_changed(self, top_left: QModelIndex, _bottom_right: QModelIndex) -> None:
        self._sync_question(top_left)
        self._stick_to_bottom = self.is_at_bottom()
        # A new line of text needs a new layout (coalesced by Qt, sizes cached);
        # otherwise the view only repaints the row.
        if self._delegate.height_changed(top_left):
            self._delegate.sizeHintChanged.emit(top_left)

    # Questions ---------------------------------------------------------------

    def question_buttons(self, entry_id: str) -> QuestionButtons | None:
        """The Allow and Deny buttons of an open question, if that entry has one."""
        return self._questions.get(entry_id)

    def _on_model_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self._sync_question(self.model.index(row, 0))

    def _on_model_reset(self) -> None:
        self._questions.clear()  # the view dropped its index widgets with the rows

    def _sync_question(self, index: QModelIndex) -> None:
        entry = index.data(EntryRole)
        if not isinstance(entry, TranscriptEntry):
            return
        shown = self._questions.get(entry.id)
        if entry.consent == "asking" and shown is None:
            buttons = QuestionButtons(entry, self.question_answered.emit, self.list_view.viewport())
            self._questions[entry.id] = buttons
            self.list_view.setIndexWidget(index, buttons)
        elif entry.consent != "asking" and shown is not None:
            del self._questions[entry.id]
            # The view deletes the widget it held there.
            self.list_view.setIndexWidget(index, None)  # type: ignore[arg-type]
