"""The two PortAudio callback streams (input-only and output-only).

One combined input+output stream glitches and dies on the ALSA pulse plugin, so
capture and playback are separate streams with separate callbacks. The
callbacks only copy between PortAudio's buffers and the rings, count frames and
note status flags; they never log, touch Qt or wait on a lock. The output
stream runs only while there is audio to play (``audio_engine.output``), and
the input stream only while someone listens (``set_capture``): a stopped
stream is corked at the sound server, which then sends nothing and wakes
nobody. (A stream that was opened but never started is not: the ALSA pulse
plugin connects it uncorked, and the server streams to it, about 100 wake-ups
a second, so a new input stream is started and stopped at once.)

Capture runs in 10 ms periods whatever the chunk size: a new stream's first
block arrives about two periods after the start (push-to-talk), and a speech
onset is handed to the sender a block after it (``audio_engine.capture``).

Both streams run at 24 kHz when the device accepts it. Otherwise the stream
opens at the device's default rate and a stateful soxr resampler converts
inside the callback (about 5 µs per chunk).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pyaudio

from audio_engine.capture import CaptureRing
from audio_engine.devices import AudioDevice
from audio_engine.errors import AudioDeviceError
from audio_engine.output import OutputStream, close_stream
from audio_engine.playback import PlaybackQueue
from audio_engine.resample import StreamResampler
from audio_engine.ring import SampleRing
from audio_engine.routing import Route, routed
from audio_engine.stuck_threads import abandon, end_stuck_threads, thread_ids

Samples = npt.NDArray[np.int16]
ENGINE_RATE = 24000
CAPTURE_PERIOD = 240  # samples at 24 kHz: 10 ms
STALL_SECONDS = 4.0  # a fresh PulseAudio null sink can pause a new stream for 1.6 s


def _negotiate_rate(
    pa: pyaudio.PyAudio, device: AudioDevice, input_side: bool, forced_rate: int | None
) -> int:
    candidates = [forced_rate] if forced_rate else [ENGINE_RATE, int(device.default_sample_rate)]
    for rate in candidates:
        try:
            kwargs: dict[str, Any] = {
                "rate": rate,
                f"{'input' if input_side else 'output'}_device": device.index,
                f"{'input' if input_side else 'output'}_channels": 1,
                f"{'input' if input_side else 'output'}_format": pyaudio.paInt16,
            }
            if pa.is_format_supported(**kwargs):
                return rate
        except ValueError:
            continue
    raise AudioDeviceError(
        f"The audio device {device.name!r} supports neither 24000 Hz nor its default rate "
        "for 16-bit mono."
    )


class StreamPair:
    def __init__(
        self,
        pa: pyaudio.PyAudio,
        routes: tuple[Route, Route],
        chunk_samples: int,
        output_samples: int,
        capture: CaptureRing,
        playback: PlaybackQueue,
        far_end: SampleRing,
        forced_rate: int | None = None,
    ) -> None:
        self._pa = pa
        self._capture = capture
        self._playback = playback
        self._far_end = far_end
        self.chunk_samples = chunk_samples
        self.output_samples = output_samples
        self.capture_open = True  # the gate: mute / push-to-talk
        self.routes = routes
        self.input_rate = _negotiate_rate(pa, routes[0].device, True, forced_rate)
        self.output_rate = _negotiate_rate(pa, routes[1].device, False, forced_rate)
        self._in_resampler = (
            StreamResampler(self.input_rate, ENGINE_RATE)
            if self.input_rate != ENGINE_RATE
            else None
        )
        self.input_frames = 0
        self.capture_live = False  # the input stream runs (see set_capture)
        self.capture_error: str | None = None
        self._input_lock = threading.Lock()  # start, stop and close of the input stream
        self.input_thread = 0  # native id of the thread running the input callback
        self.input_threads: frozenset[int] = frozenset()  # threads its start created
        self.input_overflows = 0
        self.last_input_time = 0.0
        self._input: Any = None
        self.output: OutputStream | None = None
        self._open(*routes)

    @staticmethod
    def _frames(samples_at_24k: int, rate: int) -> int:
        return samples_at_24k * rate // ENGINE_RATE

    def _open(self, route_in: Route, route_out: Route) -> None:
        try:
            with routed(route_out):
                self.output = OutputStream(
                    self._pa,
                    route_out.device.index,
                    self.output_rate,
                    self.output_samples,
                    self._playback,
                    self._far_end,
                )
            before = thread_ids()
            with routed(route_in):
                self._input = self._pa.open(
                    format=pyaudio.paInt16,
                    channels=1,
                    rate=self.input_rate,
                    input=True,
                    input_device_index=route_in.device.index,
                    frames_per_buffer=self._frames(CAPTURE_PERIOD, self.input_rate),
                    stream_callback=self._on_input_callback,
                    start=False,
                )
                # Opened but never started, the stream is not corked (see the module).
                self._input.start_stream()
                self._input.stop_stream()
            self.input_threads = thread_ids() - before
        except OSError as exc:
            self.close()
            raise AudioDeviceError(
                f"Could not open the audio devices {route_in.label!r} (input) and "
                f"{route_out.label!r} (output): {exc}"
            ) from exc
        self.last_input_time = time.monotonic()

    def set_capture(self, live: bool) -> None:
        """Start or stop the input stream (any thread but the callback's)."""
        with self._input_lock:
            stream = self._input
            if stream is None or live == self.capture_live:
                return
            if live:
                self._capture.restart()
                self.last_input_time = time.monotonic()
                self.input_thread = 0
                before = thread_ids()
                stream.start_stream()
                self.input_threads = thread_ids() - before
            else:
                stream.stop_stream()  # joins the callback thread
            self.capture_live = live

    @property
    def output_live(self) -> bool:
        return self.output is not None and self.output.live

    @property
    def output_frames(self) -> int:
        return 0 if self.output is None else self.output.frames

    @property
    def output_underflows(self) -> int:
        return 0 if self.output is None else self.output.underflows

    def wake_output(self) -> None:
        """Audio was queued, or an interrupt waits: the output writer looks now; any thread."""
        if self.output is not None:
            self.output.wake()

    def start_output(self) -> None:
        """Audio was queued: a resting output starts on the calling thread (see output.py)."""
        if self.output is not None:
            self.output.start_now()

    def latencies(self) -> tuple[float, float]:
        """PortAudio's own input and output latency estimates, in seconds."""
        try:
            capture = float(self._input.get_input_latency())
        except (OSError, AttributeError):
            return 0.0, 0.0
        return capture, 0.0 if self.output is None else self.output.latency()

    def failure(self) -> str | None:
        """Why the streams stopped or stalled, or None while they are healthy."""
        now = time.monotonic()
        output = self.output
        if output is not None and output.start_error is not None:
            return f"could not start playback ({output.start_error})"
        if self.capture_error is not None:
            return f"could not start capture ({self.capture_error})"
        quiet_for = now - self.last_input_time if self.capture_live else 0.0
        if output is not None and output.live:
            quiet_for = max(quiet_for, now - output.last_callback_time)
        if quiet_for > STALL_SECONDS:
            return f"delivered nothing for {STALL_SECONDS:.1f} s"
        try:
            input_running = bool(self._input.is_active()) or not self.capture_live
        except (OSError, AttributeError):
            input_running = False
        if not input_running or (output is not None and output.stopped_unexpectedly()):
            return "stopped"
        return None

    def close(self, abort: bool = False, after_failure: bool = False) -> bool:
        """Stop both streams; PortAudio joins its callback threads here.

        ``abort`` (after the device or sound server failed) skips the orderly
        stop, which waits for the callback thread to notice a request: with
        the ALSA pulse plugin a thread whose server vanished can spin in
        PortAudio's poll loop and never notice. Closing a running stream
        aborts it instead, cancelling the thread (it is in C, not in our
        callback, once the server is gone).

        ``after_failure`` first ends a callback thread that is stuck for good
        (``audio_engine.stuck_threads``); its stream cannot be closed after
        that and is abandoned instead. This may take a moment, so the engine
        does it off the GUI thread. Returns True if a stream was abandoned
        (then PortAudio must not be terminated either).
        """
        ended: frozenset[int] = frozenset()
        output = self.output
        input_threads = {self.input_thread, *self.input_threads}
        output_threads = set() if output is None else {output.thread_id, *output.threads}
        if after_failure:
            ended = end_stuck_threads(
                sorted(input_threads | output_threads),
                lambda: self.input_frames + self.output_frames,
            )
        # Input first: an input stream whose output partner was closed before
        # it could also spin after the server died.
        with self._input_lock:
            stream, self._input = self._input, None
            self.capture_live = False
        if stream is not None:
            if ended & input_threads:
                abandon(stream)
            else:
                close_stream(stream, abort)
        self.output = None
        if output is not None:
            if ended & output_threads:
                output.abandon()
            else:
                output.close(abort)
        return bool(ended)

    def _on_input_callback(
        self, in_data: bytes | None, frame_count: int, _time_info: Any, status: int
    ) -> tuple[None, int]:
        self.last_input_time = time.monotonic()
        if not self.input_thread:  # once per start: it is a system call
            self.input_thread = threading.get_native_id()
        self.input_frames += frame_count
        if status & pyaudio.paInputOverflow:
            self.input_overflows += 1
        output = self.output
        if output is not None and not output.live:
            # The far end keeps time with the microphone while the output
            # rests, so echo cancellation stays paired.
            self._far_end.write_silence(frame_count * ENGINE_RATE // self.input_rate)
        if in_data is not None and self.capture_open:
            samples: Samples = np.frombuffer(in_data, dtype=np.int16)
            if self._in_resampler is not None:
                samples = self._in_resampler.process(samples)
            self._capture.push(samples, self._far_end.write_pos)
        return None, pyaudio.paContinue


def open_stream_pair(
    pa: pyaudio.PyAudio,
    routes: tuple[Route, Route],
    chunk_samples: int,
    capture: CaptureRing,
    playback: PlaybackQueue,
    far_end: SampleRing,
    forced_rate: int | None = None,
) -> StreamPair:
    """Open the input stream and the (resting) output stream along ``routes``."""
    return StreamPair(
        pa, routes, chunk_samples, playback.prebuffer, capture, playback, far_end, forced_rate
    )
