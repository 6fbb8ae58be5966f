"""Test signals for the audio engine and how to find them again in a recording."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import numpy as np
import numpy.typing as npt

RATE = 24000
Samples = npt.NDArray[np.int16]


def noise(seconds: float, level: float = 3000.0, seed: int = 7) -> Samples:
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(int(RATE * seconds)) * level
    return np.clip(samples, -32767, 32767).astype(np.int16)


class ChunkSource(Protocol):
    def read_chunk(self, timeout: float) -> bytes | None: ...


class ChunkCollector:
    """Plays the network sender: calls read_chunk from its own thread."""

    def __init__(self, engine: ChunkSource) -> None:
        self._engine = engine
        self.chunks: list[tuple[float, bytes]] = []
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._running:
            chunk = self._engine.read_chunk(0.1)
            if chunk is not None:
                self.chunks.append((time.monotonic(), chunk))

    def stop(self) -> Samples:
        self._running = False
        self._thread.join(timeout=5)
        data = b"".join(chunk for _, chunk in self.chunks)
        return np.frombuffer(data, dtype="<i2").astype(np.int16)


def best_alignment(recorded: Samples, reference: Samples) -> tuple[int, float]:
    """Lag of ``reference`` inside ``recorded`` and the normalized correlation there."""
    rec = recorded.astype(np.float64)
    ref = reference.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(rec) + len(ref))))
    spectrum = np.fft.rfft(rec, size) * np.conj(np.fft.rfft(ref, size))
    scores = np.fft.irfft(spectrum, size)[: len(rec) - len(ref) + 1]
    lag = int(np.argmax(scores))
    segment = rec[lag : lag + len(ref)]
    denominator = np.linalg.norm(segment) * np.linalg.norm(ref)
    return lag, float(np.dot(segment, ref) / denominator) if denominator else 0.0
