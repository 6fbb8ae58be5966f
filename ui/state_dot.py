"""A small coloured dot that shows a state at a glance."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget


class StateDot(QWidget):
    """A filled circle; ``None`` draws a hollow one in the palette's mid tone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour: QColor | None = None
        self.setFixedSize(QSize(12, 12))

    def set_colour(self, colour: str | None) -> None:
        self._colour = QColor(colour) if colour else None
        self.update()

    def colour(self) -> str | None:
        return self._colour.name() if self._colour is not None else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        if self._colour is None:
            painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        else:
            painter.setPen(self._colour.darker(130))
            painter.setBrush(self._colour)
        painter.drawEllipse(area)
        painter.end()
