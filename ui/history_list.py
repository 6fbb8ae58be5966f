"""The list of stored conversations: each row its name over its date (or the search hit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.history.records import ConversationSummary
from ui.history_model import ConversationListModel, SummaryRole, describe_date

_PAD = 5
_ModelIndex = QModelIndex | QPersistentModelIndex


class _ConversationDelegate(QStyledItemDelegate):
    """Paints a row: the name in bold, then the date, or the matching words of a search."""

    def __init__(self, view: QListView, current: Callable[[], str]) -> None:
        super().__init__(view)
        self._view = view
        self._current = current

    @staticmethod
    def _fonts(option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        name = QFont(option.font)
        name.setBold(True)
        detail = QFont(option.font)
        detail.setPointSizeF(max(detail.pointSizeF() * 0.88, 7.0))
        return name, detail

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        name, detail = self._fonts(option)
        height = QFontMetrics(name).height() + QFontMetrics(detail).height() + 3 * _PAD
        return QSize(max(self._view.viewport().width(), 100), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        summary = index.data(SummaryRole)
        if not isinstance(summary, ConversationSummary):
            super().paint(painter, option, index)
            return
        self._view.style().drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, self._view
        )
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(
            palette.ColorRole.HighlightedText if selected else palette.ColorRole.Text
        )
        placeholder = palette.color(palette.ColorRole.PlaceholderText)
        detail_colour = text_colour if selected else placeholder
        name_font, detail_font = self._fonts(option)
        rect: QRect = option.rect.adjusted(_PAD, _PAD, -_PAD, -_PAD)
        name_height = QFontMetrics(name_font).height()
        detail = describe_date(summary)
        if summary.snippet and _unmarked(summary.snippet) not in summary.label:
            detail = summary.snippet  # the words that matched, when the name does not show them
        if summary.id == self._current():
            detail = f"In progress · {detail}"
        painter.save()
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name_rect = QRect(rect.left(), rect.top(), rect.width(), name_height)
        elided = QFontMetrics(name_font).elidedText(
            summary.label, Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft), elided)
        painter.setFont(detail_font)
        painter.setPen(detail_colour)
        detail_rect = QRect(rect.left(), name_rect.bottom() + _PAD, rect.width(), rect.height())
        elided = QFontMetrics(detail_font).elidedText(
            detail, Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(detail_rect, int(Qt.AlignmentFlag.AlignLeft), elided)
        painter.restore()


def _unmarked(snippet: str) -> str:
    return snippet.replace("[", "").replace("]", "").strip("…")


class ConversationList(QListView):
    """The History list view; ``current`` gives the id of the conversation in progress."""

    def __init__(
        self,
        model: ConversationListModel,
        current: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Conversations")
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setItemDelegate(_ConversationDelegate(self, current))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def chosen(self) -> ConversationSummary | None:
        index = self.currentIndex()
        summary = index.data(SummaryRole) if index.isValid() else None
        return summary if isinstance(summary, ConversationSummary) else None
