"""Echo cancellation measured live: a PulseAudio loopback plays the speaker into the mic.

One recording (module scope) plays a 28 s assistant monologue through the
room with echo cancellation on; the user talks over it three times, from 14 s. Raw and
cleaned microphone streams are sample-aligned and carry the same real echo,
so the offline engine's VAD sees both variants (cancellation on and off).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audio_engine.echo import FRAME, EchoCanceller, EchoMode, echo_cancellation_wanted
from audio_engine.ring import SampleRing
from tests.support.echo_path import (
    MONOLOGUE,
    RATE,
    USER_LINE,
    EchoRecording,
    dbfs,
    double_talk_latencies_ms,
    echo_room,
    erle_db,
    espeak,
    record_echo_session,
    speech_starts,
)
from tests.support.sound_card import PrivateSoundServer

USER_AT_S = (14.0, 19.5, 25.0)


def test_auto_mode_skips_headsets() -> None:
    assert echo_cancellation_wanted("auto", "default")
    assert not echo_cancellation_wanted(EchoMode.AUTO, "USB Headset Mono")
    assert echo_cancellation_wanted("on", "Jabra Headset")
    assert not echo_cancellation_wanted("off", "Laptop speakers")
    with pytest.raises(ValueError):
        echo_cancellation_wanted("maybe", None)


def test_echo_mode_is_validated_on_construction(qtbot) -> None:
    from audio_engine import AudioEngine

    with pytest.raises(ValueError):
        AudioEngine(echo_cancellation="sometimes")
    engine = AudioEngine(echo_cancellation="auto", noise_suppression=True)
    assert engine.echo_mode is EchoMode.AUTO
    assert engine.noise_suppressing
    engine.set_echo_cancellation("off")
    engine.set_noise_suppression(False)
    assert not engine.echo_cancelling and not engine.noise_suppressing


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray, Path]:
    folder = tmp_path_factory.mktemp("voices")
    far = espeak(MONOLOGUE, folder, "en-gb+f3", -20.0)  # assistant speech, about -20 dBFS
    user = espeak(USER_LINE, folder, "en-us+m3", -16.0)  # a near talker, louder than the echo
    return far, user, folder


def test_noise_suppression_keeps_speech_and_removes_hiss(voices) -> None:
    _, user, _ = voices
    rng = np.random.default_rng(3)
    hiss = rng.standard_normal(RATE * 2 + len(user)) * 300  # about -41 dBFS
    speech = np.concatenate([np.zeros(RATE * 2), user.astype(np.float64)])
    mic = np.clip(speech + hiss, -32767, 32767).astype(np.int16)
    mic = mic[: len(mic) // FRAME * FRAME]
    cleaner = EchoCanceller(SampleRing(RATE), echo_cancellation=False, noise_suppression=True)
    cleaned = np.concatenate(
        [cleaner.process(mic[i : i + 10 * FRAME]) for i in range(0, len(mic), 10 * FRAME)]
    )
    hiss_before = dbfs(mic[RATE : 2 * RATE])
    hiss_after = dbfs(cleaned[RATE : 2 * RATE])
    speech_before = dbfs(mic[2 * RATE :])
    speech_after = dbfs(cleaned[2 * RATE :])
    print(f"hiss {hiss_before:.1f} -> {hiss_after:.1f} dBFS, speech {speech_before:.1f} -> "
          f"{speech_after:.1f} dBFS")  # fmt: skip
    assert hiss_after < hiss_before - 5  # typically 7 dB off steady white hiss
    assert speech_after > speech_before - 3, "noise suppression ate the speech"


@pytest.fixture(scope="module")
def recording(sound_card: PrivateSoundServer, qapp, voices) -> Iterator[EchoRecording]:
    from PySide6.QtCore import QEventLoop, QTimer

    def spin(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    far, user, folder = voices
    with echo_room():
        yield record_echo_session(far, user, USER_AT_S, folder, spin)


@pytest.mark.audio
@pytest.mark.slow
def test_echo_is_cancelled_by_25_db_after_2_s(recording: EchoRecording) -> None:
    assert recording.lost_samples == 0
    echo, residual, erle = erle_db(recording, settle_s=2.0)
    print(f"echo {echo:.1f} dBFS, residual {residual:.1f} dBFS, ERLE {erle:.1f} dB")
    assert echo > -40, "the loopback did not bring the far end into the microphone"
    # Typically 43 dB.
    assert erle >= 25, f"echo {echo:.1f} dBFS, ERLE only {erle:.1f} dB"


@pytest.mark.audio
@pytest.mark.slow
def test_monologue_false_speech_started_only_without_cancellation(
    recording: EchoRecording,
) -> None:
    assert recording.user_onset is not None
    before_user = slice(0, recording.user_onset)
    with_aec = speech_starts(recording.cleaned[before_user])
    without_aec = speech_starts(recording.raw[before_user])
    print(f"speech_started before the user talks: {len(with_aec)} with AEC, "
          f"{len(without_aec)} without")  # fmt: skip
    assert with_aec == []
    assert len(without_aec) >= 1


@pytest.mark.audio
@pytest.mark.slow
def test_double_talk_still_interrupts_within_300_ms(recording: EchoRecording) -> None:
    onsets = recording.user_onsets
    expected = [recording.echo_onset + int(at * RATE) for at in USER_AT_S]
    assert all(abs(found - at) < RATE for found, at in zip(onsets, expected, strict=True)), (
        "user not found"
    )
    latencies = double_talk_latencies_ms(recording)
    print("double talk: speech_started", [round(ms) for ms in latencies], "ms after the onsets")
    # Now and then AEC3's suppressor holds back the first word of double talk, and the
    # next word starts the turn about half a second later: the typical case keeps the
    # bound, and no barge-in goes unheard.
    assert 0 <= float(np.median(latencies)) <= 300
    assert max(latencies) <= 1000


@pytest.mark.audio
@pytest.mark.slow
def test_barge_in_guard_on_the_real_echo_without_cancellation(
    recording: EchoRecording, voices
) -> None:
    """Levels over 300 ms windows: raw microphone against what was played.

    The played window reaches 100 ms further back, as the engine's
    ``recent_levels`` does: the echo trails the playback by the device latency.
    """
    from desktop.barge_in.echo_guard import BargeInGuard

    far = voices[0]
    onset, user = recording.echo_onset, recording.user_onset
    assert user is not None
    window = int(0.3 * RATE)

    def levels(at: int) -> tuple[float, float]:
        played = far[max(0, at - onset - RATE // 10) : max(0, at - onset + window)]
        return dbfs(recording.raw[at : at + window]), dbfs(played) if len(played) else -120.0

    guard = BargeInGuard()
    for at in range(onset, onset + 5 * RATE, window):  # the first 5 s teach the coupling
        guard.observe_echo(*levels(at))
    echo_only = range(onset + 5 * RATE, user - window, window)
    false_interrupts = [at for at in echo_only if guard.should_interrupt(True, *levels(at))]
    print(f"coupling {guard.coupling_db:.1f} dB; {len(false_interrupts)} of {len(echo_only)} "
          f"echo windows would interrupt; user window {levels(user)}")  # fmt: skip
    assert false_interrupts == []
    assert guard.should_interrupt(True, *levels(user))


@pytest.mark.audio
@pytest.mark.slow
def test_recent_levels_show_the_rooms_echo_coupling(recording: EchoRecording) -> None:
    """The engine's live mic/far levels see the room's -6 dB (espeak pauses blur it a bit)."""
    couplings = [mic - far for mic, far in recording.live_levels if far > -40]
    print("live couplings", [round(c, 1) for c in couplings])
    assert len(couplings) >= 5
    assert -12 < float(np.median(couplings)) < -2


def cancel_with_late_sender(
    far: np.ndarray, lags_ms: list[int], anchored: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Offline: a 50 ms, -6 dB echo of ``far``; the sender reads each 10 ms chunk late.

    The output callback writes 20 ms ahead of capture; the capture anchor says
    so. Without the anchor the pairing can only use what is played at read time.
    """
    delay = int(0.05 * RATE)
    far = far[: len(far) // FRAME * FRAME]
    mic = np.concatenate([np.zeros(delay), far[:-delay] * 0.5]).astype(np.int16)
    ring = SampleRing(RATE * 2)
    cleaner = EchoCanceller(ring)
    out = np.empty_like(mic)
    ahead = 2 * FRAME
    for index, start in enumerate(range(0, len(mic) - 40 * FRAME, FRAME)):
        captured = start + FRAME + RATE * lags_ms[index % len(lags_ms)] // 1000
        if ring.write_pos < captured + ahead:
            ring.write(far[ring.write_pos : captured + ahead])
        anchor = (captured, captured + ahead) if anchored else None
        out[start : start + FRAME] = cleaner.process(mic[start : start + FRAME], start, anchor)
    end = len(mic) - 40 * FRAME
    return mic[:end], out[:end]


def test_pairing_follows_capture_time_when_the_sender_is_late(voices) -> None:
    far = voices[0][: RATE * 10]
    settle = 2 * RATE
    rng = np.random.default_rng(5)
    jittery = [int(v) for v in rng.integers(0, 300, 500)]
    hiccups = [0] * 50 + [250] * 3  # 250 ms late now and then (a loaded machine)
    for lags in ([0], [300], jittery, hiccups):
        mic, cleaned = cancel_with_late_sender(far, lags, anchored=True)
        erle = dbfs(mic[settle:]) - dbfs(cleaned[settle:])
        assert erle >= 25, f"sender late by {lags[:3]} ms: ERLE only {erle:.1f} dB"
    # Pairing by read time instead: every change in the sender's delay moves the
    # pairing, and AEC3 has to find the echo path again (42 dB -> 0 dB here).
    mic, cleaned = cancel_with_late_sender(far, hiccups, anchored=False)
    assert dbfs(mic[settle:]) - dbfs(cleaned[settle:]) < 15
