"""The engine's drain runs on its own thread; its signals still arrive on the engine's."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.audio_signals import noise

pytestmark = pytest.mark.audio


def drain_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "audio-drain"]


def test_signals_arrive_on_the_engine_thread_and_stop_joins_the_drain(make_engine, qtbot) -> None:
    engine = make_engine()
    seen: list[tuple[str, threading.Thread]] = []
    engine.input_level.connect(lambda *_: seen.append(("input", threading.current_thread())))
    engine.output_level.connect(lambda *_: seen.append(("output", threading.current_thread())))
    engine.playback_started.connect(lambda _: seen.append(("started", threading.current_thread())))
    assert len(drain_threads()) == 1
    with qtbot.waitSignal(engine.playback_drained, timeout=5000):
        engine.play("item", noise(0.3).tobytes())
        engine.finish_item("item")
    assert {name for name, _ in seen} >= {"input", "output", "started"}
    assert {thread for _, thread in seen} == {threading.main_thread()}
    engine.stop()
    assert drain_threads() == []
    engine.start()
    assert len(drain_threads()) == 1


def test_a_busy_engine_thread_does_not_pause_the_drain(make_engine, qtbot) -> None:
    engine = make_engine()
    qtbot.wait(200)
    levels: list[float] = []
    engine.output_level.connect(lambda rms, _peak: levels.append(rms))
    engine.play("item", noise(1.0).tobytes())  # a level that moves, tick after tick
    engine.finish_item("item")
    time.sleep(0.7)  # the window is busy: no event processing on this thread
    qtbot.wait(50)
    # A timer on this thread would have fired once after the pause; the drain
    # kept measuring, and its level updates were queued meanwhile.
    assert len(levels) >= 8


def test_a_steady_level_is_repeated_once_a_second_not_every_tick(make_engine, qtbot) -> None:
    engine = make_engine()
    qtbot.wait(300)  # the output rests: its level is steady silence
    levels: list[float] = []
    engine.output_level.connect(lambda rms, _peak: levels.append(rms))
    qtbot.wait(2300)
    assert 1 <= len(levels) <= 4
    assert all(rms == -120.0 for rms in levels)


def test_nothing_queued_before_stop_arrives_after_it(make_engine, qtbot) -> None:
    engine = make_engine()
    qtbot.wait(200)
    late: list[object] = []
    engine.input_level.connect(lambda *args: late.append(args))
    engine.output_level.connect(lambda *args: late.append(args))
    engine.chunk_captured.connect(late.append)
    time.sleep(0.3)  # signals queue up for this thread
    engine.stop()
    qtbot.wait(200)
    assert late == []
    assert not engine.running
