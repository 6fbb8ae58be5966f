"""SIGTERM and SIGINT close Parley the way its Quit command does.

A logout, a shutdown or ``kill`` sends SIGTERM; Ctrl+C in a terminal sends
SIGINT. Python runs a signal handler only when the interpreter gets control,
which a Qt event loop waiting in C++ may not give it for a long time, so the
signal number is written to a socket (``signal.set_wakeup_fd``) that Qt
watches: the event loop wakes at once, and nothing polls while no signal comes.
After the first signal the default handlers are back, so a second one ends a
close that hangs.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Iterable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, Signal

log = logging.getLogger(__name__)

QUIT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


def _noted(_signum: int, _frame: FrameType | None) -> None:
    """The Python side does nothing: the wakeup socket carries the signal."""


class QuitSignals(QObject):
    """Turns SIGTERM and SIGINT into a Qt signal (install once, in the main thread).

    Signals:
        received(int): the number of the signal that asks Parley to close.
    """

    received = Signal(int)

    def __init__(
        self, parent: QObject | None = None, signals: Iterable[signal.Signals] = QUIT_SIGNALS
    ) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous = {number: signal.signal(number, _noted) for number in signals}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)

    def close(self) -> None:
        """Give the signals back to whoever had them before."""
        if not self._previous:
            return
        self._notifier.setEnabled(False)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    def _on_notifier_activated(self) -> None:
        numbers = b""
        with contextlib.suppress(BlockingIOError, InterruptedError):
            numbers = self._reader.recv(64)
        handled = set(self._previous)
        for number in numbers:
            if number in handled:
                log.info("closing on %s", signal.Signals(number).name)
                self.close()
                self.received.emit(number)
                return
