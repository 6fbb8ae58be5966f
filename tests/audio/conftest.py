"""Helpers for the audio engine tests: monitor recorders, speech files, a started engine."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.audio.sound_card import MonitorRecorder, PrivateSoundServer
from tests.audio_files import espeak_wav

RATE = 24000
Samples = npt.NDArray[np.int16]


def noise(seconds: float, level: float = 3000.0, seed: int = 7) -> Samples:
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(int(RATE * seconds)) * level
    return np.clip(samples, -32767, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def sound_card(pulse_server: str) -> Iterator[PrivateSoundServer]:
    """A private virtual sound card for one test module; PULSE_SERVER points at it."""
    server = PrivateSoundServer()
    server.start()
    previous = os.environ["PULSE_SERVER"]
    os.environ["PULSE_SERVER"] = server.address  # PortAudio and pa* tools read it at open
    try:
        yield server
    finally:
        os.environ["PULSE_SERVER"] = previous
        server.remove()


@pytest.fixture
def monitor(sound_card: PrivateSoundServer) -> Iterator[MonitorRecorder]:
    recorder = MonitorRecorder.started(timeout=3.0)
    yield recorder
    recorder.stop()


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("speech")
    return espeak_wav(folder / "speech24k.wav", "Hello, this is a test of the microphone.")


@pytest.fixture
def make_engine(sound_card: PrivateSoundServer, qtbot: object) -> Iterator[object]:
    """A factory for started engines; every engine is stopped after the test."""
    from audio_engine import AudioEngine

    engines: list[AudioEngine] = []

    def make(**kwargs: object) -> AudioEngine:
        engine = AudioEngine(**kwargs)
        engines.append(engine)
        engine.start()
        return engine

    yield make
    for engine in engines:
        engine.stop()


class ChunkCollector:
    """Plays the network sender: calls read_chunk from its own thread."""

    def __init__(self, engine: object) -> None:
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
