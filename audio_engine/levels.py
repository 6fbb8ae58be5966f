"""Signal levels in dBFS and a detector for a dead (silent or stuck) input."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from audio_engine.ring import SampleRing

FULL_SCALE = 32768.0
SILENCE_DBFS = -120.0


def rms_dbfs(samples: npt.NDArray[np.int16]) -> float:
    if len(samples) == 0:
        return SILENCE_DBFS
    mean_square = float(np.mean(np.square(samples, dtype=np.float64)))
    if mean_square <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10.0 * math.log10(mean_square / (FULL_SCALE * FULL_SCALE)))


def peak_dbfs(samples: npt.NDArray[np.int16]) -> float:
    if len(samples) == 0:
        return SILENCE_DBFS
    peak = int(np.max(np.abs(samples.astype(np.int32))))
    if peak == 0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(peak / FULL_SCALE))


class DeadInputDetector:
    """Reports when the input has been constant (all zeros, or stuck) for a while.

    A real microphone always carries some noise, so a run of identical samples
    this long means a muted hardware switch, a disconnected device or a broken
    driver. ``feed`` returns True/False when the verdict changes, else None.
    """

    def __init__(self, sample_rate: int, after_seconds: float = 2.0) -> None:
        self._limit = int(sample_rate * after_seconds)
        self._constant_run = 0
        self._last_value: int | None = None
        self.is_dead = False

    def reset(self) -> None:
        self._constant_run = 0
        self._last_value = None
        self.is_dead = False

    def feed(self, samples: npt.NDArray[np.int16]) -> bool | None:
        if len(samples) == 0:
            return None
        first = int(samples[0])
        constant = bool(np.all(samples == first))
        if constant and (self._last_value is None or self._last_value == first):
            self._constant_run += len(samples)
        elif constant:
            self._constant_run = len(samples)
        else:
            changes = np.flatnonzero(samples != samples[-1])
            self._constant_run = len(samples) - 1 - int(changes[-1])
        self._last_value = int(samples[-1])
        dead = self._constant_run >= self._limit
        if dead != self.is_dead:
            self.is_dead = dead
            return dead
        return None


class LevelWindow:
    """Accumulates RMS and peak between two meter updates, without keeping samples."""

    def __init__(self) -> None:
        self._sum_squares = 0.0
        self._count = 0
        self._peak = 0

    def add(self, samples: npt.NDArray[np.int16]) -> None:
        if len(samples) == 0:
            return
        # float32 is exact enough for a meter and lets the dot product use BLAS.
        wide = samples.astype(np.float32)
        self._sum_squares += float(np.dot(wide, wide))
        self._count += len(samples)
        self._peak = max(self._peak, int(samples.max()), -int(samples.min()))

    def take(self) -> tuple[float, float] | None:
        """(RMS dBFS, peak dBFS) since the last call, or None if nothing was added."""
        if self._count == 0:
            return None
        mean_square = self._sum_squares / self._count
        rms = (
            max(SILENCE_DBFS, 10.0 * math.log10(mean_square / FULL_SCALE**2))
            if mean_square > 0
            else SILENCE_DBFS
        )
        peak = (
            max(SILENCE_DBFS, 20.0 * math.log10(self._peak / FULL_SCALE))
            if self._peak
            else SILENCE_DBFS
        )
        self._sum_squares, self._count, self._peak = 0.0, 0, 0
        return rms, peak


def ring_tail_dbfs(ring: SampleRing, count: int) -> float:
    """RMS in dBFS of the newest ``count`` samples of ``ring`` (any thread); -120 if empty."""
    end = ring.write_pos
    start = max(ring.oldest_pos, end - count)
    if end <= start:
        return -120.0
    tail = ring.read(start, end - start).astype(np.float64)
    return float(10 * np.log10(np.mean(tail * tail) / 32768.0**2 + 1e-12))


class LevelThrottle:
    """Lets a level through when it moved by a whole dB, or once a ``heartbeat``.

    Meters draw whole dB, so a steady level (a silent microphone, a resting
    speaker) need not cross threads 30 times a second.
    """

    def __init__(self, heartbeat: float = 1.0) -> None:
        self._heartbeat = heartbeat
        self._last: tuple[int, int] | None = None
        self._last_at = 0.0

    def should_send(self, rms: float, peak: float, now: float) -> bool:
        rounded = (round(rms), round(peak))
        if rounded == self._last and now - self._last_at < self._heartbeat:
            return False
        self._last, self._last_at = rounded, now
        return True
