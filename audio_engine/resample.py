"""Streaming sample-rate conversion for devices that refuse 24 kHz, and for G.711's 8 kHz.

``soxr.ResampleStream`` keeps its filter state between calls, so chunk seams are
inaudible, but its output is bursty: it may return nothing for a few chunks and
then a large block. ``StreamResampler`` wraps it with a FIFO so callers can ask
for exactly the number of output samples they need.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt
import soxr

Samples = npt.NDArray[np.int16]


class StreamResampler:
    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} and {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._passthrough = in_rate == out_rate
        self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16", quality=quality)
        self._fifo: deque[Samples] = deque()
        self._fifo_len = 0

    @property
    def buffered(self) -> int:
        """Output samples ready in the FIFO."""
        return self._fifo_len

    def process(self, samples: Samples, last: bool = False) -> Samples:
        """Resample a chunk and return whatever output is ready now (FIFO bypassed)."""
        if self._passthrough:
            return np.asarray(samples, dtype=np.int16)
        out = self._stream.resample_chunk(np.asarray(samples, dtype=np.int16), last=last)
        return np.asarray(out, dtype=np.int16)

    def push(self, samples: Samples, last: bool = False) -> None:
        """Feed input; the output collects in the FIFO."""
        out = self.process(samples, last=last)
        if len(out):
            self._fifo.append(out)
            self._fifo_len += len(out)

    def pop(self, count: int) -> Samples | None:
        """Exactly ``count`` output samples, or None while fewer are buffered."""
        if count > self._fifo_len:
            return None
        return self._take(count)

    def pop_all(self) -> Samples:
        return self._take(self._fifo_len)

    def _take(self, count: int) -> Samples:
        out: Samples = np.empty(count, dtype=np.int16)
        filled = 0
        while filled < count:
            head = self._fifo[0]
            used = min(len(head), count - filled)
            out[filled : filled + used] = head[:used]
            if used == len(head):
                self._fifo.popleft()
            else:
                self._fifo[0] = head[used:]
            filled += used
        self._fifo_len -= count
        return out

    def reset(self) -> None:
        self._stream = soxr.ResampleStream(
            self.in_rate, self.out_rate, 1, dtype="int16", quality="HQ"
        )
        self._fifo.clear()
        self._fifo_len = 0
