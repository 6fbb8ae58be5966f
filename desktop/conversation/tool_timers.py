"""The timers the assistant sets with the timer tool, on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal


class ToolTimers(QObject):
    """One single-shot timer per request; each reports once and is forgotten.

    Signals:
        due(str): the label of a timer whose time is up.
    """

    due = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timers: list[QTimer] = []

    def start(self, seconds: float, label: str) -> None:
        timer = QTimer(self, singleShot=True)
        timer.setInterval(int(seconds * 1000))
        timer.timeout.connect(lambda: self._on_timer_timeout(timer, label))
        self._timers.append(timer)
        timer.start()

    def stop_all(self) -> None:
        for timer in self._timers:
            timer.stop()
        self._timers.clear()

    def _on_timer_timeout(self, timer: QTimer, label: str) -> None:
        if timer in self._timers:
            self._timers.remove(timer)
        self.due.emit(label)
