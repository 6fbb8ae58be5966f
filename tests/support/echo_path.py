"""A real echo path through PulseAudio, and the measurements tests and benchmarks share.

The "room" is a module-loopback from the speaker's monitor into the microphone
feed (40 ms, -6 dB). One recording plays an assistant monologue through an
engine with echo cancellation on while a sender thread reads chunks; the
engine's ``chunk_captured`` (the raw microphone) and ``read_chunk`` (the
cleaned microphone) start at the same capture position, so the two streams
are sample-aligned and both carry the same real echo. The user may talk over
the monologue: ``paplay`` into the microphone feed, which adds to the echo.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.support.audio_files import espeak_wav, read_wav_samples, write_wav

RATE = 24000
FRAME = 240
Samples = npt.NDArray[np.int16]
MONOLOGUE = (
    "Good evening. Here is a summary of the day. The weather stayed dry and mild, with a light "
    "wind from the west and a few clouds in the afternoon. Trains ran on time, except for a "
    "short delay near the central station this morning. The library extends its opening hours "
    "next week, and the swimming pool closes on Monday for cleaning. In sports, the local team "
    "won its third match in a row. Tomorrow will be cooler, with some rain in the evening, so "
    "take an umbrella if you go out late. That is all for today."
)
# A barge-in that starts voiced: the VAD alone needs 200 ms on it. A line that
# opens with a fricative ("Stop") is measured from a hiss webrtcvad does not
# call speech, which charges the VAD's own delay to the echo canceller.
USER_LINE = "Wait, wait. Hold on a moment please."


def espeak(text: str, folder: Path, voice: str, level_dbfs: float) -> Samples:
    """espeak-ng speech at 24 kHz, scaled to ``level_dbfs`` RMS."""
    speech = read_wav_samples(espeak_wav(folder / f"{voice}-24k.wav", text, voice))
    scale = 10 ** (level_dbfs / 20) * 32768 / np.sqrt(np.mean(speech.astype(np.float64) ** 2))
    scaled: Samples = np.clip(speech * scale, -32767, 32767).astype(np.int16)
    return scaled


@contextmanager
def echo_room(env: Mapping[str, str] | None = None) -> Iterator[None]:
    """module-loopback speaker monitor -> microphone feed, 40 ms, sink-input at -6 dB."""
    run_env = dict(env) if env is not None else dict(os.environ)
    loaded = subprocess.run(
        ["pactl", "load-module", "module-loopback", "source=parley_speaker.monitor",
         "sink=parley_micfeed", "latency_msec=40"],
        env=run_env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    module = loaded.stdout.strip()
    try:
        listing = subprocess.run(
            ["pactl", "list", "sink-inputs"], env=run_env, capture_output=True, text=True
        ).stdout
        volume_set = False
        for block in listing.split("Sink Input #")[1:]:
            if f"Owner Module: {module}\n" in block:
                index = block.split("\n", 1)[0].strip()
                subprocess.run(
                    ["pactl", "set-sink-input-volume", index, "-6dB"], env=run_env, check=True
                )
                volume_set = True
        assert volume_set, "the loopback's sink input was not found"
        yield
    finally:
        subprocess.run(["pactl", "unload-module", module], env=run_env, check=True)


@dataclass
class EchoRecording:
    raw: Samples  # the microphone: echo (+ the user)
    cleaned: Samples  # what read_chunk delivered, same capture positions
    echo_onset: int  # first sample of the echo in ``raw``
    user_onset: int | None  # first sample of the user's speech in ``raw``
    far_length: int
    sender_cpu_s: float
    lost_samples: int
    live_levels: list[tuple[float, float]]  # engine.recent_levels() while only the echo plays
    user_onsets: list[int]  # every time the user talked, in order


def record_echo_session(
    far: Samples,
    user: Samples | None,
    user_at_s: float | Sequence[float],
    folder: Path,
    spin: Callable[[float], None],
    *,
    noise_suppression: bool = False,
) -> EchoRecording:
    """Play ``far`` through a fresh engine (AEC on) in the room; ``user`` talks at ``user_at_s``.

    ``user_at_s`` is one time or several (seconds after the monologue starts);
    ``spin(seconds)`` runs the Qt event loop (the engine's drain timer needs it).
    """
    times = [user_at_s] if isinstance(user_at_s, int | float) else sorted(user_at_s)
    from audio_engine import AudioEngine

    engine = AudioEngine(
        chunk_ms=10,
        echo_cancellation="on",
        noise_suppression=noise_suppression,
        playback_capacity_s=len(far) / RATE + 5,  # the whole monologue is queued at once
    )
    raw_chunks: list[bytes] = []
    engine.chunk_captured.connect(raw_chunks.append)
    cleaned: list[bytes] = []
    cpu = [0.0]
    stop = threading.Event()

    def sender() -> None:
        began = time.thread_time()
        while not stop.is_set():
            chunk = engine.read_chunk(0.1)
            if chunk is not None:
                cleaned.append(chunk)
        cpu[0] = time.thread_time() - began

    engine.start()
    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    players: list[subprocess.Popen[bytes]] = []
    live_levels: list[tuple[float, float]] = []
    try:
        spin(1.5)  # a fresh sound server's first streams settle
        engine.play("monologue", far.tobytes())
        engine.finish_item("monologue")
        waited = 0.0
        while waited + 1.0 <= times[0]:  # one level reading a second until the user talks
            spin(1.0)
            waited += 1.0
            live_levels.append(engine.recent_levels())
        for at in times if user is not None else []:
            assert user is not None
            spin(max(0.0, at - waited))
            waited = max(waited, at)
            user_wav = write_wav(folder / "user.wav", user)
            players.append(
                subprocess.Popen(
                    ["paplay", "-d", "parley_micfeed", "--latency-msec=20", str(user_wav)]
                )
            )
        deadline = time.monotonic() + len(far) / RATE + 20
        while engine.is_playing and time.monotonic() < deadline:
            spin(0.1)
        spin(0.5)
    finally:
        for player in players:
            player.wait(timeout=20)
        stop.set()
        thread.join(timeout=5)
        lost = engine.input_overflows
        engine.stop()
    raw = np.frombuffer(b"".join(raw_chunks), dtype="<i2").astype(np.int16)
    out = np.frombuffer(b"".join(cleaned), dtype="<i2").astype(np.int16)
    length = min(len(raw), len(out))
    raw, out = raw[:length], out[:length]
    echo_onset = locate(raw, far)
    user_onsets = [] if user is None else locate_all(raw, user, len(times))
    return EchoRecording(
        raw,
        out,
        echo_onset,
        user_onsets[0] if user_onsets else None,
        len(far),
        cpu[0],
        lost,
        live_levels[2:],
        user_onsets,
    )


def frame_dbfs(samples: Samples) -> npt.NDArray[np.float64]:
    frames = samples[: len(samples) // FRAME * FRAME].astype(np.float64).reshape(-1, FRAME)
    levels: npt.NDArray[np.float64] = 10 * np.log10(np.mean(frames**2, axis=1) / 32768**2 + 1e-12)
    return levels


def first_loud_frame(samples: Samples, threshold_dbfs: float = -45.0) -> int:
    loud = np.flatnonzero(frame_dbfs(samples) > threshold_dbfs)
    return int(loud[0]) * FRAME if len(loud) else 0


def locate(recorded: Samples, clip: Samples) -> int:
    """Where ``clip`` starts being audible inside ``recorded`` (cross-correlation)."""
    rec = recorded.astype(np.float64)
    ref = clip.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(rec) + len(ref))))
    scores = np.fft.irfft(np.fft.rfft(rec, size) * np.conj(np.fft.rfft(ref, size)), size)
    lag = int(np.argmax(scores[: len(rec)]))
    return lag + first_loud_frame(clip)


def locate_all(recorded: Samples, clip: Samples, count: int) -> list[int]:
    """The ``count`` best, non-overlapping places ``clip`` is audible in ``recorded``, in order."""
    rec = recorded.astype(np.float64)
    ref = clip.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(rec) + len(ref))))
    scores = np.fft.irfft(np.fft.rfft(rec, size) * np.conj(np.fft.rfft(ref, size)), size)
    scores = scores[: len(rec)].copy()
    found: list[int] = []
    for _ in range(count):
        lag = int(np.argmax(scores))
        found.append(lag + first_loud_frame(clip))
        scores[max(0, lag - len(clip)) : lag + len(clip)] = -np.inf
    return sorted(found)


def double_talk_latencies_ms(recording: EchoRecording) -> list[float]:
    """Per user onset: ms until the VAD on the cleaned stream said speech_started."""
    starts = speech_starts(recording.cleaned)
    latencies = []
    for onset in recording.user_onsets:
        after = [pos for pos in starts if pos >= onset - RATE // 10]
        latencies.append((after[0] - onset) * 1000 / RATE if after else float("inf"))
    return latencies


def dbfs(samples: Samples) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) / 32768**2 + 1e-12))


def erle_db(recording: EchoRecording, settle_s: float = 2.0) -> tuple[float, float, float]:
    """(echo dBFS, residual dBFS, ERLE) from ``settle_s`` after the echo's onset to its end."""
    start = recording.echo_onset + int(settle_s * RATE)
    end = recording.echo_onset + recording.far_length - RATE // 4
    if recording.user_onset is not None:
        end = min(end, recording.user_onset - RATE // 10)
    echo, residual = dbfs(recording.raw[start:end]), dbfs(recording.cleaned[start:end])
    return echo, residual, echo - residual


def speech_starts(samples: Samples) -> list[int]:
    """Sample positions where the offline engine's VAD emits speech_started.

    The engine's VAD decides in sample time only, so feeding a recording faster
    than real time gives the events a live stream would get.
    """
    from desktop.local_engine.session_config import TurnDetection
    from desktop.local_engine.vad import SpeechStarted, VoiceActivityDetector

    vad = VoiceActivityDetector(TurnDetection())
    found: list[int] = []
    for start in range(0, len(samples) - FRAME + 1, FRAME):
        for event in vad.feed(samples[start : start + FRAME]):
            if isinstance(event, SpeechStarted):
                found.append(start + FRAME)
    return found
