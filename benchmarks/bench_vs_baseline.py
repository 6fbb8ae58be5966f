"""Parley beside the simplest client, on the same virtual card in the same run.

Each run starts a scripted Realtime server (``benchmarks.scripted_peer``) and,
one after the other, the baseline (``benchmarks.baseline_client``: sounddevice,
20 ms microphone reads polled as soon as available, a low-latency output
stream) and Parley (``benchmarks.parley_driver``: the app as a user runs it),
each a process of its own, and measures:

* first output delta -> audible: a reply of noise (loud from its first
  sample) is sent at once; when its first sample reaches a recorder of the
  speaker's monitor, minus when the first delta was sent; "over the floor"
  subtracts the median of writing audio straight into the sound server (a
  blocking PyAudio write after a pause) measured in the same run. Also
  whether the reply's first 20 ms arrived intact, and the same for a reply
  sent just as the previous one ends (within 30 ms).
* speech onset -> first append carrying it: a tone fed into the microphone
  after a random pause; when the first loud append reaches the server,
  minus when the tone's first loud sample reached a recorder of the
  microphone's source (both read the same source).
* CPU while streaming: an 8 s reply playing with the microphone live
  (hands-free), process CPU over the reply, per thread for Parley.
* Parley alone: CPU at rest (not connected; connected in push-to-talk with
  nobody talking), hands-free listening to silence with the offline engine
  in-process, and push-to-talk press -> first append.

Prints a table per run and writes everything to ``--json`` (default
``benchmarks/results/vs_baseline-<date>.json``). Times are monotonic, one
clock for all processes. Run:
``python -m benchmarks.bench_vs_baseline --runs 3`` (private sound server).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from websockets.sync.client import connect

from tests.support.audio_files import find_exact
from tests.support.sound_card import MonitorRecorder, pcm_feeder, sound_card_for_benchmark

REPO = Path(__file__).resolve().parent.parent
RATE = 24000
SAMPLES = 5
ONSETS = 15  # the onset's phase within a capture period varies: more samples for a median


def noise(seed: int, ms: int, level: float = 6000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(RATE * ms // 1000) * level).clip(-32000, 32000).astype(np.int16)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


class Peer:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.scripted_peer"],
            stdout=subprocess.PIPE, text=True, cwd=REPO,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"ws://127.0.0.1:{self.port}/v1/realtime"
        self.control = connect(f"ws://127.0.0.1:{self.port}/control", max_size=None)

    def ask(self, command: dict[str, Any]) -> Any:
        self.control.send(json.dumps(command))
        return json.loads(self.control.recv())

    def reply(self, samples: np.ndarray) -> float:
        return float(self.ask({"cmd": "reply", "samples": samples.tolist()})["sent_at"])

    def appends(self, since: float) -> list[list[float]]:
        return list(self.ask({"cmd": "appends", "since": since}))

    def stop(self) -> None:
        self.control.close()
        self.process.terminate()
        self.process.wait(timeout=10)


class Client:
    """A client process: the baseline, or Parley through its driver."""

    def __init__(self, kind: str, peer: Peer) -> None:
        self.kind = kind
        self.peer = peer
        module = "benchmarks.baseline_client" if kind == "baseline" else "benchmarks.parley_driver"
        args = [peer.url] if kind == "baseline" else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        )  # fmt: skip
        self.ps = psutil.Process(self.process.pid)
        if kind == "parley":
            assert self.command("")["ready"]

    def command(self, line: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        if line:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def connect(self, url: str, mode: str) -> None:
        if self.kind == "parley":
            answer = self.command(f"connect {url} {mode}")
            assert answer.get("live"), answer
        deadline = time.monotonic() + 10
        while mode == "handsfree" and not self.peer.appends(time.monotonic() - 0.5):
            assert time.monotonic() < deadline, f"{self.kind} sends no audio"
            time.sleep(0.1)
        time.sleep(1.0)  # the first streams of a fresh connection settle

    def cpu(self, seconds: float) -> dict[str, Any]:
        """Process CPU over ``seconds`` (100 = one core); for Parley also per thread,
        with its wake-ups (voluntary context switches) per second."""
        before = self.command("threads") if self.kind == "parley" else []
        times = self.ps.cpu_times()
        started = time.monotonic()
        time.sleep(seconds)
        after_times = self.ps.cpu_times()
        wall = time.monotonic() - started
        after = self.command("threads") if self.kind == "parley" else []
        used = (after_times.user - times.user) + (after_times.system - times.system)
        result: dict[str, Any] = {"percent": round(100 * used / wall, 2)}
        if not after:
            return result
        earlier = {row["id"]: row for row in before}
        threads: dict[str, list[float]] = {}
        for row in after:
            old = earlier.get(row["id"], {"cpu": 0.0, "wakes": 0})
            entry = threads.setdefault(row["name"], [0.0, 0.0])
            entry[0] += 100 * (row["cpu"] - old["cpu"]) / wall
            entry[1] += (row["wakes"] - old["wakes"]) / wall
        result["threads"] = {
            name: {"percent": round(cpu, 2), "wakes_per_s": round(wakes)}
            for name, (cpu, wakes) in sorted(threads.items(), key=lambda kv: -kv[1][0])
        }
        return result

    def stop(self) -> None:
        if self.kind == "parley":
            self.command("quit")
        self.process.terminate()
        self.process.wait(timeout=15)


def output_floor(tap: MonitorRecorder) -> float:
    import pyaudio

    pa = pyaudio.PyAudio()
    stream = pa.open(format=pyaudio.paInt16, channels=1, rate=RATE, output=True,
                     frames_per_buffer=240)  # fmt: skip
    results = []
    for trial in range(SAMPLES):
        stream.write(bytes(RATE // 10 * 2))
        time.sleep(0.3 + 0.013 * trial)
        signal = noise(700 + trial, 100)
        written = time.monotonic()
        stream.write(signal.tobytes())
        time.sleep(0.3)
        samples, times = tap.samples_and_times()
        index = find_exact(samples, signal, int(np.searchsorted(times, written - 0.05)))
        if index >= 0:
            results.append((float(times[index]) - written) * 1000)
    stream.stop_stream()
    stream.close()
    pa.terminate()
    return float(statistics.median(results))


def audio_floor_cpu(mode: str, seconds: float = 8.0) -> float:
    """CPU of ``benchmarks.portaudio_floor``: the audio alone, through PyAudio."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.portaudio_floor", mode], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    process.stdout.readline()
    time.sleep(1.5)
    ps = psutil.Process(process.pid)
    before, started = ps.cpu_times(), time.monotonic()
    time.sleep(seconds)
    after, wall = ps.cpu_times(), time.monotonic() - started
    process.stdin.close()
    process.wait(timeout=10)
    used = (after.user - before.user) + (after.system - before.system)
    return round(100 * used / wall, 2)


def first_sound(client: Client, tap: MonitorRecorder, seed: int) -> dict[str, Any]:
    """Replies to a resting client; then replies that follow another as it ends."""
    latencies, intact = [], []
    for trial in range(SAMPLES):
        reply = noise(seed + trial, 300)
        sent = client.peer.reply(reply)
        time.sleep(0.7 + 0.011 * trial)
        samples, times = tap.samples_and_times()
        since = int(np.searchsorted(times, sent - 0.05))
        tail = find_exact(samples, reply[240:], since)
        if tail < 0:
            continue
        start = tail - 240
        intact.append(bool(np.array_equal(samples[start : start + 480], reply[:480])))
        latencies.append((float(times[tail]) - 0.01 - sent) * 1000)
    following = []
    for trial in range(3):
        first, second = noise(seed + 50 + trial, 300), noise(seed + 80 + trial, 300)
        sent_first = client.peer.reply(first)
        time.sleep(0.3 - 0.01)
        sent_second = client.peer.reply(second)
        time.sleep(0.8)
        samples, times = tap.samples_and_times()
        since = int(np.searchsorted(times, sent_first - 0.05))
        end_first = find_exact(samples, first[-240:], since)
        at_second = find_exact(samples, second[240:], since)
        if end_first < 0 or at_second < 0:
            continue
        ended = float(times[end_first])  # the first reply's last block was heard then
        heard = float(times[at_second]) - 0.01
        following.append((heard - max(sent_second, ended)) * 1000)
    return {
        "first_sound_ms": [round(x, 2) for x in latencies],
        "start_intact": intact,
        "following_reply_ms": [round(x, 2) for x in following],
    }


def mic_to_wire(client: Client, mic_tap: MonitorRecorder, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    results = []
    tone = (np.sin(np.arange(RATE // 5) * 2 * np.pi * 660 / RATE) * 8000).astype("<i2")
    for _ in range(ONSETS):
        pause = np.zeros(int(RATE * (0.1 + rng.uniform(0, 0.02))), np.int16)
        start = time.monotonic()
        feeder = pcm_feeder()
        assert feeder.stdin is not None
        feeder.stdin.write(pause.tobytes() + tone.tobytes() + bytes(RATE // 10 * 2))
        feeder.stdin.close()
        feeder.wait(timeout=5)
        time.sleep(0.4)
        samples, times = mic_tap.samples_and_times()
        loud = np.flatnonzero((np.abs(samples.astype(np.int32)) > 1000) & (times > start))
        appends = client.peer.appends(start)
        wire = next((t for t, peak, _ in appends if peak > 1000), None)
        if not len(loud) or wire is None:
            continue
        index = int(loud[0])
        block_end = int(np.searchsorted(times, times[index], side="right"))
        onset = float(times[index]) - (block_end - index) / RATE
        results.append(round((wire - onset) * 1000, 2))
    return results


def streaming_cpu(client: Client) -> dict[str, Any]:
    reply = noise(4242, 8000, level=3000)
    client.peer.reply(reply)
    time.sleep(0.3)
    return client.cpu(7.5)


def parley_alone(peer: Peer) -> dict[str, Any]:
    parley = Client("parley", peer)
    try:
        time.sleep(3.0)
        rest = parley.cpu(10.0)
        parley.connect(peer.url, "ptt")
        time.sleep(1.0)
        ptt_rest = parley.cpu(10.0)
        presses = []
        for _ in range(SAMPLES):
            pressed = parley.command("press")["pressed_at"]
            time.sleep(0.3)
            parley.command("release")
            time.sleep(0.5)
            first = next((t for t, _, _ in peer.appends(pressed)), None)
            if first is not None:
                presses.append(round((first - pressed) * 1000, 2))
            time.sleep(0.3)
        parley.connect("offline", "offline-handsfree")
        time.sleep(3.0)
        offline = parley.cpu(10.0)
    finally:
        parley.stop()
    return {
        "cpu_rest_not_connected": rest,
        "cpu_rest_connected_ptt": ptt_rest,
        "ptt_press_to_first_append_ms": presses,
        "cpu_handsfree_offline_in_process": offline,
    }


def one_run(number: int, peer: Peer) -> dict[str, Any]:
    tap = MonitorRecorder.started("parley_speaker.monitor", block_bytes=480)
    mic_tap = MonitorRecorder.started("parley_micfeed.monitor", block_bytes=480)
    try:
        floor = output_floor(tap)
        run: dict[str, Any] = {
            "run": number,
            "floor_ms": round(floor, 2),
            "audio_floor_cpu": {mode: audio_floor_cpu(mode) for mode in ("listen", "stream")},
            "clients": {},
        }
        for kind in ("baseline", "parley"):
            client = Client(kind, peer)
            try:
                client.connect(peer.url, "handsfree")
                figures = first_sound(client, tap, seed=1000 * number + 100)
                figures["mic_to_wire_ms"] = mic_to_wire(client, mic_tap, seed=number)
                figures["cpu_streaming"] = streaming_cpu(client)
            finally:
                client.stop()
            run["clients"][kind] = figures
        run["parley_alone"] = parley_alone(peer)
    finally:
        tap.stop()
        mic_tap.stop()
    return run


def summarise(run: dict[str, Any]) -> list[str]:
    floor = run["floor_ms"]
    lines = [f"run {run['run']}: floor (write straight into the server) {floor:.1f} ms"]
    medians: dict[str, dict[str, float | None]] = {}
    for kind, figures in run["clients"].items():
        first = median(figures["first_sound_ms"])
        medians[kind] = {
            "first": None if first is None else first - floor,
            "following": median(figures["following_reply_ms"]),
            "mic": median(figures["mic_to_wire_ms"]),
            "cpu": figures["cpu_streaming"]["percent"],
        }
        figures["medians"] = medians[kind]
        lines.append(
            f"  {kind:8s} first delta -> audible over the floor "
            f"{_ms(medians[kind]['first'], signed=True)} (start intact "
            f"{sum(figures['start_intact'])}/{len(figures['start_intact'])}); reply following "
            f"another {_ms(medians[kind]['following'])}; onset -> first append "
            f"{_ms(medians[kind]['mic'])}; CPU streaming {medians[kind]['cpu']:.1f} %"
        )
    base, ours = medians["baseline"], medians["parley"]
    diffs = {
        key: (None if ours[key] is None or base[key] is None else ours[key] - base[key])  # type: ignore[operator]
        for key in ("first", "mic", "cpu")
    }
    run["parley_minus_baseline"] = diffs
    lines.append(
        f"  Parley - baseline: first sound {_ms(diffs['first'], signed=True)}, onset -> "
        f"append {_ms(diffs['mic'], signed=True)}, CPU streaming {diffs['cpu']:+.1f} points"
    )
    alone = run["parley_alone"]
    audio = run["audio_floor_cpu"]
    lines.append(
        f"  the audio alone through PyAudio (10 ms periods, no network): capture "
        f"{audio['listen']:.2f} %, capture and playback {audio['stream']:.2f} %"
    )
    lines.append(
        f"  Parley CPU at rest: not connected {alone['cpu_rest_not_connected']['percent']:.2f} %, "
        f"connected push-to-talk {alone['cpu_rest_connected_ptt']['percent']:.2f} %; hands-free "
        f"listening, offline engine in-process "
        f"{alone['cpu_handsfree_offline_in_process']['percent']:.2f} %; press -> first append "
        f"{_ms(median(alone['ptt_press_to_first_append_ms']))}"
    )
    for label, key in (
        ("streaming", None),
        ("offline listening", "cpu_handsfree_offline_in_process"),
    ):
        threads = (
            run["clients"]["parley"]["cpu_streaming"]["threads"]
            if key is None
            else alone[key]["threads"]
        )
        busiest = ", ".join(
            f"{name} {row['percent']:.2f} ({row['wakes_per_s']}/s)"
            for name, row in list(threads.items())[:8]
        )
        lines.append(f"  Parley threads, {label} (% of a core, wake-ups): {busiest}")
    return lines


def _ms(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f} ms" if signed else f"{value:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    header = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "load_before": [round(x, 2) for x in load],
    }
    print(f"Parley beside the baseline: {header['date']}, {header['machine']}, load {load}")
    runs = []
    with sound_card_for_benchmark():
        peer = Peer()
        try:
            for number in range(1, args.runs + 1):
                run = one_run(number, peer)
                for line in summarise(run):
                    print(line, flush=True)
                runs.append(run)
        finally:
            peer.stop()
    header["load_after"] = [round(x, 2) for x in os.getloadavg()]
    path = (
        args.json
        or REPO / "benchmarks" / "results" / f"vs_baseline-{time.strftime('%Y%m%d-%H%M')}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**header, "runs": runs}, indent=1))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
