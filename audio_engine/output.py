"""The output stream: runs only while there is something to play.

A PortAudio output stream that runs all the time keeps its device buffer
full of silence, so the first sample of a reply waits behind that buffer
(about 30 ms through the ALSA pulse plugin with 10 ms buffers). This stream
is started by the first ``wake()`` after audio is queued and rests again once
it has played only silence for a moment (``REST_AFTER_FINISHED_S`` after the
last item finished, ``REST_AFTER_S`` while an unfinished one waits for more):
a reply's first sample then reaches the sound server with the next callback,
and an idle app runs no output callbacks at all.

Interrupting aborts the stream from its callback (``paAbort``), which drops
what the device and the sound server still hold instead of letting it play
out: silence follows within one callback. What was dropped is not counted as
played: the callback's own output latency (``output_buffer_dac_time``) says
how much of what it handed over had not been heard yet.

Each start plays ``LEAD_IN_MS`` of silence first. A sound server that mixes a
new stream into audio it has already rendered (PulseAudio rewinds) would
otherwise cut the first milliseconds of the reply.

Threads: ``wake`` runs on any thread (the network receiver's ``play``) and is
serialised by a lock the callback never takes; the callback only copies from
the playback queue, counts and decides to rest.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pyaudio

from audio_engine.playback import PlaybackQueue
from audio_engine.resample import StreamResampler
from audio_engine.ring import SampleRing
from audio_engine.stuck_threads import abandon, thread_ids

Samples = npt.NDArray[np.int16]
ENGINE_RATE = 24000
LEAD_IN_MS = 10
# Rest soon after the last item finished playing, so that the next reply
# starts on a fresh stream; wait longer when an unfinished item ran dry (a
# network hiccup), so that its next delta does not pay for a restart.
REST_AFTER_FINISHED_S = 0.03
REST_AFTER_S = 0.25
MAX_BACKLOG_S = 1.0  # a latency estimate beyond this is not believed
HEARD_MARGIN_S = 0.005
UNKNOWN_LATENCY_S = 0.1  # margin over PortAudio's latency when there are no timestamps


class OutputStream:
    """The output side of the stream pair (see the module docstring)."""

    def __init__(
        self,
        pa: pyaudio.PyAudio,
        device_index: int,
        rate: int,
        buffer_samples: int,
        playback: PlaybackQueue,
        far_end: SampleRing,
    ) -> None:
        self.rate = rate
        self._playback = playback
        self._far_end = far_end
        self._resampler = StreamResampler(ENGINE_RATE, rate) if rate != ENGINE_RATE else None
        self._buffer: Samples = np.zeros(buffer_samples, dtype=np.int16)
        self._lead_in: Samples = np.zeros(ENGINE_RATE * LEAD_IN_MS // 1000, dtype=np.int16)
        self._rest_after_frames = int(REST_AFTER_S * rate)
        self._rest_after_finished_frames = int(REST_AFTER_FINISHED_S * rate)
        self._lock = threading.Lock()
        # Starts are counted by wake(), rests by the callback: live while they differ.
        self._starts = 0
        self._rests = 0
        self._lead_in_due = False
        self._idle_frames = 0
        self._audible_until = 0.0
        self._audible_on_stream_clock = True
        self._read_pos_at_start = 0
        self.frames = 0
        self.thread_id = 0  # native id of the thread running the callback
        self.threads: frozenset[int] = frozenset()  # threads the latest start created
        self.underflows = 0
        self.last_callback_time = time.monotonic()
        self.start_error: str | None = None
        self._stream: Any = pa.open(
            format=pyaudio.paInt16,
            channels=1,
            rate=rate,
            output=True,
            output_device_index=device_index,
            frames_per_buffer=buffer_samples * rate // ENGINE_RATE,
            stream_callback=self._on_stream_callback,
            start=False,
        )
        self._reported_latency = self.latency()

    @property
    def live(self) -> bool:
        """Started and not resting (or aborted by an interrupt)."""
        return self._starts != self._rests

    def wake(self) -> None:
        """Start the stream if it rests; cheap when it is already running."""
        if self.live:
            return
        with self._lock:
            if self.live or self._stream is None:
                return
            try:
                if not self._stream.is_stopped():
                    self._stream.stop_stream()  # joins the callback thread that aborted
                self._lead_in_due = True
                self._idle_frames = 0
                self._read_pos_at_start = self._playback.read_pos
                self.last_callback_time = time.monotonic()
                self._starts += 1
                before = thread_ids()
                self._stream.start_stream()
                self.threads = thread_ids() - before
            except OSError as exc:
                self._rests = self._starts
                self.start_error = str(exc)

    def stopped_unexpectedly(self) -> bool:
        """Live, yet PortAudio says the stream is not running (not our rest or abort)."""
        with self._lock:
            if self._stream is None or not self.live:
                return False
            try:
                return not self._stream.is_active()
            except OSError:
                return True

    def latency(self) -> float:
        try:
            return float(self._stream.get_output_latency())
        except (OSError, AttributeError):
            return 0.0

    def close(self, abort: bool = False) -> None:
        """Stop and close; ``abort`` skips the orderly stop (see ``StreamPair.close``)."""
        with self._lock:
            stream, self._stream = self._stream, None
            self._rests = self._starts
        if stream is not None:
            close_stream(stream, abort)

    def abandon(self) -> None:
        """Give up the stream without closing it (its thread was ended; see stuck_threads)."""
        with self._lock:
            stream, self._stream = self._stream, None
            self._rests = self._starts
        if stream is not None:
            abandon(stream)

    # ----- the PortAudio callback (its own thread) ----------------------------

    def _on_stream_callback(
        self, _in_data: bytes | None, frame_count: int, time_info: Any, status: int
    ) -> tuple[bytes, int]:
        self.last_callback_time = time.monotonic()
        self.thread_id = threading.get_native_id()
        self.frames += frame_count
        if status & pyaudio.paOutputUnderflow:
            self.underflows += 1
        if self._playback.flush_pending():
            self._playback.acknowledge_flush(self._unheard_samples(time_info))
            return self._rest(frame_count)
        if self._resampler is None:
            out = (
                self._buffer
                if frame_count == len(self._buffer)
                else np.zeros(frame_count, np.int16)
            )
            played = self._fill(out)
            data = out.tobytes()
        else:
            played = 0
            resampler = self._resampler
            if self._lead_in_due:
                self._lead_in_due = False
                resampler.push(self._lead_in)
                self._far_end.write(self._lead_in)
            while resampler.buffered < frame_count:
                played += self._playback.pull(self._buffer)
                self._far_end.write(self._buffer)
                resampler.push(self._buffer)
            device_samples = resampler.pop(frame_count)
            assert device_samples is not None
            data = device_samples.tobytes()
        if played:
            self._note_audible_until(time_info, frame_count)
        if played or self._playback.queued_samples():
            self._idle_frames = 0
        else:
            self._idle_frames += frame_count
            patience = (
                self._rest_after_frames
                if self._playback.expecting_more()
                else self._rest_after_finished_frames
            )
            if self._idle_frames >= patience and self._all_heard(time_info):
                # Rest first, then look again: audio queued after this check
                # finds the stream resting and wakes it.
                self._rests = self._starts
                if not self._playback.queued_samples():
                    return data, pyaudio.paAbort
                # A wake() that saw the rest waits in stop_stream() for this
                # callback to return before it counts its start: undo the rest.
                self._rests = self._starts - 1
                self._idle_frames = 0
        return data, pyaudio.paContinue

    def _fill(self, out: Samples) -> int:
        lead = 0
        if self._lead_in_due:
            self._lead_in_due = False
            lead = min(len(self._lead_in), len(out))
            out[:lead] = 0
        played = self._playback.pull(out[lead:])
        self._far_end.write(out)
        return played

    def _note_audible_until(self, time_info: Any, frame_count: int) -> None:
        """When the buffer just handed over will have played, on the stream's clock."""
        dac = _time_field(time_info, "output_buffer_dac_time")
        if dac > 0.0:
            self._audible_until = dac + frame_count / self.rate
            self._audible_on_stream_clock = True
        else:  # no timestamps from this host API: assume a generous latency
            self._audible_until = time.monotonic() + self._reported_latency + UNKNOWN_LATENCY_S
            self._audible_on_stream_clock = False

    def _all_heard(self, time_info: Any) -> bool:
        """Resting drops what the device holds: only once the last real sample played."""
        if not self._audible_on_stream_clock:
            return time.monotonic() > self._audible_until
        return _time_field(time_info, "current_time") > self._audible_until + HEARD_MARGIN_S

    def _unheard_samples(self, time_info: Any) -> int:
        """Samples of the queue handed over since the start that the device has not played."""
        backlog = _time_field(time_info, "output_buffer_dac_time") - _time_field(
            time_info, "current_time"
        )
        if not 0.0 < backlog < MAX_BACKLOG_S:
            # No timestamps from this host API: PortAudio's own latency figure
            # is the best guess, and erring towards "not heard" keeps the
            # truncate point short of what was audible.
            backlog = min(self._reported_latency, MAX_BACKLOG_S)
        handed_since_start = self._playback.read_pos - self._read_pos_at_start
        return min(int(backlog * ENGINE_RATE), max(0, handed_since_start))

    def _rest(self, frame_count: int) -> tuple[bytes, int]:
        self._rests = self._starts
        self._far_end.write_silence(frame_count * ENGINE_RATE // self.rate)
        return bytes(2 * frame_count), pyaudio.paAbort


def _time_field(time_info: Any, name: str) -> float:
    """One of PyAudio's time_info values; 0.0 when the host API gives none."""
    try:
        return float(time_info[name])
    except (KeyError, TypeError, ValueError):
        return 0.0


def close_stream(stream: Any, abort: bool) -> None:
    """Stop a PyAudio stream (unless ``abort``: closing a running one aborts it) and close it."""
    try:
        if not abort and not stream.is_stopped():
            stream.stop_stream()
    except OSError:
        pass
    with contextlib.suppress(OSError):
        stream.close()
