"""The output stream: written by a thread of its own, only while there is something to play.

Why not a callback stream: one that keeps running holds a buffer of silence
ahead of what it plays, so a reply that follows another waits behind it
(about 30 ms with 10 ms buffers); one started for each reply is started by
the ALSA pulse plugin (uncorked and triggered) before its first buffer
exists, so the server plays silence until the callback's audio arrives. A
blocking stream is started by PortAudio only once its first period has been
written: the reply is at the server before playback begins, as soon as
writing audio straight into the sound server would be. (The 10 ms lead-in
of silence the callback stream used to play hid something else: a sink that
rewinds mixes a new stream into the block it had already rendered, which its
monitor, the tests' ears, had passed on without it; see the virtual card's
``norewinds=1`` in tests/support/sound_card.py and docs/benchmarks.md.)

So a writer thread (``audio-output``) sleeps until audio is queued, writes
what the device buffer has room for, and sleeps again until there is room
or more audio. It never writes silence of its own: a reply that follows
another while the stream still plays goes straight after it, and a stream
that ran dry is restarted by PortAudio on the next write (again data
first). Once the last item is finished and heard it stops the stream
(``REST_AFTER_FINISHED_S``; ``REST_AFTER_S`` while an unfinished item waits
for more) and prepares the next one, which costs nothing at rest: in an
idle app no audio thread wakes.

Interrupting wakes the writer, which stops the stream: the device and the
sound server drop what they still hold, so silence follows at once. What
was dropped is not counted as played: what the device still held (its
buffer, plus a margin for the server's own latency) is taken as unheard.

Threads: ``wake`` runs on any thread; ``start_now`` (the network receiver's
``play``) writes a resting stream's first audio itself, under the lock the
writer holds while it writes, so that the start waits for no thread switch.
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
from audio_engine.stuck_threads import abandon

Samples = npt.NDArray[np.int16]
ENGINE_RATE = 24000
# Rest soon after the last item finished playing; wait longer when an
# unfinished item ran dry (a network hiccup), so that its next delta does not
# pay for a restart.
REST_AFTER_FINISHED_S = 0.03
REST_AFTER_S = 0.25
CLOSE_WAIT_S = 1.0
# 10 ms periods at least. Longer ones would halve the writer's wake-ups (the
# period does not delay a reply's start: PortAudio starts the stream once
# written to), but the far end that echo cancellation pairs with the
# microphone would then advance in 20 ms steps, and the pairing (a fixed lag
# behind the far end's write position, audio_engine.echo) runs ahead of
# what was written: with 20 ms periods most far frames came out as silence
# and tests/audio/test_echo.py measured an ERLE of 0 dB instead of 43.
WRITE_PERIOD = 240
UNHEARD_MARGIN_S = 0.01  # the sound server's own latency, erring towards "not heard"


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
        # The device period: the writer wakes once per period while it plays.
        self._period = max(buffer_samples, WRITE_PERIOD) * rate // ENGINE_RATE
        self._chunk: Samples = np.zeros(ENGINE_RATE, dtype=np.int16)  # up to 1 s per write
        self._wakeup = threading.Event()
        self._lock = threading.Lock()  # one thread at a time writes (see start_now)
        self._closing = False
        self.live = False  # a reply is being written or heard (not resting)
        self.frames = 0  # device frames written since the stream was opened
        self.thread_id = 0  # no PortAudio callback thread (see stuck_threads)
        self.threads: frozenset[int] = frozenset()
        self.underflows = 0
        self.last_callback_time = time.monotonic()  # last sign that the device takes audio
        self.start_error: str | None = None
        self._audible_until = 0.0  # when what was written will have been heard
        self._idle_since = 0.0
        self._since_prepare = 0  # frames written since the stream was prepared
        self._flushed_tail = False
        self._stream: Any = pa.open(
            format=pyaudio.paInt16,
            channels=1,
            rate=rate,
            output=True,
            output_device_index=device_index,
            frames_per_buffer=self._period,
            start=False,
        )
        self._latency = self.latency()
        # PortAudio's latency is the buffer less one period.
        self._buffer_frames = round(self._latency * rate) + self._period
        self._stream.start_stream()  # blocking mode: prepared, it starts once written to
        self._thread = threading.Thread(target=self._run, name="audio-output", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Audio was queued, or an interrupt waits: the writer looks now (any thread)."""
        self._wakeup.set()

    def start_now(self) -> None:
        """Audio was queued: if the stream rests, write its start on the calling thread.

        Handing the first write to the writer thread would cost a thread
        switch, which in Python can wait for the caller to let go of the GIL
        (up to 5 ms); the writer carries on from there.
        """
        if not self.live and not self._closing and self._lock.acquire(blocking=False):
            try:
                self._service()
            except OSError as exc:
                self.start_error = str(exc)
            finally:
                self._lock.release()
        self._wakeup.set()

    def stopped_unexpectedly(self) -> bool:
        return False  # a failed write or start is reported through start_error

    def latency(self) -> float:
        try:
            return float(self._stream.get_output_latency())
        except (OSError, AttributeError):
            return 0.0

    def close(self, abort: bool = False) -> None:
        """End the writer and close the stream (``abort`` is implied: nothing plays out)."""
        del abort
        self._closing = True
        self._wakeup.set()
        if self._thread is not threading.current_thread():
            self._thread.join(CLOSE_WAIT_S)
        # A start being written on another thread (start_now) finishes first.
        locked = self._lock.acquire(timeout=CLOSE_WAIT_S)
        try:
            stream, self._stream = self._stream, None
            self.live = False
        finally:
            if locked:
                self._lock.release()
        if stream is not None:
            close_stream(stream, abort=True)

    def abandon(self) -> None:
        """Give up the stream without closing it (see stuck_threads)."""
        self._closing = True
        self._wakeup.set()
        stream, self._stream = self._stream, None
        self.live = False
        if stream is not None:
            abandon(stream)

    # ----- the writer thread ----------------------------------------------------------

    def _run(self) -> None:
        while not self._closing:
            self._wakeup.wait(self._next_wait())
            self._wakeup.clear()
            if self._closing:
                return
            try:
                with self._lock:
                    self._service()
            except OSError as exc:  # the device or the sound server failed
                self.start_error = str(exc)
                self.live = False
                return

    def _next_wait(self) -> float | None:
        if not self.live:
            return None  # asleep until audio is queued
        if self._pending():
            return self._period / self.rate  # room frees a period at a time
        now = time.monotonic()
        rest_at = max(self._audible_until, self._idle_since + self._patience())
        return max(0.001, rest_at - now)

    def _pending(self) -> bool:
        """Audio still to write: queued, or inside the resampler."""
        resampler = self._resampler
        return bool(self._playback.queued_samples() or (resampler and resampler.buffered))

    def _patience(self) -> float:
        return REST_AFTER_S if self._playback.expecting_more() else REST_AFTER_FINISHED_S

    def _service(self) -> None:
        stream = self._stream
        if stream is None:
            return
        now = time.monotonic()
        if self._playback.flush_pending():
            self._flush(stream)
            return
        room = stream.get_write_available()
        if room > 0:
            self.last_callback_time = now
        starting = self._since_prepare < self._period
        written = self._write(stream, room) if room >= self._period or starting else 0
        if written:
            if self._since_prepare < self._period and not self._pending():
                # A blocking stream starts once a period is written: complete it (a short item).
                self._pad(stream, self._period - self._since_prepare)
            self.live = True
            self._idle_since = 0.0
            self._audible_until = now + self._unheard_frames(stream) / self.rate
            return
        if not self.live or self._pending():
            return
        if not self._idle_since:
            self._idle_since = now
            if self._playback.expecting_more() and now >= self._audible_until:
                self.underflows += 1  # the reply ran dry mid-item: a gap was heard
        if now >= self._audible_until and now - self._idle_since >= self._patience():
            self._rest(stream)

    def _unheard_frames(self, stream: Any) -> int:
        """Frames written but not heard yet: what the buffer holds, plus a margin for
        the server's own latency (erring towards "not heard")."""
        free = int(stream.get_write_available())
        return max(0, self._buffer_frames - free) + int(UNHEARD_MARGIN_S * self.rate)

    def _write(self, stream: Any, room: int) -> int:
        """Write queued audio into about ``room`` device frames; returns the frames written."""
        room = max(room, self._period)
        if self._resampler is not None:
            return self._write_resampled(stream, room)
        out = self._chunk[: min(room, len(self._chunk))]
        taken = self._playback.take(out)
        if not taken:
            return 0
        samples = out[:taken]
        self._far_end.write(samples)
        self._device_write(stream, samples.tobytes())
        return taken

    def _write_resampled(self, stream: Any, room: int) -> int:
        """The same through the resampler, whose output comes in bursts: it keeps a FIFO
        at least ``room`` frames deep (or flushed at the end of the audio)."""
        resampler = self._resampler
        assert resampler is not None
        step = self._chunk[: self._period * ENGINE_RATE // self.rate]
        while resampler.buffered < room:
            taken = self._playback.take(step)
            if not taken:
                if not self._playback.expecting_more() and not self._flushed_tail:
                    resampler.push(step[:0], last=True)  # the end: flush the tail
                    self._flushed_tail = True
                break
            self._flushed_tail = False
            self._far_end.write(step[:taken])
            resampler.push(step[:taken])
        frames = resampler.pop(min(room, resampler.buffered))
        if frames is None or not len(frames):
            return 0
        self._device_write(stream, frames.tobytes())
        return len(frames)

    def _device_write(self, stream: Any, data: bytes) -> None:
        # Not exception_on_underflow: PyAudio closes the stream along with the exception.
        stream.write(data, exception_on_underflow=False)
        frames = len(data) // 2
        self.frames += frames
        self._since_prepare += frames

    def _pad(self, stream: Any, frames: int) -> None:
        self._far_end.write_silence(frames * ENGINE_RATE // self.rate)
        self._device_write(stream, bytes(2 * frames))

    def _flush(self, stream: Any) -> None:
        unheard = self._unheard_frames(stream) * ENGINE_RATE // self.rate if self.live else 0
        self._restart(stream)  # drops what the device and the server hold
        self._playback.acknowledge_flush(min(unheard, self._playback.read_pos))

    def _rest(self, stream: Any) -> None:
        self._restart(stream)

    def _restart(self, stream: Any) -> None:
        self.live = False
        self._idle_since = 0.0
        self._since_prepare = 0
        stream.stop_stream()
        stream.start_stream()  # prepared for the next reply
        if self._resampler is not None:
            self._resampler = StreamResampler(ENGINE_RATE, self.rate)
            self._flushed_tail = False


def close_stream(stream: Any, abort: bool) -> None:
    """Stop a PyAudio stream (unless ``abort``: closing a running one aborts it) and close it."""
    try:
        if not abort and not stream.is_stopped():
            stream.stop_stream()
    except OSError:
        pass
    with contextlib.suppress(OSError):
        stream.close()
