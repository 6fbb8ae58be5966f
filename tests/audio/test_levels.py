"""Level meters and the dead-input detector."""

from __future__ import annotations

import numpy as np
import pytest

from audio_engine.levels import SILENCE_DBFS, DeadInputDetector, peak_dbfs, rms_dbfs


def test_full_scale_square_wave_is_zero_dbfs() -> None:
    square = np.array([32767, -32768] * 100, dtype=np.int16)
    assert rms_dbfs(square) == pytest.approx(0.0, abs=0.01)
    assert peak_dbfs(square) == pytest.approx(0.0, abs=0.01)


def test_half_scale_sine_levels() -> None:
    sine = (np.sin(np.arange(2400) * 2 * np.pi / 48) * 16384).astype(np.int16)
    assert rms_dbfs(sine) == pytest.approx(-9.03, abs=0.05)
    assert peak_dbfs(sine) == pytest.approx(-6.02, abs=0.05)


def test_silence_is_the_floor() -> None:
    zeros = np.zeros(100, dtype=np.int16)
    assert rms_dbfs(zeros) == peak_dbfs(zeros) == SILENCE_DBFS


def test_dead_input_after_two_seconds_of_constant_samples() -> None:
    detector = DeadInputDetector(sample_rate=1000, after_seconds=2.0)
    stuck = np.full(500, 12, dtype=np.int16)
    verdicts = [detector.feed(stuck) for _ in range(4)]
    assert verdicts == [None, None, None, True]
    noisy = np.array([0, 1, -1, 2] * 50, dtype=np.int16)
    assert detector.feed(noisy) is False
    assert detector.feed(noisy) is None


def test_a_constant_run_spanning_chunks_is_counted_across_the_seam() -> None:
    detector = DeadInputDetector(sample_rate=1000, after_seconds=1.0)
    lively_then_zero = np.concatenate([np.arange(1, 101), np.zeros(900)]).astype(np.int16)
    assert detector.feed(lively_then_zero) is None
    assert detector.feed(np.zeros(150, dtype=np.int16)) is True


def test_level_window_matches_the_one_shot_levels() -> None:
    from audio_engine.levels import LevelWindow

    rng = np.random.default_rng(5)
    samples = (rng.standard_normal(4800) * 3000).astype(np.int16)
    window = LevelWindow()
    assert window.take() is None
    for part in np.split(samples, 10):
        window.add(part)
    levels = window.take()
    assert levels is not None
    rms, peak = levels
    assert rms == pytest.approx(rms_dbfs(samples), abs=1e-4)  # float32 sums
    assert peak == pytest.approx(peak_dbfs(samples), abs=1e-9)
    assert window.take() is None


def test_level_throttle_passes_whole_db_moves_and_a_heartbeat() -> None:
    from audio_engine.levels import LevelThrottle

    throttle = LevelThrottle(heartbeat=1.0)
    assert throttle.should_send(-120.0, -120.0, now=10.0)
    assert not throttle.should_send(-120.0, -120.0, now=10.5)
    assert throttle.should_send(-120.0, -120.0, now=11.01)
    assert throttle.should_send(-30.2, -20.0, now=11.02)
    assert not throttle.should_send(-30.4, -20.1, now=11.05)  # the same whole dB
    assert throttle.should_send(-31.6, -20.1, now=11.08)
