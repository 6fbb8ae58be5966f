"""The engine's periodic drain, off the GUI thread: levels, capture chunks, playback events.

Every 50 ms (at most 20 level updates a second) a tick drains what the
PortAudio callbacks left in the rings and emits this object's signals. While
the network sender reads the microphone it runs the ticks on its own thread
(``tick_if_due`` from ``read_chunk``: it wakes 50 times a second anyway, and
on a small machine a thread's wake-up costs far more than a tick's work);
otherwise a plain Python thread does. Neither is the GUI thread, so a busy
window never delays the drain and the drain costs the window nothing;
``AudioEngine`` re-emits the signals through queued connections on its own
thread.

At rest (the input stream stopped, the output resting, nothing queued) the
drain thread sleeps until ``wake`` (capture asked for, audio queued): after
one last tick that shows the meters the floor, an idle engine wakes nothing.

Work nobody receives is skipped: captured chunks become bytes only while
``chunk_captured`` has a receiver, and the levels and the dead-input check run
once per tick over everything captured since the last one, not per chunk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal

from audio_engine.capture import CaptureReader
from audio_engine.levels import DeadInputDetector, LevelThrottle, LevelWindow
from audio_engine.playback import PlaybackQueue
from audio_engine.ring import SampleRing
from audio_engine.streams import ENGINE_RATE, StreamPair

log = logging.getLogger(__name__)

SILENCE_DB = -120.0
DRAIN_INTERVAL_S = 0.05  # one tick per level update (at most 20 Hz)
# While only a quiet microphone runs (listening, nobody talks), a steady level
# needs no 20 Hz meter: tick at 4 Hz. The capture ring says when it is quiet
# (seconds without a loud block); speech or playback brings back 20 Hz at once.
QUIET_DRAIN_INTERVAL_S = 0.25
RIDING_CHECK_S = 0.1


class DrainMonitor(QObject):
    """Drains the capture and far-end rings and watches the streams' health.

    ``start``/``stop`` and ``reset_dead_input`` are called from the engine's
    thread; the signals are emitted from the monitor's own thread.

    Signals:
        chunk_captured(bytes): one captured chunk, only while ``wants_chunks()``.
        input_level(float, float): microphone RMS and peak in dBFS, per tick when
            they moved by a whole dB, else once a second.
        output_level(float, float): played RMS and peak in dBFS, likewise.
        playback_started(str): the first sample of an item reached the device.
        playback_drained(str): the last sample of an item reached the device.
        xruns_changed(int, int): ``xrun_counts()`` changed.
        silent_input_changed(bool): the dead-input verdict changed.
        failed(str): the streams stopped or stalled (why); the thread has ended.
    """

    chunk_captured = Signal(bytes)
    input_level = Signal(float, float)
    output_level = Signal(float, float)
    playback_started = Signal(str)
    playback_drained = Signal(str)
    xruns_changed = Signal(int, int)
    silent_input_changed = Signal(bool)
    failed = Signal(str)

    def __init__(
        self,
        chunk_samples: int,
        playback: PlaybackQueue,
        far_end: SampleRing,
        wants_chunks: Callable[[], bool],
        xrun_counts: Callable[[], tuple[int, int]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._chunk_samples = chunk_samples
        self._playback = playback
        self._far_end = far_end
        self._wants_chunks = wants_chunks
        self._xrun_counts = xrun_counts
        self._dead_input = DeadInputDetector(ENGINE_RATE)
        self._dead_lock = threading.Lock()
        self._input_window = LevelWindow()
        self._output_window = LevelWindow()
        self._input_throttle = LevelThrottle()
        self._output_throttle = LevelThrottle()
        self._far_drain_pos = 0
        self._last_xruns = (0, 0)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self.resting = False
        self._capture_was_live = False
        self._tick_lock = threading.Lock()
        self._run_state: tuple[StreamPair, CaptureReader, threading.Event] | None = None
        self._last_tick = 0.0
        self._tick_failure_logged = False

    def forward_to(self, engine: QObject) -> None:
        """Re-emit the plain signals as ``engine``'s same-named ones, on its thread."""
        queued = Qt.ConnectionType.QueuedConnection
        for name in (
            "chunk_captured",
            "input_level",
            "output_level",
            "playback_started",
            "playback_drained",
            "xruns_changed",
        ):
            getattr(self, name).connect(getattr(engine, name), queued)

    def start(self, streams: StreamPair, reader: CaptureReader) -> None:
        self.stop()
        self._far_drain_pos = self._far_end.write_pos
        self._input_window.take()
        self._output_window.take()
        self.reset_dead_input()
        self._stopping = threading.Event()
        self._tick_failure_logged = False
        self.resting = False
        self._capture_was_live = False
        self._run_state = (streams, reader, self._stopping)
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping,), name="audio-drain"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """End the drain thread and wait for it; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wakeup.set()
        if thread is not threading.current_thread():
            thread.join()
        with self._tick_lock:  # a tick running on the sender's thread finishes first
            self._run_state = None

    def reset_dead_input(self) -> bool:
        """Forget the constant run (the gate closed); True if the input was dead."""
        with self._dead_lock:
            was_dead = self._dead_input.is_dead
            self._dead_input.reset()
            return was_dead

    def wake(self) -> None:
        """Something to drain soon (capture started, audio queued); any thread, cheap."""
        self.resting = False
        self._wakeup.set()

    def tick_if_due(self) -> None:
        """Run a tick on the calling thread if one is due (the sender, already awake)."""
        if time.monotonic() - self._last_tick >= self._interval():
            self._run_tick()

    def _interval(self) -> float:
        state = self._run_state
        if state is None:
            return DRAIN_INTERVAL_S
        streams, reader, _ = state
        if reader.quiet and not streams.output_live and not self._playback.queued_samples():
            return QUIET_DRAIN_INTERVAL_S
        return DRAIN_INTERVAL_S

    def _run(self, stopping: threading.Event) -> None:
        # A fixed wait after each tick, not a schedule: a late tick must not
        # be followed by a burst of quick ones (levels stay at most 20 Hz).
        timeout = DRAIN_INTERVAL_S
        while not stopping.is_set():
            if self.resting:
                self._wakeup.wait()
                self.resting = False
                continue
            if stopping.wait(timeout):
                return
            interval = self._interval()
            if time.monotonic() - self._last_tick < interval:
                # The sender ticks for us; look in now and then.
                timeout = max(RIDING_CHECK_S, 2 * interval)
                continue
            timeout = interval
            if self._run_tick():
                return

    def _run_tick(self) -> bool:
        """One tick unless another thread is in one; True once the streams failed."""
        if not self._tick_lock.acquire(blocking=False):
            return False
        try:
            state = self._run_state
            if state is None:
                return True
            streams, reader, stopping = state
            self._last_tick = time.monotonic()
            # Cleared before the tick looks: a wake() from now on is not missed.
            self._wakeup.clear()
            try:
                failure = self._tick(streams, reader)
            except Exception:
                if not shiboken6.isValid(self):
                    return True  # the engine was deleted without stop(): nobody to tell
                # A bug in one tick must not silence the meters for good.
                if not self._tick_failure_logged:
                    log.exception("audio drain tick failed; later failures are not logged")
                    self._tick_failure_logged = True
                return False
            if failure is None:
                return False
            self._run_state = None
            if not stopping.is_set():
                self.failed.emit(failure)
            return True
        finally:
            self._tick_lock.release()

    def _tick(self, streams: StreamPair, reader: CaptureReader) -> str | None:
        self._drain_capture(reader)
        self._drain_far_end()
        now = time.monotonic()
        capture_live = streams.capture_live
        if self._capture_was_live and not capture_live:
            # Stopped capture says nothing about the microphone: floor, and no verdict.
            self._input_window.take()
            self.input_level.emit(SILENCE_DB, SILENCE_DB)
            if self.reset_dead_input():
                self.silent_input_changed.emit(False)
        self._capture_was_live = capture_live
        levels = self._input_window.take()
        if levels is not None and self._input_throttle.should_send(*levels, now):
            self.input_level.emit(*levels)
        levels = self._output_window.take()
        if levels is not None and self._output_throttle.should_send(*levels, now):
            self.output_level.emit(*levels)
        started, drained = self._playback.take_events()
        for item_id in started:
            self.playback_started.emit(item_id)
        for item_id in drained:
            self.playback_drained.emit(item_id)
        self._playback.notify_consumed()
        xruns = self._xrun_counts()
        if xruns != self._last_xruns:
            self._last_xruns = xruns
            self.xruns_changed.emit(*xruns)
        failure = self._health(streams)
        self.resting = not (capture_live or streams.output_live or self._playback.queued_samples())
        return failure

    def _drain_capture(self, reader: CaptureReader) -> None:
        block = reader.read_whole(self._chunk_samples)
        if len(block) == 0:
            return
        self._input_window.add(block)
        with self._dead_lock:
            verdict = self._dead_input.feed(block)
        if verdict is not None:
            self.silent_input_changed.emit(verdict)
        if self._wants_chunks():
            data = block.astype("<i2", copy=False).tobytes()
            step = 2 * self._chunk_samples
            for offset in range(0, len(data), step):
                self.chunk_captured.emit(data[offset : offset + step])

    def _drain_far_end(self) -> None:
        ring = self._far_end
        start = max(self._far_drain_pos, ring.oldest_pos)
        count = ring.write_pos - start
        if count > 0:
            self._output_window.add(ring.read(start, count))
        self._far_drain_pos = start + count

    def _health(self, streams: StreamPair) -> str | None:
        if not streams.output_live and self._playback.queued_samples():
            streams.wake_output()  # audio queued just as the output went to rest
        return streams.failure()
