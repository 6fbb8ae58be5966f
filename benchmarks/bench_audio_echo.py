"""Echo cancellation live through PulseAudio: ERLE and CPU per 10 ms frame.

A private PulseAudio daemon gets a module-loopback from the speaker monitor
into the microphone feed (40 ms, -6 dB) as the "room". The engine plays
espeak-ng speech at about -20 dBFS with echo cancellation on, while a sender
thread reads 10 ms chunks. ERLE compares the raw microphone (recorded with
parec) with what read_chunk delivered, after a convergence period.

Usage: python benchmarks/bench_audio_echo.py
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from audio_engine import AudioEngine
from tests.audio.sound_card import MonitorRecorder, PrivateSoundServer

RATE = 24000
TEXT = (
    "The quick brown fox jumps over the lazy dog. Echo cancellation removes what the speaker "
    "plays from what the microphone hears, so that the assistant never answers itself. "
    "It has to converge quickly and keep working while the voice goes on and on."
)


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def far_speech(folder: Path) -> np.ndarray:
    raw, wav = folder / "raw.wav", folder / "far.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb+f3", "-w", str(raw), TEXT], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav)], check=True)
    with wave.open(str(wav), "rb") as handle:
        speech = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    scaled = speech.astype(np.float64) * 10 ** (-20 / 20) * 32768 / np.sqrt(np.mean(speech**2.0))
    return np.clip(scaled, -32767, 32767).astype(np.int16)


def add_room(server: PrivateSoundServer) -> None:
    module = subprocess.run(
        ["pactl", "load-module", "module-loopback", "source=parley_speaker.monitor",
         "sink=parley_micfeed", "latency_msec=40"],
        env=server.env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    listing = subprocess.run(
        ["pactl", "list", "sink-inputs"], env=server.env, capture_output=True, text=True
    ).stdout
    for block in listing.split("Sink Input #")[1:]:
        if f"Owner Module: {module}\n" in block:
            index = block.split("\n", 1)[0].strip()
            subprocess.run(
                ["pactl", "set-sink-input-volume", index, "-6dB"], env=server.env, check=True
            )


def dbfs(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(samples.astype(np.float64) ** 2) / 32768**2 + 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=1.5, help="seconds left out at the start")
    args = parser.parse_args()
    # On SIGTERM still run the finally blocks that stop the private sound server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    server = PrivateSoundServer()
    server.start()
    os.environ["PULSE_SERVER"] = server.address
    try:
        with tempfile.TemporaryDirectory() as folder:
            speech = far_speech(Path(folder))
        add_room(server)
        run(speech, args.settle)
    finally:
        server.remove()


def run(speech: np.ndarray, settle_s: float) -> None:
    _app = QCoreApplication.instance() or QCoreApplication([])
    print(
        f"echo cancellation benchmark: {platform.platform()}, Python {platform.python_version()},"
        f" {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, far end {len(speech) / RATE:.1f} s"
    )
    engine = AudioEngine(chunk_ms=10, echo_cancellation="on")
    engine.start()
    spin(2.0)  # a fresh sound server's first streams settle before measuring
    recorder = MonitorRecorder("parley_mic")
    recorder.wait_started()
    cleaned: list[bytes] = []
    sender_cpu = [0.0]
    stop = threading.Event()

    def sender() -> None:
        began = time.thread_time()
        while not stop.is_set():
            chunk = engine.read_chunk(0.1)
            if chunk is not None:
                cleaned.append(chunk)
        sender_cpu[0] = time.thread_time() - began

    try:
        assert engine.read_chunk(5.0) is not None
        engine.discard_captured()
        thread = threading.Thread(target=sender)
        thread.start()
        engine.play("far", speech.tobytes())
        engine.finish_item("far")
        spin(len(speech) / RATE + 0.5)
        stop.set()
        thread.join()
    finally:
        engine.stop()
        raw = recorder.stop()
    out = np.frombuffer(b"".join(cleaned), dtype="<i2")
    settle = int(settle_s * RATE)
    span = len(speech) - settle
    echo, residual = dbfs(raw[settle : settle + span]), dbfs(out[settle : settle + span])
    frames = len(out) // 240
    print(f"  echo at the microphone      {echo:6.1f} dBFS (far end -20 dBFS, room -6 dB)")
    print(f"  after cancellation          {residual:6.1f} dBFS")
    print(f"  ERLE after {settle_s:.1f} s             {echo - residual:6.1f} dB")
    print(f"  sender thread CPU           {sender_cpu[0] / frames * 1000:6.3f} ms per 10 ms frame")


if __name__ == "__main__":
    main()
