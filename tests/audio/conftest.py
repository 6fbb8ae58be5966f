"""Fixtures for the audio engine tests: a private sound card, monitor recorders, started engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from audio_engine import AudioEngine
from tests.support.audio_files import espeak_wav
from tests.support.sound_card import MonitorRecorder, PrivateSoundServer, private_sound_server


@pytest.fixture(scope="module")
def sound_card(pulse_server: str) -> Iterator[PrivateSoundServer]:
    """A private virtual sound card for one test module; PULSE_SERVER points at it."""
    with private_sound_server() as server:
        yield server


@pytest.fixture
def private_server(pulse_server: str) -> Iterator[PrivateSoundServer]:
    """A private virtual sound card for one test, which may kill it or change its devices."""
    with private_sound_server() as server:
        yield server


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
def make_engine(
    sound_card: PrivateSoundServer, qtbot: object
) -> Iterator[Callable[..., AudioEngine]]:
    """A factory for started engines; every engine is stopped after the test."""
    engines: list[AudioEngine] = []

    def make(**kwargs: Any) -> AudioEngine:
        engine = AudioEngine(**kwargs)
        engines.append(engine)
        engine.start()
        return engine

    yield make
    for engine in engines:
        engine.stop()
