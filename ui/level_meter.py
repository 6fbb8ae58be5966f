"""A small custom-painted audio level meter: RMS bar, peak tick, peak hold.

It takes dBFS values as the audio engine measures them; silence arrives as
``-inf`` and broken input as NaN, both shown as the floor. The caller decides
how often to render (the controller throttles to ~30 Hz).
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.theme import PROBLEM_COLOUR

FLOOR_DB = -60.0
_HOLD_SECONDS = 1.5
_HOLD_DECAY_DB_PER_S = 20.0
_CLIP_DB = -1.0
_CLIP_COLOUR = QColor(PROBLEM_COLOUR)


def clamp_db(value: float) -> float:
    """A finite dBFS value within [FLOOR_DB, 0]; -inf, NaN and junk give the floor."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return FLOOR_DB
    if math.isnan(number):
        return FLOOR_DB
    return min(0.0, max(FLOOR_DB, number))


def db_fraction(value: float) -> float:
    """Where ``value`` sits on the meter, 0 (floor) to 1 (full scale)."""
    return (clamp_db(value) - FLOOR_DB) / -FLOOR_DB


class LevelMeter(QWidget):
    """Horizontal meter. ``set_level(rms_db, peak_db)`` renders one reading."""

    def __init__(self, accessible_name: str = "Level", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setToolTip(f"{accessible_name} (dBFS): bar is loudness, tick is peak")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # The meter paints every pixel itself, so a repaint (25 a second while
        # audio plays) need not repaint the widgets behind it first.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._rms = FLOOR_DB
        self._peak = FLOOR_DB
        self._hold = FLOOR_DB
        self._hold_since = 0.0
        self._shown = (round(FLOOR_DB),) * 3

    def sizeHint(self) -> QSize:
        return QSize(160, 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, 8)

    @property
    def rms_db(self) -> float:
        return self._rms

    @property
    def peak_db(self) -> float:
        return self._peak

    @property
    def hold_db(self) -> float:
        return self._hold

    def set_level(self, rms_db: float, peak_db: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._rms = clamp_db(rms_db)
        self._peak = max(clamp_db(peak_db), self._rms)
        if self._peak >= self._hold:
            self._hold = self._peak
            self._hold_since = now
        else:
            held_for = now - self._hold_since
            if held_for > _HOLD_SECONDS:
                decayed = self._hold - (held_for - _HOLD_SECONDS) * _HOLD_DECAY_DB_PER_S
                self._hold = max(self._peak, decayed)
        shown = (round(self._rms), round(self._peak), round(self._hold))
        if shown != self._shown:
            # Whole dB steps are under a pixel on a normal-width meter: skip the rest.
            self._shown = shown
            self.setAccessibleDescription(f"{self._rms:.0f} dBFS")
            self.update()

    def reset(self) -> None:
        self._rms = self._peak = self._hold = FLOOR_DB
        self._shown = (round(FLOOR_DB),) * 3
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(self.backgroundRole()))
        area = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(area, 2, 2)
        inner = area.adjusted(1.5, 1.5, -1.5, -1.5)
        bar_colour = (
            _CLIP_COLOUR if self._peak >= _CLIP_DB else palette.color(QPalette.ColorRole.Highlight)
        )
        painter.setPen(Qt.PenStyle.NoPen)
        faded = QColor(bar_colour)
        faded.setAlphaF(0.45)
        painter.setBrush(faded)
        left, top, width, height = inner.left(), inner.top(), inner.width(), inner.height()
        painter.drawRect(QRectF(left, top, width * db_fraction(self._peak), height))
        painter.setBrush(bar_colour)
        painter.drawRect(QRectF(left, top, width * db_fraction(self._rms), height))
        if self._hold > FLOOR_DB:
            x = inner.left() + inner.width() * db_fraction(self._hold)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawLine(int(x), int(inner.top()), int(x), int(inner.bottom()))
        painter.end()
