"""The capture ring: written by the input callback, read by the sender and the drain thread.

The callback appends 10 ms blocks and, when the sender should look, pokes a
non-blocking pipe; it never takes a lock. One reader (the network sender) may
block in ``read_chunk`` on that pipe with ``select``, so it wakes without
polling and without the GUI thread. The callback pokes it once a chunk is
complete, and at once for the first block after capture (re)starts and for
the first loud block after a quiet one (a speech onset), so that speech leaves
for the wire within a block of reaching the microphone while a steady stream
costs one wake-up per chunk. After a few seconds without a loud block (nobody
talks, or the assistant does) the chunks grow to ``QUIET_CHUNK``: the server
has long decided that the turn is over, an onset is still handed over at once,
and a steady quiet stream costs a tenth of the wake-ups (and of the appends).
Other readers (the drain thread) poll every tick.
A reader that falls further behind than the ring holds skips to the oldest
audio still there and counts what it lost.
"""

from __future__ import annotations

import contextlib
import os
import select

import numpy as np
import numpy.typing as npt

from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]
BLOCK = 240  # 10 ms at 24 kHz: what the sender is handed at least, and echo cancellation's frame
ONSET_PEAK = 300  # about -40 dBFS: a block this loud after a quiet one is handed over at once
QUIET_CHUNK = 10 * BLOCK  # 100 ms: the chunk once it has been quiet for QUIET_AFTER_BLOCKS
QUIET_AFTER_BLOCKS = 300  # 3 s, longer than any turn detection's silence window


class CaptureRing:
    def __init__(self, capacity: int, chunk: int = 2 * BLOCK) -> None:
        self.ring = SampleRing(capacity)
        self.chunk = chunk
        # Where the blocking reader stands (it publishes this; the callback compares).
        self.handed_pos = 0
        self._fresh = True
        self._was_loud = False
        self._quiet_blocks = 0
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.closed = False
        self._reader_woken = False
        # (capture write_pos, far-end write_pos) when the newest block arrived:
        # when each captured sample was recorded, in far-end positions (echo.py).
        # One tuple, so a reader on another thread never sees half an update.
        self.far_anchor: tuple[int, int] | None = None

    @property
    def write_pos(self) -> int:
        return self.ring.write_pos

    def restart(self) -> None:
        """Capture starts again: its first block goes to the reader at once."""
        self._fresh = True
        self._quiet_blocks = 0
        self.quiet = False

    def push(self, samples: Samples, far_write_pos: int | None = None) -> None:
        """Append captured samples (input callback only), noting the far end's position.

        Wakes the blocking reader when a chunk is complete, or at once for
        the first block after a restart and for an onset (see the module).
        """
        self.ring.write(samples)
        if far_write_pos is not None:
            self.far_anchor = (self.ring.write_pos, far_write_pos)
        # Two reductions over one block, no allocation: cheap enough for the callback.
        loud = len(samples) > 0 and (
            int(samples.max()) > ONSET_PEAK or int(samples.min()) < -ONSET_PEAK
        )
        onset, self._was_loud = loud and not self._was_loud, loud
        self._quiet_blocks = 0 if loud else self._quiet_blocks + 1
        self.quiet = self._quiet_blocks > QUIET_AFTER_BLOCKS
        due = QUIET_CHUNK if self.quiet else self.chunk
        if self._fresh or onset or self.ring.write_pos - self.handed_pos >= due:
            self._fresh = False
            self.wake()

    def wake(self) -> None:
        # Plain try/except: this runs in the audio callback, where even the
        # small context-manager object of contextlib.suppress is avoidable.
        try:  # noqa: SIM105
            os.write(self._wake_write, b"\0")
        except OSError:
            pass  # A full pipe already guarantees a wake-up.

    def wake_reader(self) -> None:
        """End the blocking reader's current wait early, with or without audio."""
        self._reader_woken = True
        self.wake()

    def take_reader_wake(self) -> bool:
        woken, self._reader_woken = self._reader_woken, False
        return woken

    def wait(self, timeout: float) -> None:
        """Sleep until the writer pokes the pipe or ``timeout`` passes."""
        if self.closed:
            return
        try:
            ready, _, _ = select.select([self._wake_read], [], [], max(0.0, timeout))
            if ready:
                os.read(self._wake_read, 4096)
        except (OSError, ValueError):
            return

    def close(self) -> None:
        """Wake any waiting reader for good; the pipe closes with the object.

        Closing the descriptors here could race with a reader inside select()
        on another thread, and a reused descriptor number would then be read
        by mistake.
        """
        self.closed = True
        self.wake()

    def __del__(self) -> None:
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def reader(self) -> CaptureReader:
        return CaptureReader(self)


class CaptureReader:
    def __init__(self, source: CaptureRing) -> None:
        self._source = source
        self.pos = source.write_pos
        self.lost_samples = 0

    @property
    def quiet(self) -> bool:
        """The microphone has had no loud block for a few seconds (see the module)."""
        return self._source.quiet

    def skip_to_now(self) -> None:
        self.pos = self._source.write_pos
        self._source.handed_pos = self.pos

    def available(self) -> int:
        return self._source.write_pos - self.pos

    def _catch_up(self) -> None:
        oldest = self._source.ring.oldest_pos
        if self.pos < oldest:
            self.lost_samples += oldest - self.pos
            self.pos = oldest

    def read(self, count: int) -> Samples | None:
        """Exactly ``count`` samples if that many are waiting, else None."""
        self._catch_up()
        if self.available() < count:
            return None
        out = self._source.ring.read(self.pos, count)
        self.pos += count
        return out

    def read_whole(self, unit: int) -> Samples:
        """As many whole ``unit``-sample chunks as are waiting, in one block (maybe empty)."""
        self._catch_up()
        count = self.available() // unit * unit
        out = self._source.ring.read(self.pos, count)
        self.pos += count
        return out

    def read_all(self, limit: int | None = None) -> Samples:
        self._catch_up()
        count = self.available() if limit is None else min(limit, self.available())
        out = self._source.ring.read(self.pos, count)
        self.pos += count
        return out

    def read_blocking(self, count: int, timeout: float) -> Samples | None:
        """Up to ``count`` samples in whole blocks, waiting up to ``timeout`` seconds.

        Returns ``count`` samples once that many are waiting, or fewer (whole
        blocks) when the writer wakes this reader early (see the module) or
        when ``timeout`` is 0. Returns None when nothing is waiting: at the
        timeout, after ``CaptureRing.wake_reader`` (the reader has other
        work), or when the ring is closed.
        """
        import time

        source = self._source
        deadline = time.monotonic() + timeout
        woken = timeout <= 0
        while True:
            self._catch_up()
            available = self.available()
            if available >= count or (woken and available >= BLOCK):
                chunk = self.read(min(count, available // BLOCK * BLOCK))
                source.handed_pos = self.pos
                return chunk
            remaining = deadline - time.monotonic()
            if remaining <= 0 or source.closed or source.take_reader_wake():
                return None
            source.wait(remaining)
            woken = True
