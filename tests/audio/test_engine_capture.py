"""Capture from the virtual microphone through real PortAudio."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio_files import read_wav_samples, write_wav
from tests.support.audio_signals import ChunkCollector, best_alignment, noise

pytestmark = pytest.mark.audio


def wait_until_capturing(engine) -> None:
    """A fresh stream's first callbacks can lag; start the test once audio flows."""
    assert engine.read_chunk(5.0) is not None
    engine.discard_captured()


def play_into_mic(wav: Path) -> None:
    subprocess.run(
        ["paplay", "-d", "parley_micfeed", str(wav)], check=True, capture_output=True, timeout=30
    )


@pytest.mark.parametrize("chunk_ms", [20, 10])
def test_speech_reaches_the_sender_intact(make_engine, speech_wav: Path, qtbot, chunk_ms) -> None:
    engine = make_engine(chunk_ms=chunk_ms)
    wait_until_capturing(engine)
    collector = ChunkCollector(engine)
    play_into_mic(speech_wav)
    qtbot.wait(300)
    captured = collector.stop()
    sizes = [len(chunk) for _, chunk in collector.chunks]
    # Whole 10 ms blocks: a chunk, shorter where speech sets in, up to 100 ms
    # after seconds of quiet.
    assert all(size % 480 == 0 and 0 < size <= 4800 for size in sizes)
    assert sizes.count(chunk_ms * 48) > len(sizes) // 2
    speech = read_wav_samples(speech_wav)
    lag, correlation = best_alignment(captured, speech)
    assert correlation > 0.99
    assert lag >= 0


def test_chunk_captured_signal_carries_the_same_audio(make_engine, qtbot, tmp_path) -> None:
    engine = make_engine()
    chunks: list[bytes] = []
    wait_until_capturing(engine)
    engine.chunk_captured.connect(chunks.append)
    burst = noise(0.5, seed=3)
    play_into_mic(write_wav(tmp_path / "burst.wav", burst))
    qtbot.wait(300)
    assert chunks and {len(chunk) for chunk in chunks} == {960}
    recorded = np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.int16)
    _, correlation = best_alignment(recorded, burst)
    assert correlation > 0.99


def test_muted_and_push_to_talk_deliver_nothing(make_engine, qtbot) -> None:
    engine = make_engine()
    signalled: list[bytes] = []
    engine.chunk_captured.connect(signalled.append)
    for close_gate, open_gate in (
        (lambda: engine.set_muted(True), lambda: engine.set_muted(False)),
        (lambda: engine.set_capture_enabled(False), lambda: engine.set_capture_enabled(True)),
    ):
        close_gate()
        qtbot.wait(100)
        engine.discard_captured()
        signalled.clear()
        qtbot.wait(300)
        assert engine.read_chunk(0.2) is None
        assert signalled == []
        open_gate()
        assert engine.read_chunk(2.0) is not None


def test_a_silent_input_is_reported_and_recovers(make_engine, qtbot, tmp_path) -> None:
    engine = make_engine()
    # Nothing plays into the virtual microphone, so it delivers exact zeros.
    with qtbot.waitSignal(engine.silent_input_changed, timeout=5000) as detected:
        pass
    assert detected.args == [True]
    wav = write_wav(tmp_path / "noise.wav", noise(0.5))
    with qtbot.waitSignal(engine.silent_input_changed, timeout=5000) as recovered:
        play_into_mic(wav)
    assert recovered.args == [False]


def test_input_level_follows_the_microphone(make_engine, qtbot, tmp_path) -> None:
    engine = make_engine()
    wait_until_capturing(engine)
    levels: list[tuple[float, float]] = []
    engine.input_level.connect(lambda rms, peak: levels.append((rms, peak)))
    play_into_mic(write_wav(tmp_path / "noise.wav", noise(1.0, level=3000)))
    qtbot.wait(100)
    expected = 20 * np.log10(3000 / 32768)
    assert any(abs(rms - expected) < 1.5 for rms, _ in levels)
    assert all(peak >= rms for rms, peak in levels)


def test_on_demand_capture_runs_only_while_asked_for(make_engine, qtbot, tmp_path) -> None:
    engine = make_engine(capture_on_demand=True)
    assert engine.running and not engine.capturing
    assert engine.read_chunk(0.3) is None
    engine.want_capture("test", True)
    assert engine.capturing
    assert engine.read_chunk(2.0) is not None
    engine.want_capture("other", True)
    engine.want_capture("test", False)
    assert engine.capturing  # someone still asks
    engine.want_capture("other", False)
    assert not engine.capturing
    engine.discard_captured()
    assert engine.read_chunk(0.3) is None


def test_a_speech_onset_leaves_before_its_chunk_is_full(make_engine, qtbot, tmp_path) -> None:
    engine = make_engine(chunk_ms=20)
    wait_until_capturing(engine)
    collector = ChunkCollector(engine)
    quiet_then_loud = np.concatenate([np.zeros(24000 // 2, np.int16), noise(0.3, level=4000)])
    play_into_mic(write_wav(tmp_path / "onset.wav", quiet_then_loud))
    qtbot.wait(300)
    collector.stop()
    first_loud = next(
        samples
        for _, chunk in collector.chunks
        if (samples := np.abs(np.frombuffer(chunk, dtype="<i2").astype(np.int32))).max() > 1000
    )
    # The chunk goes out with the block where the noise sets in, not a block later.
    onset = int(np.flatnonzero(first_loud > 1000)[0])
    assert len(first_loud) - onset <= 240


def _wake_ups() -> int:
    """Voluntary context switches of every thread of this process so far."""
    total = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:
            continue
        total += next(
            int(line.split()[1])
            for line in status.splitlines()
            if line.startswith("voluntary_ctxt_switches")
        )
    return total


def test_an_engine_at_rest_wakes_almost_nothing(make_engine, qtbot) -> None:
    engine = make_engine(capture_on_demand=True)
    qtbot.wait(500)  # the drain's last tick, then it sleeps
    before = _wake_ups()
    qtbot.wait(1000)
    at_rest = _wake_ups() - before
    engine.want_capture("test", True)
    qtbot.wait(300)
    before = _wake_ups()
    qtbot.wait(1000)
    capturing = _wake_ups() - before
    engine.want_capture("test", False)
    # Capturing wakes the callback and the sound server's client about a hundred
    # times a second; at rest only the test's own event loop runs.
    assert capturing > 100
    assert at_rest < capturing / 10
