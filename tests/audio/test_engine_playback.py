"""Playback through real PortAudio into the PulseAudio null sink, checked at its monitor."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.support.audio_files import find_exact
from tests.support.audio_signals import RATE, noise
from tests.support.sound_card import MonitorRecorder

pytestmark = pytest.mark.audio


def test_audio_comes_back_bit_exact_and_the_played_count_matches(
    make_engine, monitor: MonitorRecorder, qtbot
) -> None:
    engine = make_engine()
    sent = noise(1.0)
    started: list[str] = []
    engine.playback_started.connect(started.append)
    with qtbot.waitSignal(engine.playback_drained, timeout=5000) as drained:
        engine.play("item_a", sent.tobytes())
        engine.finish_item("item_a")
    assert drained.args == ["item_a"]
    assert started == ["item_a"]
    assert engine.played_samples("item_a") == len(sent)
    assert engine.played_ms("item_a") == 1000
    qtbot.wait(300)
    heard = monitor.stop()
    start = find_exact(heard, sent)
    assert start >= 0, "the sent audio never reached the sink monitor"
    assert np.array_equal(heard[start : start + len(sent)], sent)
    assert not heard[start + len(sent) : start + len(sent) + RATE // 10].any()
    assert not engine.is_playing and engine.queued_ms() == 0


def test_interrupt_silences_the_sink_at_once_and_reports_what_was_heard(
    make_engine, monitor: MonitorRecorder, qtbot
) -> None:
    engine = make_engine()
    sent = noise(3.0, seed=11)
    with qtbot.waitSignal(engine.playback_started, timeout=5000):
        engine.play("item_b", sent.tobytes())
        engine.finish_item("item_b")
    assert engine.queued_ms() > 1500
    qtbot.wait(500)
    began = time.monotonic()
    item_id, played_ms = engine.interrupt()
    took = time.monotonic() - began
    played = engine.played_samples("item_b")
    assert item_id == "item_b"
    assert played_ms == played * 1000 // RATE
    assert 300 <= played_ms <= 2500
    assert took < 0.5  # bounded by one buffer plus scheduling noise
    assert engine.queued_ms() == 0
    assert engine.play("item_b", sent.tobytes()) is False  # late deltas are dropped
    qtbot.wait(400)
    heard = monitor.stop()
    start = find_exact(heard, sent)
    assert start >= 0
    # The device dropped what it still held: the sink carries the reported
    # samples, at most a few milliseconds more (the latency estimate errs
    # towards "not heard"), then silence.
    assert np.array_equal(heard[start : start + played], sent[:played])
    extra = int(np.argmax(heard[start + played :] != sent[played : len(heard) - start]))
    assert 0 <= extra <= RATE * 15 // 1000
    assert np.array_equal(
        heard[start + played : start + played + extra], sent[played : played + extra]
    )
    assert not heard[start + played + extra : start + played + extra + RATE // 4].any()
    assert engine.played_samples("item_b") == played


def test_the_output_rests_when_idle_and_a_new_reply_starts_whole(
    make_engine, monitor: MonitorRecorder, qtbot
) -> None:
    engine = make_engine()
    qtbot.waitUntil(lambda: not engine.output_running, timeout=3000)
    resting_frames = engine.output_frames
    qtbot.wait(300)
    assert engine.output_frames == resting_frames  # no callbacks while nothing plays
    sent = noise(0.3, seed=21)
    with qtbot.waitSignal(engine.playback_drained, timeout=5000):
        engine.play("item_r", sent.tobytes())
        engine.finish_item("item_r")
    assert engine.output_frames > resting_frames
    qtbot.waitUntil(lambda: not engine.output_running, timeout=3000)
    heard = monitor.stop()
    start = find_exact(heard, sent)
    assert start >= 0, "the reply's first samples were cut"
    assert np.array_equal(heard[start : start + len(sent)], sent)


def test_an_underrun_plays_silence_and_is_counted(
    make_engine, monitor: MonitorRecorder, qtbot
) -> None:
    engine = make_engine()
    first, second = noise(0.2, seed=1), noise(0.2, seed=2)
    with qtbot.waitSignal(engine.xruns_changed, timeout=3000) as xruns:
        engine.play("item_c", first.tobytes())
    assert xruns.args[1] >= 1
    qtbot.wait(300)
    with qtbot.waitSignal(engine.playback_drained, timeout=3000):
        engine.play("item_c", second.tobytes())
        engine.finish_item("item_c")
    qtbot.wait(200)
    heard = monitor.stop()
    first_at, second_at = find_exact(heard, first), find_exact(heard, second)
    assert first_at >= 0 and second_at >= 0
    assert np.array_equal(heard[first_at : first_at + len(first)], first)
    gap = heard[first_at + len(first) : second_at]
    assert len(gap) >= RATE // 5 and not gap.any()  # silence, never stale audio
    assert np.array_equal(heard[second_at : second_at + len(second)], second)
    assert engine.played_samples("item_c") == len(first) + len(second)
    assert engine.output_underruns >= 1


def test_output_level_is_reported_at_most_30_times_a_second(make_engine, qtbot) -> None:
    engine = make_engine()
    levels: list[tuple[float, float]] = []
    engine.output_level.connect(lambda rms, peak: levels.append((rms, peak)))
    engine.play("item_d", noise(1.5, level=3000).tobytes())
    engine.finish_item("item_d")
    qtbot.wait(1000)
    assert 10 <= len(levels) <= 32
    loud = [rms for rms, _ in levels if rms > -60]
    assert loud and all(abs(rms - 20 * np.log10(3000 / 32768)) < 1.5 for rms in loud[1:-1])


def test_bursty_delivery_from_another_thread_plays_seamlessly(
    make_engine, monitor: MonitorRecorder, qtbot
) -> None:
    import threading

    engine = make_engine()
    sent = noise(2.0, seed=21)
    deltas = np.array_split(sent, 40)  # 50 ms deltas, like a server's output audio

    def receiver() -> None:
        for index, delta in enumerate(deltas):
            engine.play("item_e", delta.tobytes())
            if index % 8 == 7:
                time.sleep(0.25)  # a burst of 400 ms, then a pause shorter than that
        engine.finish_item("item_e")

    thread = threading.Thread(target=receiver)
    with qtbot.waitSignal(engine.playback_drained, timeout=8000):
        thread.start()
    thread.join()
    qtbot.wait(200)
    heard = monitor.stop()
    start = find_exact(heard, sent)
    assert start >= 0
    assert np.array_equal(heard[start : start + len(sent)], sent)
    assert engine.output_underruns == 0
    assert engine.played_samples("item_e") == len(sent)


def test_a_stopped_engine_drops_what_was_queued_and_refuses_more(make_engine, qtbot) -> None:
    engine = make_engine()
    two_seconds = np.zeros(48000, dtype=np.int16).tobytes()
    assert engine.play("item_1", two_seconds)
    assert engine.is_playing
    engine.stop()  # as after a device error
    assert not engine.is_playing  # nothing reads as still playing, so turns can end
    assert engine.play("item_2", two_seconds) is False  # dropped, not queued forever
    engine.start()
    assert engine.play("item_3", two_seconds)
