"""App benchmarks: launch time, GUI responsiveness and CPU while streaming,
output latency to the sink, microphone-to-wire latency, and barge-in.

Needs the PulseAudio virtual devices (``bash tests/virtual_audio.sh start``).
Run: ``python -m benchmarks.bench_app [--seconds 60]``. Prints one line per figure.
The streaming CPU figure is measured as a user runs the app (inspector hidden)
with echo cancellation off unless ``--echo on``/``--inspector`` say otherwise;
``--probe-ms`` sets the event-loop probe timer (0: none), whose own cost is
printed separately from an idle event loop.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from tests.support.sound_card import MonitorRecorder, pcm_feeder

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")
REPO = Path(__file__).resolve().parent.parent

RATE = 24000
BLOCK = 480


def find_block(haystack: np.ndarray, probe: np.ndarray) -> int:
    candidates = np.flatnonzero(haystack[: len(haystack) - len(probe) + 1] == probe[0])
    for index in candidates:
        if np.array_equal(haystack[index : index + len(probe)], probe):
            return int(index)
    return -1


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- launch ------------------------------------------------------------------------------

LAUNCH_CHILD = """
import os, sys, time
from PySide6.QtCore import QTimer
from desktop.app import ParleyApp, ensure_application
from desktop.config.store import load_settings
qt = ensure_application()
app = ParleyApp(load_settings(None), with_audio=False)
app.window.show()
def shown():
    print(time.monotonic(), flush=True)
    qt.quit()
QTimer.singleShot(0, shown)
qt.exec()
app.close()
"""


def bench_launch(runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        env = {**os.environ, "XDG_CONFIG_HOME": f"/tmp/parley-bench-{os.getpid()}"}
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH_CHILD], capture_output=True, text=True, env=env,
            cwd=REPO, check=True,
        )  # fmt: skip
        times.append(float(out.stdout.strip().splitlines()[-1]) - started)
    print(f"launch to window shown: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {runs} runs)")  # fmt: skip


# -- output floor ----------------------------------------------------------------------


def bench_output_floor(tap: MonitorRecorder, runs: int = 5) -> float:
    """Writing audio straight into the sound server, until it is heard at the sink."""
    import pyaudio

    pa = pyaudio.PyAudio()
    stream = pa.open(format=pyaudio.paInt16, channels=1, rate=RATE, output=True,
                     frames_per_buffer=BLOCK)  # fmt: skip
    tone = (np.sin(np.arange(RATE // 5) * 2 * np.pi * 440 / RATE) * 8000).astype("<i2")
    results = []
    for _ in range(runs):
        stream.write(bytes(RATE // 5 * 2))
        time.sleep(0.3)
        written = time.monotonic()
        stream.write(tone.tobytes())
        time.sleep(0.4)
        heard = tap.first_loud_after(written)
        if heard is not None:
            results.append((heard - written) * 1000)
    stream.stop_stream()
    stream.close()
    pa.terminate()
    floor = statistics.median(results)
    print(f"output floor (PyAudio write -> sink monitor): median {floor:.1f} ms ({runs} runs)")
    return floor


# -- streaming conversation ----------------------------------------------------------------


def start_engine() -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PARLEY_ENGINE_TOKEN": "bench-token-0123456789"}
    engine = subprocess.Popen(
        [sys.executable, "-m", "desktop.local_engine", "--no-speech", "--token-env",
         "PARLEY_ENGINE_TOKEN"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert engine.stdout is not None
    url = engine.stdout.readline().strip()
    return engine, url


def bench_probe_cost(seconds: float = 8.0) -> None:
    """CPU of the event-loop probe alone: the same timer and tick in an idle Qt loop."""
    from desktop.app import ensure_application

    ensure_application()
    for interval in (0, 20, 5):
        used = _idle_loop_cpu(interval, seconds)
        label = f"{interval} ms probe timer" if interval else "no timer"
        print(f"idle event loop with {label}: {used:.2f} % of one core")


def _idle_loop_cpu(interval: int, seconds: float) -> float:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    clock = QElapsedTimer()
    clock.start()
    gaps: list[float] = []
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(max(interval, 1))
    ticker.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    if interval:
        ticker.start()
    cpu, wall = time.thread_time(), time.monotonic()  # the GUI thread only
    loop.exec()
    ticker.stop()
    return (time.thread_time() - cpu) / (time.monotonic() - wall) * 100


def bench_streaming(
    seconds: float, floor_ms: float, tap: MonitorRecorder, probe_ms: int, echo: str, inspector: bool
) -> None:
    """A scripted conversation; ``probe_ms`` 0 runs without the event-loop probe timer."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from desktop.app import ParleyApp, ensure_application
    from desktop.config.settings import Settings
    from desktop.config.store import LoadedSettings
    from desktop.connection.state import ConnectionState
    from desktop.conversation.turn_machine import TurnState

    engine, url = start_engine()
    qt = ensure_application()
    settings = Settings.build(environment=False)
    settings.connection.backend = "custom"
    settings.connection.url = url
    settings.ui.show_inspector = inspector
    settings.audio.echo_cancellation = echo  # type: ignore[assignment]
    loaded = LoadedSettings(settings, Path(f"/tmp/parley-bench-{os.getpid()}.toml"))
    app = ParleyApp(loaded)
    app.keys.save("custom", "bench-token-0123456789")
    app.window.show()
    app.start(connect=True)
    controller = app.controller

    first_play: dict[str, float] = {}
    received: dict[str, list[bytes]] = {}

    def wrap_audio() -> None:
        audio = app.audio
        original = audio.play

        def play(item_id: str, pcm: bytes) -> object:
            first_play.setdefault(item_id, time.monotonic())
            received.setdefault(item_id, []).append(pcm)
            return original(item_id, pcm)

        audio.play = play

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    ticker = QTimer()
    ticker.setInterval(max(probe_ms, 1))
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker.timeout.connect(tick)
    deadline_holder: dict[str, float] = {}
    deadline_holder_threads: dict[int, float] = {}
    interrupts: list[tuple[float, str, int]] = []
    turns = [0]

    def drive() -> None:
        if controller.connection_state is not ConnectionState.LIVE:
            return
        if "end" not in deadline_holder:
            wrap_audio()
            deadline_holder["end"] = time.monotonic() + seconds
            deadline_holder["cpu"] = psutil.Process().cpu_times()
            deadline_holder["tap_cpu"] = tap.cpu_seconds()
            deadline_holder_threads.update(
                (t.id, t.user_time + t.system_time) for t in psutil.Process().threads()
            )
            deadline_holder["start"] = time.monotonic()
            gaps.clear()
            last[0] = clock.elapsed()
        if time.monotonic() > deadline_holder["end"]:
            qt.quit()
            return
        if controller.turn_state is TurnState.IDLE:
            turns[0] += 1
            controller.send_text("count to twenty" if turns[0] % 3 == 0 else "hello")
        elif (
            controller.turn_state is TurnState.SPEAKING
            and turns[0] % 3 == 0
            and (len(interrupts) < turns[0] // 3)
        ):
            item = next(iter(reversed(first_play)), None)
            if item and time.monotonic() - first_play[item] > 2.0:
                before = time.monotonic()
                result = controller.interrupt()  # the one barge-in path, as Esc takes it
                end_ms = result.truncation.audio_end_ms if result and result.truncation else -1
                interrupts.append((before, item, end_ms))

    driver = QTimer()
    driver.setInterval(100)
    driver.timeout.connect(drive)
    if probe_ms:
        ticker.start()
    driver.start()
    qt.exec()
    wall = time.monotonic() - deadline_holder["start"]
    cpu = psutil.Process().cpu_times()
    names = {t.native_id: t.name for t in threading.enumerate()}
    before = deadline_holder_threads
    per_thread = sorted(
        (
            (t.user_time + t.system_time - before.get(t.id, 0.0), t.id)
            for t in psutil.Process().threads()
        ),
        reverse=True,
    )
    breakdown = ", ".join(
        f"{names.get(tid) or _thread_comm(tid)} {100 * used_s / wall:.1f}%"
        for used_s, tid in per_thread[:10]
    )
    used = (cpu.user - deadline_holder["cpu"].user) + (cpu.system - deadline_holder["cpu"].system)
    used -= tap.cpu_seconds() - deadline_holder["tap_cpu"]  # the benchmark's own recorder
    time.sleep(0.5)
    app.close()
    engine.terminate()
    engine.wait(timeout=10)

    print(f"streaming conversation: {wall:.0f} s, {turns[0]} spoken replies, "
          f"{len(interrupts)} interruptions")  # fmt: skip
    if gaps:
        late = [gap - probe_ms for gap in gaps[1:]]
        print(f"GUI event loop: longest gap {max(gaps):.0f} ms, p99 {percentile(gaps, 99):.0f} ms, "
              f"worst lateness {max(late):.0f} ms ({probe_ms} ms probe timer, "
              f"{len(gaps)} ticks)")  # fmt: skip
    probe = f"{probe_ms} ms probe timer" if probe_ms else "no probe timer"
    print(f"app CPU (GUI, network and audio threads; engine in another process; {probe}, "
          f"echo cancellation {echo}, inspector {'shown' if inspector else 'hidden'}): "
          f"{100 * used / wall:.1f} % of one core")  # fmt: skip
    print(f"  busiest threads while streaming: {breakdown}")
    report_output_latency(tap, first_play, received, floor_ms)
    report_barge_in(tap, interrupts, received, first_play)


def _thread_comm(tid: int) -> str:
    try:
        return Path(f"/proc/self/task/{tid}/comm").read_text().strip()
    except OSError:
        return str(tid)


def report_output_latency(
    tap: MonitorRecorder,
    first_play: dict[str, float],
    received: dict[str, list[bytes]],
    floor_ms: float,
) -> None:
    samples, times = tap.samples_and_times()
    latencies = []
    for item_id, started in first_play.items():
        pcm = np.frombuffer(b"".join(received[item_id]), dtype="<i2")
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 500)
        if not len(loud):
            continue
        offset = int(loud[0])
        since = int(np.searchsorted(times, started))  # identical replies repeat
        index = find_block(samples[since:], pcm[offset : offset + 64])
        if index < 0:
            continue
        index += since
        audible_at = started + offset / RATE  # when that sample was due after the first
        latencies.append((float(times[index]) - audible_at) * 1000)
    print(f"(output latency: {len(latencies)} of {len(first_play)} replies found at the sink)")
    if latencies:
        median = statistics.median(latencies)
        print(f"first audio delta -> sound at the sink: median {median:.1f} ms, "
              f"max {max(latencies):.1f} ms; {median - floor_ms:+.1f} ms over the floor "
              f"({len(latencies)} replies)")  # fmt: skip


def report_barge_in(
    tap: MonitorRecorder,
    interrupts: list[tuple[float, str, int]],
    received: dict[str, list[bytes]],
    first_play_times: dict[str, float],
) -> None:
    samples, times = tap.samples_and_times()
    silences, errors = [], []
    for started, item_id, end_ms in interrupts:
        first = first_play_times.get(item_id, started - 10.0)
        pcm = np.frombuffer(b"".join(received[item_id]), dtype="<i2")
        heard_end = None
        position = int(np.searchsorted(times, first))
        for block_start in range(0, len(pcm) - BLOCK + 1, BLOCK):
            probe = pcm[block_start : block_start + BLOCK]
            if np.count_nonzero(probe) < BLOCK // 2:
                continue
            index = find_block(samples[position:], probe)
            if index >= 0:
                position += index + BLOCK
                heard_end = (block_start + BLOCK, position)
        if heard_end is None:
            continue
        # Extend the exact match through any pause: where the sink stops following
        # the reply is where playback was cut.
        ref_end, rec_end = heard_end
        rest, window = pcm[ref_end:], samples[rec_end : rec_end + len(pcm) - ref_end]
        differs = np.flatnonzero(window != rest[: len(window)])
        run = int(differs[0]) if len(differs) else len(window)
        cut_rec, cut_ref = rec_end + run, ref_end + run
        silences.append((float(times[min(cut_rec, len(times) - 1)]) - started) * 1000)
        if end_ms >= 0:
            errors.append(end_ms - cut_ref * 1000 / RATE)
    if silences:
        print(f"barge-in (interrupt -> last sample of the cut reply at the sink): median "
              f"{statistics.median(silences):.1f} ms, max {max(silences):.1f} ms "
              f"({len(silences)} interruptions)")  # fmt: skip
    if errors:
        print(f"truncate audio_end_ms minus what reached the sink: "
              f"{', '.join(f'{e:+.0f}' for e in errors)} ms ")  # fmt: skip


# -- microphone to wire ------------------------------------------------------------------


def bench_mic_to_wire(runs: int = 8) -> None:
    """A tone into the virtual microphone; when it reaches a WebSocket server, compared with
    when a direct recorder of the same microphone sees it."""
    from PySide6.QtCore import QEventLoop, QTimer
    from websockets.sync.server import serve

    from desktop.app import ParleyApp, ensure_application
    from desktop.config.settings import Settings
    from desktop.config.store import LoadedSettings
    from desktop.connection.state import ConnectionState

    arrivals: list[tuple[float, bytes]] = []

    def handler(websocket: Any) -> None:
        websocket.send(json.dumps({"type": "session.created", "session": {}}))
        for message in websocket:
            event = json.loads(message)
            if event.get("type") == "input_audio_buffer.append":
                arrivals.append((time.monotonic(), base64.b64decode(event["audio"])))

    server = serve(handler, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.socket.getsockname()[1]
    ensure_application()
    settings = Settings.build(environment=False)
    settings.connection.backend = "custom"
    settings.connection.url = f"ws://127.0.0.1:{port}/v1"
    app = ParleyApp(LoadedSettings(settings, Path("/tmp/parley-bench-mic.toml")), with_window=False)
    app.start(connect=True)
    loop = QEventLoop()
    QTimer.singleShot(3000, loop.quit)
    loop.exec()
    assert app.controller.connection_state is ConnectionState.LIVE
    tap = MonitorRecorder.started("parley_mic", block_bytes=960)
    tone = (np.sin(np.arange(RATE // 5) * 2 * np.pi * 660 / RATE) * 8000).astype("<i2")
    results = []
    for _ in range(runs):
        start = time.monotonic()
        feeder = pcm_feeder()
        assert feeder.stdin is not None
        feeder.stdin.write(bytes(RATE // 10 * 2) + tone.tobytes() + bytes(RATE // 10 * 2))
        feeder.stdin.close()
        feeder.wait(timeout=5)
        pause = QEventLoop()
        QTimer.singleShot(600, pause.quit)
        pause.exec()
        seen = tap.first_loud_after(start)
        wire = next(
            (t for t, pcm in arrivals if t > start
             and np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32)).max() > 1000),
            None,
        )  # fmt: skip
        if seen is not None and wire is not None:
            results.append((wire - seen) * 1000)
    tap.stop()
    app.close()
    server.shutdown()
    if results:
        print(f"microphone to wire (over a direct recorder of the same source): p50 "
              f"{percentile(results, 50):.1f} ms, max {max(results):.1f} ms ({len(results)} "
              f"tones; 20 ms capture chunks)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="streaming duration")
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--skip-mic", action="store_true", help="skip microphone to wire")
    parser.add_argument(
        "--skip-probe-cost", action="store_true", help="skip measuring the probe timer alone"
    )
    parser.add_argument(
        "--probe-ms",
        type=int,
        default=20,
        help="event-loop probe timer interval; 0 for none (CPU without it)",
    )
    parser.add_argument(
        "--echo",
        choices=("off", "on", "auto"),
        default="off",
        help="echo cancellation (a separate feature with its own budget)",
    )
    parser.add_argument(
        "--inspector", action="store_true", help="show the event inspector (hidden by default)"
    )
    args = parser.parse_args()
    print("Parley app benchmarks", time.strftime("%Y-%m-%d"), f"Python {sys.version.split()[0]}")
    if not args.skip_launch:
        bench_launch()
    tap = MonitorRecorder.started("parley_speaker.monitor", block_bytes=960)
    try:
        floor = bench_output_floor(tap)
        if not args.skip_probe_cost:
            bench_probe_cost()
        bench_streaming(args.seconds, floor, tap, args.probe_ms, args.echo, args.inspector)
    finally:
        tap.stop()
    if not args.skip_mic:
        bench_mic_to_wire()
    return 0


if __name__ == "__main__":
    sys.exit(main())
