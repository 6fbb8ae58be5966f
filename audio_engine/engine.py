"""AudioEngine: full-duplex 24 kHz PCM16 capture and playback behind a Qt facade."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QCoreApplication, QEvent, QMetaMethod, QObject, Qt, Signal, Slot

from audio_engine.capture import QUIET_CHUNK, CaptureReader, CaptureRing
from audio_engine.cleaning import CaptureCleaning
from audio_engine.devices import AudioDevice
from audio_engine.echo import EchoMode
from audio_engine.levels import ring_tail_dbfs
from audio_engine.monitor import DrainMonitor
from audio_engine.playback import PlaybackQueue
from audio_engine.ring import SampleRing
from audio_engine.routing import Route
from audio_engine.sound_server import ServerSnapshot
from audio_engine.stream_owner import RETIRE_WAIT_S, StreamOwner
from audio_engine.streams import ENGINE_RATE, StreamPair

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.int16]
SAMPLE_RATE = ENGINE_RATE
ECHO_TRAIL_MS = 100  # how far the echo in the microphone may trail what was played


class AudioEngine(QObject):
    """Captures the microphone and plays assistant audio, both as 24 kHz mono PCM16.

    Threads: the PortAudio callbacks only fill and drain rings. The network
    sender calls ``read_chunk`` from its own thread; the network receiver calls
    ``play``/``finish_item`` from its own thread. A drain thread
    (``audio_engine.monitor``) computes levels and playback events every
    50 ms; every signal is still emitted on the thread that owns this QObject,
    through queued connections from that drain. Call ``start``/``stop`` from
    that thread; ``stop`` joins the drain and drops what it had not delivered.

    Muting and push-to-talk close a gate in the input callback: while gated,
    nothing at all is delivered to ``read_chunk`` or ``chunk_captured`` (not
    silence), and the level and dead-input signals pause.

    Capture on demand (``capture_on_demand=True``, as the app runs it): the
    input stream runs only while someone asks for it with ``want_capture``
    (the sender while it streams, a level meter on screen, the mic check);
    otherwise it is stopped, and with the output at rest too the drain thread
    sleeps: an idle engine wakes nothing. By default the engine captures
    whenever it runs.

    Format conversion (G.711, 8 kHz) is not done here: the engine is always
    24 kHz PCM16; see ``audio_engine.codec.SessionCodec``.

    Signals:
        chunk_captured(bytes): one captured chunk (chunk_ms of PCM16, the raw
            microphone before echo cancellation), for recording or export;
            the sender uses ``read_chunk`` instead.
        input_level(float, float): microphone RMS and peak in dBFS, at most 20 Hz
            (a steady level, e.g. silence, is repeated once a second).
        output_level(float, float): played RMS and peak in dBFS, likewise.
        playback_started(str): the first sample of an item was handed to the device.
        playback_drained(str): the last sample of an item was handed to the device
            (after ``finish_item``, a newer item, or ``interrupt``).
        device_error(str): a stream failed or stalled; the engine has stopped
            and ``start`` may be called again.
        device_notice(str): a saved device was missing and the default is used.
        xruns_changed(int, int): input overflows (device or ring) and output
            underruns (jitter buffer ran dry mid-item, or device underflow).
        silent_input_changed(bool): True once the input has been constant
            (e.g. all zeros) for 2 s while capturing, False when it recovers.
        running_changed(bool): the engine started or stopped.
        route_changed(str, str): the streams opened on these (input, output)
            devices, by the names people know them by.
    """

    chunk_captured = Signal(bytes)
    input_level = Signal(float, float)
    output_level = Signal(float, float)
    playback_started = Signal(str)
    playback_drained = Signal(str)
    device_error = Signal(str)
    device_notice = Signal(str)
    xruns_changed = Signal(int, int)
    silent_input_changed = Signal(bool)
    running_changed = Signal(bool)
    route_changed = Signal(str, str)

    def __init__(
        self,
        input_device: str | None = None,
        output_device: str | None = None,
        chunk_ms: int = 20,
        parent: QObject | None = None,
        *,
        output_buffer_ms: int = 10,
        playback_capacity_s: float = 120.0,
        stream_rate: int | None = None,
        echo_cancellation: EchoMode | str = EchoMode.OFF,
        noise_suppression: bool = False,
        capture_on_demand: bool = False,
    ) -> None:
        super().__init__(parent)
        if chunk_ms not in (10, 20):
            raise ValueError(f"chunk_ms must be 10 or 20, got {chunk_ms}")
        if output_buffer_ms not in (10, 20):
            raise ValueError(f"output_buffer_ms must be 10 or 20, got {output_buffer_ms}")
        self.input_device_name = input_device
        self.output_device_name = output_device
        self.chunk_ms = chunk_ms
        self.chunk_samples = SAMPLE_RATE * chunk_ms // 1000
        # Playback buffers are independent of the capture chunk. 20 ms ones
        # wake the callback half as often, but the jitter buffer then waits
        # for 20 ms of a reply before it starts (about 44 ms to the sink in
        # the app benchmark against 10-13 ms with 10 ms buffers).
        self.output_buffer_ms = output_buffer_ms
        output_samples = SAMPLE_RATE * output_buffer_ms // 1000
        self._playback = PlaybackQueue(int(playback_capacity_s * SAMPLE_RATE), output_samples)
        self._capture: CaptureRing | None = None
        self._sender_reader: CaptureReader | None = None
        self._far_end = SampleRing(SAMPLE_RATE * 2)
        self._owner = StreamOwner(self.chunk_samples, self._playback, self._far_end, stream_rate)
        self._cleaning = CaptureCleaning(self._far_end)
        self._capture_enabled = True
        self._muted = False
        self._demand_lock = threading.Lock()
        self._capture_demand: set[str] = set() if capture_on_demand else {"always"}
        self._silent_reported = False
        self._lost_before = 0
        self.active_input: AudioDevice | None = None
        self.active_output: AudioDevice | None = None
        self._monitor = self._make_monitor()
        self._cleaning.set_output_name(output_device)
        self._cleaning.set_noise_suppression(noise_suppression)
        self.set_echo_cancellation(echo_cancellation)  # validates "on" without the package

    # ----- lifecycle --------------------------------------------------------

    @property
    def _streams(self) -> StreamPair | None:
        return self._owner.streams

    @property
    def routes(self) -> tuple[Route, Route] | None:
        """Where the open streams go (or went last)."""
        return self._owner.routes

    @property
    def server_lookup(self) -> Callable[[], ServerSnapshot | None]:
        """Where the device list comes from (the sound server's view)."""
        return self._owner.server_lookup

    @server_lookup.setter
    def server_lookup(self, lookup: Callable[[], ServerSnapshot | None]) -> None:
        self._owner.server_lookup = lookup

    @property
    def running(self) -> bool:
        return self._streams is not None

    def start(self) -> None:
        """Open both streams; raises AudioDeviceError with a readable message."""
        if self._streams is not None:
            return
        capture = CaptureRing(SAMPLE_RATE * 4, self.chunk_samples)
        self._playback.reopen()
        try:
            self._open_streams(capture)
        except Exception:
            capture.close()
            self._playback.close()
            raise
        self._capture = capture
        self._sender_reader = capture.reader()
        self._silent_reported = False
        self.running_changed.emit(True)

    def _open_streams(self, capture: CaptureRing) -> None:
        streams = self._owner.open((self.input_device_name, self.output_device_name), capture)
        routes = streams.routes
        self._cleaning.request_resync()
        self.active_input, self.active_output = routes[0].device, routes[1].device
        self._cleaning.set_output_name(routes[1].label)
        streams.capture_open = self.capture_open
        self._monitor.start(streams, capture.reader())
        with self._demand_lock:
            self._apply_capture_demand()
        log.info(
            "audio: capturing from %r, playing to %r (%s)",
            routes[0].label,
            routes[1].label,
            "through the sound server" if routes[1].through_server else "PortAudio",
        )
        for route in routes:
            if route.notice:
                self.device_notice.emit(route.notice)
        self.route_changed.emit(routes[0].label, routes[1].label)

    def reroute(self) -> None:
        """Reopen both streams on the devices the names now lead to; queued audio keeps playing.

        For a device that came or went: the reply in progress carries on from
        where it was, on the new device. Starts the engine if it was stopped.
        """
        capture = self._capture
        if self._streams is None or capture is None:
            self.start()
            return
        self._monitor.stop()
        self._owner.close_at_once()
        try:
            self._open_streams(capture)
        except Exception as exc:
            self._fail(f"could not be reopened ({exc})")
            return
        reopened = self._streams
        if reopened is not None and self._playback.queued_samples():
            reopened.wake_output()

    def stop(self) -> None:
        """Close the streams and join the PortAudio threads; safe to call twice."""
        self._stop(abort=False)
        self._owner.wait_closed(RETIRE_WAIT_S)

    def _stop(self, abort: bool) -> None:
        self._monitor.stop()
        if self._streams is None:
            return
        # Signals the drain queued before it was joined would arrive after stop.
        QCoreApplication.removePostedEvents(self, QEvent.Type.MetaCall)
        if abort:
            self._owner.retire()
        else:
            self._owner.close()
        # What was queued will never play: drop it, so nothing reads as still playing.
        self._playback.interrupt(False, 0.0)
        self._playback.close()
        self._sender_reader = None
        if self._capture is not None:
            self._capture.close()
        self._report_input_alive()
        self.running_changed.emit(False)

    def wait_closed(self, timeout: float) -> bool:
        """Wait until streams closed after a failure are closed; False if they are not yet."""
        return self._owner.wait_closed(timeout)

    def set_devices(self, input_device: str | None, output_device: str | None) -> None:
        """Choose devices by name (None = default); moves running streams to them."""
        self.input_device_name = input_device
        self.output_device_name = output_device
        if self.running:
            self.reroute()

    def refresh_devices(self) -> list[AudioDevice]:
        """A device scan.

        PortAudio only rescans when it is initialised from scratch, which cannot
        happen while this engine's streams are open: stopped, this is a fresh
        scan; running, it is the list from the last ``start``. ``start`` always
        rescans, so ``set_devices`` picks up new hardware.
        """
        return self._owner.list_devices()

    # ----- capture ----------------------------------------------------------

    @property
    def capture_open(self) -> bool:
        return self._capture_enabled and not self._muted

    def set_capture_enabled(self, enabled: bool) -> None:
        """Push-to-talk gate: False delivers nothing to the sender."""
        self._capture_enabled = enabled
        self._apply_gate()

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        self._apply_gate()

    def _apply_gate(self) -> None:
        self._cleaning.request_resync()
        if self._streams is not None:
            self._streams.capture_open = self.capture_open
        if not self.capture_open:
            self._report_input_alive()

    def want_capture(self, reason: str, wanted: bool) -> None:
        """Ask for the microphone (``reason`` names who asks) or give it up; any thread.

        The input stream runs while anyone asks (always, unless the engine
        was made with ``capture_on_demand``). Starting takes a sound-server
        round trip; the first block follows about 20 ms later.
        """
        with self._demand_lock:
            if wanted:
                self._capture_demand.add(reason)
            else:
                self._capture_demand.discard(reason)
            self._apply_capture_demand()

    @property
    def capturing(self) -> bool:
        """The input stream runs (someone asked for the microphone)."""
        streams = self._streams
        return streams is not None and streams.capture_live

    def _apply_capture_demand(self) -> None:
        streams = self._streams
        if streams is None:
            return
        live = bool(self._capture_demand)
        try:
            streams.set_capture(live)
        except OSError as exc:
            streams.capture_error = str(exc)  # the drain reports it as a failure
        if live:
            self._monitor.wake()

    def _report_input_alive(self) -> None:
        self._monitor.reset_dead_input()
        if self._silent_reported:
            self._silent_reported = False
            self.silent_input_changed.emit(False)

    def read_chunk(self, timeout: float) -> bytes | None:
        """The next captured audio, waiting up to ``timeout`` s: PCM16 in whole 10 ms blocks.

        Normally one chunk (chunk_ms); less when capture has just started or
        a speech onset arrives, so that it leaves at once; up to 100 ms after
        a few quiet seconds (``audio_engine.capture``); with ``timeout`` 0,
        whatever whole blocks are waiting.
        Thread-safe for one consumer thread (the network sender). Returns None
        on timeout, after ``wake_reader``, or when the engine is stopped. An
        engine made with ``capture_on_demand`` captures only after
        ``want_capture``.
        """
        reader = self._sender_reader
        if reader is None:
            time.sleep(max(0.0, timeout))  # keep a polling sender from spinning
            return None
        # The sender is awake anyway: the drain's periodic work rides along,
        # so the drain thread need not wake up by itself while audio streams.
        self._monitor.tick_if_due()
        samples = reader.read_blocking(max(self.chunk_samples, QUIET_CHUNK), timeout)
        if samples is None:
            if self._sender_reader is not reader:
                time.sleep(max(0.0, timeout))  # stopped meanwhile
            return None
        capture_pos = reader.pos - len(samples)
        samples = self._cleaning.process(samples, capture_pos, self._capture_anchor())
        return samples.astype("<i2", copy=False).tobytes()

    def wake_reader(self) -> None:
        """Make a ``read_chunk`` waiting on another thread return now (None if no chunk)."""
        capture = self._capture
        if capture is not None:
            capture.wake_reader()

    def discard_captured(self) -> None:
        """Drop captured audio the sender has not read yet (e.g. on reconnect)."""
        if self._sender_reader is not None:
            self._sender_reader.skip_to_now()
        self._cleaning.request_resync()

    def _capture_anchor(self) -> tuple[int, int] | None:
        capture = self._capture
        return None if capture is None else capture.far_anchor

    # ----- echo cancellation and noise suppression -----------------------------

    @property
    def echo_mode(self) -> EchoMode:
        return self._cleaning.echo_mode

    @property
    def echo_cancelling(self) -> bool:
        """Whether captured chunks currently go through the echo canceller."""
        return self._cleaning.wanted.echo_cancellation

    @property
    def noise_suppressing(self) -> bool:
        """Whether captured chunks currently go through WebRTC noise suppression."""
        return self._cleaning.wanted.noise_suppression

    @property
    def headset_mode(self) -> bool:
        return self._cleaning.headset_mode

    def set_echo_cancellation(self, mode: EchoMode | str) -> None:
        """``"auto"`` (on unless the output is a headset), ``"on"`` or ``"off"``.

        Raises AudioDeviceError for ``"on"`` when pywebrtc-audio is not installed;
        ``"auto"`` then quietly stays off.
        """
        self._cleaning.set_echo_mode(mode)

    def set_noise_suppression(self, enabled: bool) -> None:
        """WebRTC noise suppression on the sender's chunks (quietly off without the package)."""
        self._cleaning.set_noise_suppression(enabled)

    def set_headset_mode(self, enabled: bool) -> None:
        """Headset mode: no acoustic echo path, so no echo cancellation whatever the mode."""
        self._cleaning.set_headset_mode(enabled)

    def recent_levels(self, window_ms: int = 300) -> tuple[float, float]:
        """Microphone (before cleaning) and played RMS in dBFS over the last ``window_ms``.

        The played window reaches ``ECHO_TRAIL_MS`` further back: the echo in
        the microphone trails the playback by the device latency. Callable
        from any thread; -120.0 for a side with nothing in the window.
        """
        count = SAMPLE_RATE * window_ms // 1000
        capture = self._capture
        mic = ring_tail_dbfs(capture.ring, count) if capture is not None else -120.0
        far_count = count + SAMPLE_RATE * ECHO_TRAIL_MS // 1000
        return mic, ring_tail_dbfs(self._far_end, far_count)

    # ----- playback ---------------------------------------------------------

    def play(self, item_id: str, pcm: bytes) -> bool:
        """Queue 24 kHz PCM16 for ``item_id``; callable from any thread.

        Returns False (and drops the audio) if the item was interrupted or the
        engine is stopped. Blocks
        while the playback buffer (two minutes) is full; raises BufferError if
        it stays full because the device is not playing.
        """
        if self._playback.closed:
            return False  # stopped (e.g. the device went away): nothing will play it
        if len(pcm) % 2:
            raise ValueError(f"PCM16 audio must have an even number of bytes, got {len(pcm)}")
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16, copy=False)
        queued = self._playback.push(item_id, samples)
        streams = self._streams
        if queued and streams is not None:
            streams.start_output()
            if self._monitor.resting:
                self._monitor.wake()
        return queued

    def finish_item(self, item_id: str) -> None:
        """No more audio will come for ``item_id`` (its tail plays without waiting)."""
        self._playback.finish(item_id)
        streams = self._streams
        if streams is not None:
            streams.wake_output()  # a tail shorter than the prebuffer may play now

    def interrupt(self) -> tuple[str | None, int]:
        """Silence playback within one buffer; the item cut and its played ms.

        The output device drops what it still holds, so the played ms is what
        was heard (per the device's latency), not what was handed over. Later
        ``play`` calls for the cut item are dropped.
        """
        ack_timeout = 4 * self.output_buffer_ms / 1000 + 0.2
        streams = self._streams
        output_running = streams is not None and streams.output_live
        wake = streams.wake_output if streams is not None else None
        item_id, samples = self._playback.interrupt(output_running, ack_timeout, wake)
        return item_id, samples * 1000 // SAMPLE_RATE

    def played_samples(self, item_id: str) -> int:
        """Samples of ``item_id`` handed to the output device so far."""
        return self._playback.played_samples(item_id)

    def played_ms(self, item_id: str) -> int:
        return self._playback.played_samples(item_id) * 1000 // SAMPLE_RATE

    def queued_ms(self) -> int:
        return self._playback.queued_samples() * 1000 // SAMPLE_RATE

    @property
    def is_playing(self) -> bool:
        return self._playback.is_playing

    @property
    def output_running(self) -> bool:
        """The output stream runs; it rests while there is nothing to play."""
        streams = self._streams
        return streams is not None and streams.output_live

    @property
    def output_frames(self) -> int:
        """Frames the output stream has asked for since ``start``."""
        streams = self._streams
        return 0 if streams is None else streams.output_frames

    # ----- counters ---------------------------------------------------------

    @property
    def device_latency_ms(self) -> tuple[float, float]:
        """The open streams' (input, output) latency as PortAudio reports it."""
        if self._streams is None:
            return 0.0, 0.0
        capture, playback = self._streams.latencies()
        return capture * 1000, playback * 1000

    @property
    def input_overflows(self) -> int:
        streams = self._streams
        lost = 0 if self._sender_reader is None else self._sender_reader.lost_samples
        lost_chunks = -(-lost // self.chunk_samples)  # a sender too slow for the ring
        device = 0 if streams is None else streams.input_overflows
        return device + lost_chunks + self._lost_before

    @property
    def output_underruns(self) -> int:
        streams = self._streams
        return self._playback.underruns + (0 if streams is None else streams.output_underflows)

    # ----- the drain (its own thread) ----------------------------------------

    def _make_monitor(self) -> DrainMonitor:
        chunk_signal = QMetaMethod.fromSignal(self.chunk_captured)
        monitor = DrainMonitor(
            self.chunk_samples,
            self._playback,
            self._far_end,
            wants_chunks=lambda: self.isSignalConnected(chunk_signal),
            xrun_counts=lambda: (self.input_overflows, self.output_underruns),
            parent=self,
        )
        monitor.forward_to(self)
        queued = Qt.ConnectionType.QueuedConnection
        monitor.silent_input_changed.connect(self._on_monitor_silent_input_changed, queued)
        monitor.failed.connect(self._on_monitor_failed, queued)
        return monitor

    @Slot(bool)
    def _on_monitor_silent_input_changed(self, dead: bool) -> None:
        # A verdict queued just before the gate closed must not report a dead input.
        if dead and not (self.running and self.capture_open):
            return
        if dead != self._silent_reported:
            self._silent_reported = dead
            self.silent_input_changed.emit(dead)

    @Slot(str)
    def _on_monitor_failed(self, reason: str) -> None:
        if self.running:
            self._fail(reason)

    def _fail(self, reason: str) -> None:
        device = self.routes[0].label if self.routes else "unknown"
        self._lost_before = self.input_overflows
        self._stop(abort=True)
        self.device_error.emit(
            f"The audio stream on {device!r} {reason}; the device may have been "
            "disconnected or the sound server stopped. Playback and capture are halted.",
        )

    def abort(self) -> None:
        """Close the streams at once (the sound server went away); no device_error."""
        if self.running:
            self._lost_before = self.input_overflows
            self._stop(abort=True)
