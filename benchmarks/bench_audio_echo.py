"""Echo cancellation live through PulseAudio: ERLE, false barge-ins, double talk, CPU.

A private PulseAudio daemon gets a module-loopback from the speaker monitor
into the microphone feed (40 ms, -6 dB) as the "room". The engine plays an
espeak-ng assistant monologue (about two minutes, -20 dBFS) with echo
cancellation on while a sender thread reads 10 ms chunks; after the two
minutes the monologue goes on and the user talks over it five times (paplay
into the microphone feed, -16 dBFS). The engine's
raw microphone and its cleaned chunks are sample-aligned, so both variants,
cancellation on and off, carry the same real echo:

* ERLE after the convergence period;
* speech_started events the offline engine's VAD (webrtcvad, sample time)
  raises during the monologue, before the user talks: with and without AEC;
* double talk: how long after each of the user's onsets speech_started comes
  (AEC on), in sample time;
* CPU per 10 ms frame: the live sender thread, and AEC3 / AEC3+NS alone.

Usage: python -m benchmarks.bench_audio_echo [--minutes 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from audio_engine.echo import FRAME, EchoCanceller
from audio_engine.ring import SampleRing
from tests.support.echo_path import (
    MONOLOGUE,
    RATE,
    USER_LINE,
    double_talk_latencies_ms,
    echo_room,
    erle_db,
    espeak,
    record_echo_session,
    speech_starts,
)
from tests.support.sound_card import sound_card_for_benchmark


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def processor_cpu_ms(far: np.ndarray, noise_suppression: bool, echo: bool = True) -> float:
    """CPU per 10 ms frame of the canceller alone, on a synthetic 40 ms, -6 dB echo."""
    ring = SampleRing(RATE * 2)
    cleaner = EchoCanceller(ring, echo_cancellation=echo, noise_suppression=noise_suppression)
    delay = int(0.04 * RATE)
    mic = np.concatenate([np.zeros(delay), far[:-delay] * 0.5]).astype(np.int16)
    frames = min(len(far), 30 * RATE) // FRAME
    spent = 0.0
    for index in range(frames):
        ring.write(far[index * FRAME : (index + 1) * FRAME])
        anchor = (index * FRAME + FRAME, ring.write_pos)
        began = time.thread_time()
        cleaner.process(mic[index * FRAME : (index + 1) * FRAME], index * FRAME, anchor)
        spent += time.thread_time() - began
    return spent / frames * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="monologue length")
    parser.add_argument("--settle", type=float, default=2.0, help="convergence time left out")
    args = parser.parse_args()
    _app = QCoreApplication.instance() or QCoreApplication([])
    with sound_card_for_benchmark(), tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        piece = espeak(MONOLOGUE, folder, "en-gb+f3", -20.0)
        monologue_s = args.minutes * 60
        repeats = int(np.ceil((monologue_s + 32) * RATE / len(piece)))
        far = np.concatenate([piece] * repeats)
        user = espeak(USER_LINE, folder, "en-us+m3", -16.0)
        user_at = [monologue_s + 1 + 6 * index for index in range(5)]
        print(
            f"echo cancellation benchmark: {platform.platform()}, Python "
            f"{platform.python_version()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
        )
        print(f"  monologue {len(far) / RATE:.0f} s at -20 dBFS, user from {user_at[0]:.0f} s")
        with echo_room():
            rec = record_echo_session(far, user, user_at, folder, spin)
        report(rec, far, args.settle)


def report(rec: object, far: np.ndarray, settle: float) -> None:
    from tests.support.echo_path import EchoRecording

    assert isinstance(rec, EchoRecording) and rec.user_onset is not None
    echo, residual, erle = erle_db(rec, settle)
    before_user = slice(0, rec.user_onset)
    with_aec = speech_starts(rec.cleaned[before_user])
    without_aec = speech_starts(rec.raw[before_user])
    latencies = double_talk_latencies_ms(rec)
    frames = len(rec.cleaned) // FRAME
    span_s = rec.user_onset / RATE
    print(f"  input overflows / lost      {rec.lost_samples}")
    print(f"  echo at the microphone      {echo:6.1f} dBFS (room -6 dB, 40 ms)")
    print(f"  after cancellation          {residual:6.1f} dBFS")
    print(f"  ERLE after {settle:.1f} s             {erle:6.1f} dB")
    print(f"  speech_started in {span_s:.0f} s of monologue: AEC on {len(with_aec)}, "
          f"AEC off {len(without_aec)}")  # fmt: skip
    shown = ", ".join(f"{value:.0f}" for value in latencies)
    print(f"  double talk: speech_started after the user's onset (AEC on): {shown} ms, "
          f"median {float(np.median(latencies)):.0f} ms")  # fmt: skip
    sender_ms = rec.sender_cpu_s / frames * 1000
    print(f"  sender thread CPU (live)    {sender_ms:6.3f} ms per 10 ms frame")
    print(f"  AEC3 alone                  {processor_cpu_ms(far, False):6.3f} ms per 10 ms frame")
    print(f"  AEC3 + noise suppression    {processor_cpu_ms(far, True):6.3f} ms per 10 ms frame")
    ns_only = processor_cpu_ms(far, True, echo=False)
    print(f"  noise suppression alone     {ns_only:6.3f} ms per 10 ms frame")


if __name__ == "__main__":
    main()
