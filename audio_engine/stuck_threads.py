"""Ending a PortAudio callback thread that is stuck in PortAudio 19.6's error loop.

When the sound server dies under a running stream, PortAudio 19.6's ALSA host
API (the version Debian 12 and Ubuntu 24.04 ship) can enter an endless loop:
``PaAlsaStream_WaitForFrames`` jumps back to its own ``error:`` label while
it reports a stale frame count, printing the same line to stderr each time.
The thread then burns a core, fills whatever stderr goes to, and never
reaches the one point (its poll) where it accepts cancellation, so
``Pa_CloseStream`` waits for it forever. Later PortAudio releases fixed the
loop; the installed library cannot be changed from here.

What this module does about it, on Linux only: the streams note the native
ids of the threads PortAudio started for them (the threads that appeared
while a stream started, and the one that runs its callback). Before a failed
stream is closed,
``end_stuck_threads`` looks at those threads. One that keeps a core busy
while our callback is not being called is in that loop; it gets a signal
whose handler is ``pthread_exit``, so it unwinds (running PortAudio's own
exit handler and releasing what stdio held) and ends. Its stream can then
never be closed (``abandon``). A thread that is not spinning is left alone:
it will end, or accept cancellation when its stream is closed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

SPIN_WINDOW_S = 0.1
# Busier than this share of one core over the window: spinning (a loaded
# machine gives the loop less than a whole core).
SPIN_SHARE = 0.3
SETTLE_S = 0.6  # how long a failed stream's threads get to end or show they are stuck
EXIT_WAIT_S = 0.5
_installed: list[int] = []
_install_lock = threading.Lock()


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def _exit_signal() -> int | None:
    """A real-time signal whose handler ends the receiving thread (installed once)."""
    with _install_lock:
        if _installed:
            return _installed[0]
        libc = _libc()
        if libc is None:
            return None
        signum = int(signal.SIGRTMIN) + 6
        libc.signal.restype = ctypes.c_void_p
        libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
        # The handler is pthread_exit itself: a C function, so the stuck
        # thread never needs the GIL to end.
        address = ctypes.cast(libc.pthread_exit, ctypes.c_void_p).value
        if address is None or libc.signal(signum, address) == ctypes.c_void_p(-1).value:
            return None
        _installed.append(signum)
        return signum


def _cpu_ticks(tid: int) -> int | None:
    """User plus system CPU of thread ``tid`` of this process, in clock ticks."""
    try:
        with open(f"/proc/self/task/{tid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None  # the thread has ended
    return int(fields[11]) + int(fields[12])


def _alive(tid: int) -> bool:
    return os.path.exists(f"/proc/self/task/{tid}")


def thread_ids() -> frozenset[int]:
    """The native ids of this process's threads now (empty where /proc is missing).

    Taken around a stream's start, the difference is the callback thread
    PortAudio created (and libpulse's own, which ``end_stuck_threads`` skips).
    """
    try:
        return frozenset(int(name) for name in os.listdir("/proc/self/task"))
    except OSError:
        return frozenset()


def _is_candidate(tid: int) -> bool:
    """Not a Python thread and not libpulse's event loop: a thread of PortAudio's."""
    if tid in {thread.native_id for thread in threading.enumerate()}:
        return False
    try:
        with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as comm:
            return comm.read().strip() != "threaded-ml"
    except OSError:
        return False


def end_stuck_threads(
    tids: Sequence[int], callbacks_seen: Callable[[], int], settle_s: float = SETTLE_S
) -> frozenset[int]:
    """Wait until each of ``tids`` has ended or shows itself stuck; end the stuck ones.

    Called after the sound server or device failed, off the GUI thread. A
    thread that spins while ``callbacks_seen`` (calls of our callbacks) stands
    still is in PortAudio's loop; a quiet one is waiting in poll, where closing
    the stream cancels it. Returns how many threads were ended.
    """
    libc = _libc()
    if libc is None:
        return frozenset()
    watched = {tid for tid in tids if tid and _is_candidate(tid)}
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    ended: set[int] = set()
    deadline = time.monotonic() + settle_s
    while watched and time.monotonic() < deadline:
        before = {tid: _cpu_ticks(tid) for tid in watched}
        seen_before = callbacks_seen()
        time.sleep(SPIN_WINDOW_S)
        watched = {tid for tid in watched if _alive(tid)}
        if callbacks_seen() != seen_before:
            continue  # our callbacks still run: working, not stuck
        for tid in list(watched):
            start, end = before.get(tid), _cpu_ticks(tid)
            if start is None or end is None:
                continue
            if (end - start) / ticks_per_s >= SPIN_SHARE * SPIN_WINDOW_S and _end_thread(libc, tid):
                watched.discard(tid)
                ended.add(tid)
    return frozenset(ended)


def _end_thread(libc: ctypes.CDLL, tid: int) -> bool:
    signum = _exit_signal()
    if signum is None or libc.tgkill(os.getpid(), tid, signum) != 0:
        return False
    deadline = time.monotonic() + EXIT_WAIT_S
    while _alive(tid) and time.monotonic() < deadline:
        time.sleep(0.005)
    log.warning("ended a PortAudio thread stuck after the sound server went away")
    return True


_abandoned: list[object] = []


def abandon(resource: object | None) -> None:
    """Keep a PyAudio stream or instance alive for good, never closed.

    Closing a stream whose callback thread was ended makes PortAudio 19.6
    read the thread's exit value as a pointer to its own result and crash; so
    does terminating the PortAudio that owns it. An extra reference keeps
    the object from being deallocated even when the interpreter shuts down.
    The cost is the stream's few kilobytes, once per sound server crash.
    """
    if resource is None:
        return
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(resource))
    _abandoned.append(resource)
