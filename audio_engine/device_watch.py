"""Watching the sound server: devices that come and go, a server that stops and returns.

A thread of its own keeps one libpulse connection subscribed to sink, source
and server events. It sleeps in poll() until the server says something, so an
idle app pays nothing for it; a burst of events (a headset brings a sink, a
source and a default change at once) becomes one fresh snapshot. When the
connection drops, the server is gone: the watcher says so once, then tries to
connect again every ``RECONNECT_S`` (a failed attempt on a local socket costs
microseconds) and publishes a snapshot as soon as the server answers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from audio_engine.sound_server import connect, pulsectl_module, read_snapshot

log = logging.getLogger(__name__)

RECONNECT_S = 0.5
SETTLE_S = 0.05  # events closer together than this are one change
STOP_POLL_S = 0.05


class DeviceWatcher(QObject):
    """Publishes the sound server's devices whenever they change.

    ``start``/``stop`` run on the owner's thread; the signals are emitted from
    the watcher's thread (queued to receivers on other threads).

    Signals:
        snapshot_changed(object): a ``ServerSnapshot``: the server (re)appeared,
            or its devices or defaults changed.
        server_lost(): the connection to the sound server dropped (or there was
            none at the first attempt).
    """

    snapshot_changed = Signal(object)
    server_lost = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._pulse: Any = None  # the connection the thread is listening on

    @staticmethod
    def supported() -> bool:
        """Whether this system can watch a sound server at all (libpulse is here)."""
        return pulsectl_module() is not None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None or not self.supported():
            return
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping,), name="sound-server-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """End the thread and wait for it; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        # libpulse's loop may not have started polling when we ask it to stop,
        # and then misses the request: ask until the thread has gone.
        while thread.is_alive():
            with self._lock:
                if self._pulse is not None:
                    self._pulse.event_listen_stop()
            thread.join(STOP_POLL_S)

    # ----- the watcher's thread ----------------------------------------------------

    def _run(self, stopping: threading.Event) -> None:
        pulsectl = pulsectl_module()
        assert pulsectl is not None
        reported_lost = False
        while not stopping.is_set():
            pulse = connect("Parley device watch")
            if pulse is None:
                if not reported_lost:
                    reported_lost = True
                    self.server_lost.emit()
                stopping.wait(RECONNECT_S)
                continue
            with self._lock:
                self._pulse = pulse
            try:
                self._listen(pulse, pulsectl, stopping)
            except pulsectl.PulseDisconnected:
                pass
            except pulsectl.PulseError as exc:
                log.info("sound server watch: %s", exc)
            finally:
                with self._lock:
                    self._pulse = None
                pulse.close()
            if not stopping.is_set():
                reported_lost = True
                self.server_lost.emit()
                stopping.wait(RECONNECT_S)

    def _listen(self, pulse: Any, pulsectl: Any, stopping: threading.Event) -> None:
        changed = threading.Event()

        def on_event(_event: Any) -> None:
            changed.set()
            raise pulsectl.PulseLoopStop

        pulse.event_mask_set("sink", "source", "server")
        pulse.event_callback_set(on_event)
        self.snapshot_changed.emit(read_snapshot(pulse))
        while not stopping.is_set():
            if not changed.is_set():
                pulse.event_listen()
            if stopping.is_set() or not changed.is_set():
                continue
            # Let the rest of a burst arrive, then look once. An event that
            # arrives while the snapshot is read sets ``changed`` again, and
            # another look follows: none is lost.
            pulse.event_callback_set(lambda _event: None)
            pulse.event_listen(timeout=SETTLE_S)
            pulse.event_callback_set(on_event)
            changed.clear()
            self.snapshot_changed.emit(read_snapshot(pulse))
