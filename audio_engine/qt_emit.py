"""Emit Qt signals without tripping PySide6 6.12's lost reference to ``True``.

PySide6 6.12.0 on Python 3.11 drops one reference to ``True`` on every
``SignalInstance.emit`` (and on connect/disconnect). ``True`` is not immortal
before Python 3.12, so after roughly 1,500 emissions the interpreter aborts with
"bool_dealloc: deallocating True or False". The audio engine emits levels at
30 Hz, so it would hit that within a minute. ``emit`` measures the loss once and
gives the reference back after each emission; on fixed versions it does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

_PROBE_EMISSIONS = 8
_lost_per_emit: int | None = None


class _Probe(QObject):
    fired = Signal(int)


def _measure_loss() -> int:
    if sys.version_info >= (3, 12):
        return 0  # True is immortal there.
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMISSIONS):
        probe.fired.emit(0)
    lost = (before - sys.getrefcount(True)) // _PROBE_EMISSIONS
    for _ in range(lost * _PROBE_EMISSIONS):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return max(0, lost)


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, repairing the reference count when PySide6 needs it."""
    global _lost_per_emit
    if _lost_per_emit is None:
        _lost_per_emit = _measure_loss()
    signal.emit(*args)
    for _ in range(_lost_per_emit):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
