"""Work around PySide6 6.12.0's lost references to ``True`` on Python 3.11.

Measured with PySide6 6.12.0 on CPython 3.11.7: every ``SignalInstance.emit``
drops one reference to ``True``, and every wrapped C++ method returning void
(``processEvents``, ``setObjectName``, ``QTimer.start``...) drops one to
``None``. Before Python 3.12 these singletons are not immortal, so the
interpreter aborts ("deallocating True or False") after a few thousand
emissions. The engine emits levels at up to 30 Hz, so it would get there
within a minute. ``emit`` measures the loss once and gives the reference back;
on fixed versions it measures zero and does nothing. The engine makes no
void Qt calls per tick, so it does not need the ``None`` repair.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

_PROBES = 8
_lost_per_emit: int | None = None


class _Probe(QObject):
    fired = Signal(int)


def _give_back(obj: object, count: int) -> None:
    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _measure() -> int:
    if sys.version_info >= (3, 12):
        return 0  # True is immortal there.
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit(0)
    lost = max(0, (before - sys.getrefcount(True)) // _PROBES)
    _give_back(True, lost * _PROBES)
    return lost


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, repairing the reference count when PySide6 needs it."""
    global _lost_per_emit
    if _lost_per_emit is None:
        _lost_per_emit = _measure()
    signal.emit(*args)
    _give_back(True, _lost_per_emit)
