"""A preallocated int16 sample ring addressed by absolute sample positions.

One writer advances ``write_pos``; readers keep their own absolute positions.
Positions only grow, so a reader can tell how far behind it is and whether the
writer has already overwritten what it wanted (``oldest_pos``). The writer
publishes ``write_pos`` only after the samples are in place, which is what lets
a PortAudio callback and another thread share it without a lock.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]


class SampleRing:
    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("ring capacity must be positive")
        self.capacity = capacity
        # Touch every page now, so memory use is flat from the start instead of
        # growing until the writer first wraps around.
        self._buffer: Samples = np.empty(capacity, dtype=np.int16)
        self._buffer.fill(0)
        self.write_pos = 0

    @property
    def oldest_pos(self) -> int:
        """The oldest absolute position still held."""
        return max(0, self.write_pos - self.capacity)

    def write(self, samples: Samples) -> None:
        """Append samples (writer thread only)."""
        count = len(samples)
        if count == 0:
            return
        if count > self.capacity:
            samples = samples[-self.capacity :]
        stored = len(samples)
        start = (self.write_pos + count - stored) % self.capacity
        first = min(stored, self.capacity - start)
        self._buffer[start : start + first] = samples[:first]
        if first < stored:
            self._buffer[: stored - first] = samples[first:]
        self.write_pos += count

    def write_silence(self, count: int) -> None:
        """Append ``count`` zero samples (writer thread only)."""
        start = self.write_pos % self.capacity
        count_kept = min(count, self.capacity)
        first = min(count_kept, self.capacity - start)
        self._buffer[start : start + first] = 0
        if first < count_kept:
            self._buffer[: count_kept - first] = 0
        self.write_pos += count

    def copy_out(self, pos: int, out: Samples) -> None:
        """Copy ``len(out)`` samples starting at absolute ``pos`` into ``out``.

        The caller makes sure the range is written and not yet overwritten.
        """
        count = len(out)
        start = pos % self.capacity
        first = min(count, self.capacity - start)
        out[:first] = self._buffer[start : start + first]
        if first < count:
            out[first:] = self._buffer[: count - first]

    def read(self, pos: int, count: int) -> Samples:
        out: Samples = np.empty(count, dtype=np.int16)
        self.copy_out(pos, out)
        return out
