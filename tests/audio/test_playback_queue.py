"""The jitter buffer and played-sample accounting, driven like the output callback."""

from __future__ import annotations

import time

import numpy as np

from audio_engine.playback import PlaybackQueue

BUFFER = 480


def ramp(start: int, count: int) -> np.ndarray:
    return (np.arange(start, start + count) % 30000 + 1).astype(np.int16)


def pull(queue: PlaybackQueue) -> np.ndarray:
    out = np.full(BUFFER, -1, dtype=np.int16)
    queue.pull(out)
    return out


def test_starts_with_the_first_buffer_and_counts_what_was_handed_out() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 1000))
    first = pull(queue)
    assert np.array_equal(first, ramp(0, BUFFER))
    assert queue.played_samples("a") == BUFFER
    assert queue.queued_samples() == 1000 - BUFFER


def test_waits_for_at_most_one_buffer_before_starting() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 100))
    assert not pull(queue).any()  # less than a buffer of an unfinished item: wait
    queue.finish("a")
    out = pull(queue)  # a finished item plays its short tail right away
    assert np.array_equal(out[:100], ramp(0, 100)) and not out[100:].any()
    assert queue.played_samples("a") == 100
    assert queue.underruns == 0


def test_underrun_plays_silence_never_stale_audio_and_is_counted() -> None:
    queue = PlaybackQueue(capacity=2000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 700))
    pull(queue)
    gap = pull(queue)  # 220 samples left, item still streaming
    assert np.array_equal(gap[:220], ramp(BUFFER, 220))
    assert not gap[220:].any()
    assert queue.underruns == 1
    # Old ring contents are still in memory; an empty queue must not replay them.
    for _ in range(5):
        assert not pull(queue).any()
    assert queue.underruns == 1  # one starvation episode, counted once
    queue.push("a", ramp(700, 480))
    assert np.array_equal(pull(queue), ramp(700, 480))
    assert queue.played_samples("a") == 1180


def test_the_end_of_a_finished_item_is_not_an_underrun() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 500))
    queue.finish("a")
    pull(queue)
    pull(queue)
    pull(queue)
    assert queue.underruns == 0
    assert queue.take_events() == (["a"], ["a"])


def test_interrupt_cuts_at_what_was_played_and_drops_late_audio() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 5000))
    queue.push("b", ramp(0, 1000))
    pull(queue)
    pull(queue)
    item, played = queue.interrupt(consumer_running=False, ack_timeout=0.1)
    assert (item, played) == ("a", 2 * BUFFER)
    assert queue.queued_samples() == 0
    assert not pull(queue).any()
    assert queue.push("a", ramp(0, 1000)) is False  # a late delta of the cut item
    assert queue.played_samples("a") == 2 * BUFFER
    assert queue.played_samples("b") == 0
    assert queue.push("c", ramp(0, 1000)) is True
    assert pull(queue).any()


def test_interrupt_with_nothing_playing() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    assert queue.interrupt(consumer_running=False, ack_timeout=0.1) == (None, 0)
    queue.push("a", ramp(0, 480))
    queue.finish("a")
    pull(queue)
    assert queue.interrupt(consumer_running=False, ack_timeout=0.1) == (None, 0)
    assert queue.played_samples("a") == 480


def test_a_new_item_finishes_the_previous_one() -> None:
    queue = PlaybackQueue(capacity=24000, prebuffer=BUFFER)
    queue.push("a", ramp(0, 480))
    queue.push("b", ramp(0, 480))
    pull(queue)
    pull(queue)
    started, drained = queue.take_events()
    assert started == ["a", "b"]
    assert drained == ["a"]  # "b" may still be streaming
    queue.finish("b")
    assert queue.take_events() == ([], ["b"])


def test_a_full_buffer_makes_the_producer_wait_and_loses_nothing() -> None:
    import threading

    queue = PlaybackQueue(capacity=1000, prebuffer=BUFFER)
    done = threading.Event()

    def produce() -> None:
        queue.push("a", ramp(0, 3000))
        queue.finish("a")
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    played = []
    deadline = time.monotonic() + 10
    while not (done.is_set() and queue.queued_samples() == 0):
        assert time.monotonic() < deadline, "the producer never finished"
        out = np.zeros(BUFFER, dtype=np.int16)
        taken = queue.pull(out)
        played.append(out[:taken])
        queue.notify_consumed()
    producer.join(timeout=5)
    assert np.array_equal(np.concatenate(played), ramp(0, 3000))


def test_a_full_buffer_with_no_device_is_a_clear_error() -> None:
    queue = PlaybackQueue(capacity=1000, prebuffer=BUFFER)
    queue.close()
    try:
        queue.push("a", ramp(0, 1500), wait_timeout=0.1)
    except BufferError as exc:
        assert "not playing" in str(exc)
    else:
        raise AssertionError("overfilling a stopped queue was accepted")
