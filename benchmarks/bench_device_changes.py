"""Devices that come and go: how long until the sound is where it should be.

On a private PulseAudio daemon, with the audio supervisor running the engine:
  unplug     the chosen speaker (a null sink) is unloaded mid-reply; time until
             the reply is heard on the default speaker's monitor
  replug     it is loaded again; time until the reply plays on it again (the
             output callbacks run on the new route)
  restart    the daemon is killed and started again; time from the moment it
             answers again until the engine runs, and until a reply queued then
             is handed to the device
Arrival at a monitor is timestamped by a parec reader (5 ms latency), so each
figure includes that reader's delay. Median and range over --rounds rounds.

Usage: python -m benchmarks.bench_device_changes [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from audio_engine import AudioEngine
from audio_engine.supervisor import AudioHealth, AudioSupervisor
from tests.support.sound_card import MonitorRecorder, PrivateSoundServer

RATE = 24000
HEADSET = "bench_headset"


def spin_until(app: QCoreApplication, done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()
    return True


def tone(seconds: float) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).tobytes()


def one_round(app: QCoreApplication) -> dict[str, float]:
    server = PrivateSoundServer()
    server.start()
    os.environ["PULSE_SERVER"] = server.address
    server.add_output(HEADSET, "Bench Headset")
    supervisor = AudioSupervisor(AudioEngine(None, HEADSET))
    engine = supervisor.engine
    figures: dict[str, float] = {}
    try:
        assert supervisor.start()
        spin_until(app, lambda: supervisor.snapshot is not None, 3)
        speaker = MonitorRecorder.started("parley_speaker.monitor")
        engine.play("reply", tone(8.0))
        engine.finish_item("reply")
        spin_until(app, lambda: engine.played_ms("reply") > 500, 3)
        pulled = time.monotonic()
        server.unplug(HEADSET)
        spin_until(app, lambda: speaker.first_loud_after(pulled, 2000) is not None, 3)
        heard = speaker.first_loud_after(pulled, 2000)
        speaker.stop()
        figures["unplug"] = (heard or float("nan")) - pulled

        plugged = time.monotonic()
        server.add_output(HEADSET, "Bench Headset")
        # A new null sink's monitor delivers its first block only after ~2 s (a
        # quirk of idle null sinks, not of the app): time the move by the
        # output stream's own callbacks on the new route instead.
        spin_until(
            app,
            lambda: (
                engine.routes is not None
                and engine.routes[1].server_device == HEADSET
                and engine.output_frames > 0
            ),
            5,
        )
        figures["replug"] = time.monotonic() - plugged

        server.kill()
        spin_until(app, lambda: supervisor.health is AudioHealth.NO_SERVER, 3)
        server.start()
        back = time.monotonic()
        spin_until(app, lambda: supervisor.health is AudioHealth.RUNNING, 6)
        figures["restart_running"] = time.monotonic() - back
        engine.play("after", tone(0.5))
        engine.finish_item("after")
        spin_until(app, lambda: engine.played_ms("after") > 0, 5)
        figures["restart_playing"] = time.monotonic() - back
    finally:
        supervisor.stop()
        server.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])
    rounds = [one_round(app) for _ in range(args.rounds)]
    print(f"# {platform.node()} {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    labels = {
        "unplug": "chosen speaker unplugged mid-reply -> heard on the default",
        "replug": "plugged in again -> playing on it again",
        "restart_running": "server back -> engine running",
        "restart_playing": "server back -> a reply queued then is playing",
    }
    for key, label in labels.items():
        ms = np.array([r[key] for r in rounds]) * 1000
        print(f"{label:58s} median {np.median(ms):7.1f} ms  range {ms.min():.1f}-{ms.max():.1f}")


if __name__ == "__main__":
    main()
