"""Echo cancellation measured live: a PulseAudio loopback plays the speaker into the mic."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audio_engine.echo import EchoMode, echo_cancellation_wanted
from tests.audio.conftest import (
    RATE,
    ChunkCollector,
    MonitorRecorder,
    PrivateSoundServer,
    read_wav_samples,
)


def test_auto_mode_skips_headsets() -> None:
    assert echo_cancellation_wanted("auto", "default")
    assert not echo_cancellation_wanted(EchoMode.AUTO, "USB Headset Mono")
    assert echo_cancellation_wanted("on", "Jabra Headset")
    assert not echo_cancellation_wanted("off", "Laptop speakers")
    with pytest.raises(ValueError):
        echo_cancellation_wanted("maybe", None)


@pytest.fixture(scope="module")
def far_speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    folder = tmp_path_factory.mktemp("far")
    text = (
        "The quick brown fox jumps over the lazy dog. Echo cancellation removes what the "
        "speaker plays from what the microphone hears, so the assistant does not answer itself."
    )
    raw, wav = folder / "raw.wav", folder / "far.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb+f3", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav)], check=True)
    speech = read_wav_samples(Path(wav)).astype(np.float64)
    # Scale to about -20 dBFS RMS, like assistant speech.
    speech *= 10 ** (-20 / 20) * 32768 / np.sqrt(np.mean(speech**2))
    return np.clip(speech, -32767, 32767).astype(np.int16)


@pytest.fixture
def room(sound_card: PrivateSoundServer) -> Iterator[None]:
    """A loopback from the speaker into the microphone: 40 ms, -6 dB."""
    loaded = subprocess.run(
        ["pactl", "load-module", "module-loopback", "source=parley_speaker.monitor",
         "sink=parley_micfeed", "latency_msec=40"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    module = loaded.stdout.strip()
    try:
        listing = subprocess.run(
            ["pactl", "list", "sink-inputs"], capture_output=True, text=True, check=True
        ).stdout
        for block in listing.split("Sink Input #")[1:]:
            if f"Owner Module: {module}\n" in block:
                index = block.split("\n", 1)[0].strip()
                subprocess.run(["pactl", "set-sink-input-volume", index, "-6dB"], check=True)
        yield
    finally:
        subprocess.run(["pactl", "unload-module", module], check=True)


def power(samples: np.ndarray) -> float:
    return float(np.mean(samples.astype(np.float64) ** 2)) + 1e-9


@pytest.mark.audio
@pytest.mark.slow
def test_echo_is_cancelled_by_at_least_15_db(make_engine, room, far_speech, qtbot) -> None:
    engine = make_engine(chunk_ms=10, echo_cancellation="on")
    assert engine.echo_cancelling
    assert engine.read_chunk(5.0) is not None
    engine.discard_captured()
    raw_mic = MonitorRecorder("parley_mic")
    raw_mic.wait_started()
    collector = ChunkCollector(engine)
    with qtbot.waitSignal(engine.playback_drained, timeout=20000):
        engine.play("far", far_speech.tobytes())
        engine.finish_item("far")
    qtbot.wait(200)
    cleaned = collector.stop()
    raw = raw_mic.stop()
    # Measure from the echo's onset, after 1.5 s for AEC3 to converge, over the far end.
    onset = int(np.argmax(np.abs(raw.astype(np.int32)) > 300))
    start, end = onset + int(1.5 * RATE), onset + len(far_speech) - RATE // 2
    raw_active, cleaned_active = raw[start:end], cleaned[start:end]
    assert len(raw_active) > 3 * RATE and len(cleaned_active) > 3 * RATE
    echo_dbfs = 10 * np.log10(power(raw_active) / 32768**2)
    assert echo_dbfs > -40, "the loopback did not bring the far end into the microphone"
    erle = 10 * np.log10(power(raw_active) / power(cleaned_active))
    print(f"echo {echo_dbfs:.1f} dBFS, ERLE {erle:.1f} dB")
    # Typically 37 dB; a loaded machine can delay the sender and cost some.
    assert erle > 15, f"echo {echo_dbfs:.1f} dBFS, ERLE only {erle:.1f} dB"


def test_echo_mode_is_validated_on_construction(qtbot) -> None:
    from audio_engine import AudioEngine

    with pytest.raises(ValueError):
        AudioEngine(echo_cancellation="sometimes")
    engine = AudioEngine(echo_cancellation="auto")
    assert engine.echo_mode is EchoMode.AUTO
    engine.set_echo_cancellation("off")
    assert not engine.echo_cancelling
