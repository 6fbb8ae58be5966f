"""The Audio panel's test tone, through a real output stream to the virtual speaker."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from audio_engine import AudioEngine
from desktop.audio.checks import AudioChecks, tone_pcm
from tests.support.audio_files import find_exact
from tests.support.sound_card import MonitorRecorder

pytestmark = pytest.mark.audio


@pytest.fixture
def audio(qtbot: QtBot, pulse_server: str) -> Iterator[AudioEngine]:
    engine = AudioEngine(chunk_ms=20)
    engine.start()
    yield engine
    engine.stop()


def test_test_tone_reaches_the_speaker(qtbot: QtBot, audio: AudioEngine) -> None:
    checks = AudioChecks()
    checks.audio = audio
    statuses: list[str] = []
    checks.status.connect(statuses.append)
    sink = MonitorRecorder.started()
    try:
        checks.play_tone()
        qtbot.waitUntil(lambda: not audio.is_playing, timeout=5000)
        qtbot.wait(200)
    finally:
        recorded = sink.stop()
    tone = np.frombuffer(tone_pcm(), dtype="<i2")
    assert find_exact(recorded, tone[2400:]) >= 0, "the tone was heard sample-exactly"
    assert statuses and "tone" in statuses[0]


def test_mic_check_without_an_engine_explains() -> None:
    checks = AudioChecks()
    statuses: list[str] = []
    checks.status.connect(statuses.append)
    checks.start_mic_check()
    checks.play_tone()
    assert statuses == ["No microphone is open.", "No speaker is open."]
