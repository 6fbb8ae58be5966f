"""A lasting sign in the status bar while the sound is off or the microphone is silent."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QToolButton, QWidget

from ui.icons import warning_icon


class AudioIndicator(QToolButton):
    """Shows the most pressing audio problem in a word or two; the full advice is
    its tooltip, and a click asks for the Audio tab. Hidden while all is well.

    Signals:
        details_requested(): the user clicked it (show the Audio tab).
    """

    details_requested = Signal()

    _SHORT: ClassVar[dict[str, str]] = {"health": "No sound", "microphone": "Microphone silent"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(warning_icon())
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setAccessibleName("Audio problem")
        self._problems: dict[str, str] = {}
        self.clicked.connect(self._on_self_clicked)
        self.hide()

    def set_problem(self, kind: str, text: str) -> None:
        """``kind`` is ``"health"`` or ``"microphone"``; empty ``text`` clears it."""
        if text:
            self._problems[kind] = text
        else:
            self._problems.pop(kind, None)
        if not self._problems:
            self.hide()
            return
        first = "health" if "health" in self._problems else next(iter(self._problems))
        self.setText(self._SHORT.get(first, "Audio problem"))
        self.setToolTip("\n\n".join(self._problems.values()))
        self.show()

    def _on_self_clicked(self) -> None:
        self.details_requested.emit()
