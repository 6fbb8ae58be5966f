"""CPU and memory of the audio engine with both streams running.

Phase 1 (idle): both streams open, nothing playing, a sender thread draining
capture chunks. Phase 2 (talking): the same, plus a receiver thread that
queues one second of audio every second in ten quick 100 ms deltas, like a
Realtime server, while the drain thread emits levels and playback events (no
one listens to ``chunk_captured``, as in the app).
CPU is the whole Python process (psutil user+system time / wall time, 100 % =
one core); RSS is sampled every 10 s to show whether memory stays flat.

Usage: PULSE_SERVER=unix:/tmp/parley-pulse/native python -m benchmarks.bench_audio_cpu --minutes 3
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time

import numpy as np
import psutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from audio_engine import AudioEngine
from tests.support.sound_card import sound_card_for_benchmark

RATE = 24000


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def run_phase(engine: AudioEngine, seconds: float, talking: bool) -> tuple[float, list[int]]:
    process = psutil.Process()
    stop = threading.Event()
    chunks = [0]

    helper_ids: list[int] = []

    def sender() -> None:
        helper_ids.append(threading.get_native_id())
        while not stop.is_set():
            if engine.read_chunk(0.1) is not None:
                chunks[0] += 1

    def receiver() -> None:
        helper_ids.append(threading.get_native_id())
        rng = np.random.default_rng(0)
        item = 0
        while not stop.is_set():
            item += 1
            second = (rng.standard_normal(RATE) * 2000).astype(np.int16)
            for part in np.split(second, 10):
                engine.play(f"item{item}", part.tobytes())
            engine.finish_item(f"item{item}")
            stop.wait(1.0)

    threads = [threading.Thread(target=sender)]
    if talking:
        threads.append(threading.Thread(target=receiver))
    for thread in threads:
        thread.start()
    spin(1.0)
    rss: list[int] = []
    cpu_before = process.cpu_times()
    threads_before = {t.id: t.user_time + t.system_time for t in process.threads()}
    wall_before = time.monotonic()
    deadline = wall_before + seconds
    while (remaining := deadline - time.monotonic()) > 0.05:
        rss.append(process.memory_info().rss)
        spin(min(10.0, remaining))
    cpu_after = process.cpu_times()
    threads_after = {t.id: t.user_time + t.system_time for t in process.threads()}
    wall = time.monotonic() - wall_before
    stop.set()
    for thread in threads:
        thread.join()
    rss.append(process.memory_info().rss)
    used = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    wall_total = time.monotonic() - wall_before

    def share(ids: set[int]) -> float:
        spent = sum(
            threads_after[i] - threads_before.get(i, 0.0) for i in ids if i in threads_after
        )
        return 100.0 * spent / wall_total

    main_id = threading.main_thread().native_id or 0
    drain_ids = {t.native_id or 0 for t in threading.enumerate() if t.name == "audio-drain"}
    audio_ids = set(threads_after) - set(helper_ids) - {main_id} - drain_ids
    print(
        f"    by thread: PortAudio callbacks {share(audio_ids):.2f} %, drain thread "
        f"{share(drain_ids):.2f} %, Qt main thread {share({main_id}):.2f} %, "
        f"benchmark's sender/receiver {share(set(helper_ids)):.2f} %"
    )
    expected_chunks = (wall + 1.0) * 1000 / engine.chunk_ms
    print(f"    chunks read {chunks[0]} of about {expected_chunks:.0f} expected")
    return 100.0 * used / wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.5, help="length of the talking phase")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--chunk-ms", type=int, default=20, choices=(10, 20))
    parser.add_argument("--output-ms", type=int, default=10, choices=(10, 20))
    parser.add_argument(
        "--time-ticks",
        action="store_true",
        help="also print the drain tick's own CPU time, live and its pieces warm",
    )
    parser.add_argument(
        "--shared",
        action="store_true",
        help="use the shared virtual sound card instead of a private PulseAudio daemon",
    )
    args = parser.parse_args()
    with sound_card_for_benchmark(shared=args.shared):
        run(args)


def time_drain_ticks() -> list[int]:
    """Wrap the drain tick to record its thread CPU time per call, in ns."""
    from audio_engine.monitor import DrainMonitor

    spent: list[int] = []
    tick = DrainMonitor._tick

    def timed(self: DrainMonitor, *args: object) -> object:
        start = time.thread_time_ns()
        try:
            return tick(self, *args)  # type: ignore[arg-type]
        finally:
            spent.append(time.thread_time_ns() - start)

    DrainMonitor._tick = timed  # type: ignore[method-assign,assignment]
    return spent


def print_warm_pieces() -> None:
    """The tick's numpy pieces on one tick's worth of audio, warm, in a tight loop."""
    import timeit

    from audio_engine.capture import CaptureRing
    from audio_engine.levels import DeadInputDetector, LevelWindow

    block = (np.random.default_rng(1).standard_normal(816) * 2000).astype(np.int16)
    window, detector = LevelWindow(), DeadInputDetector(RATE)
    capture = CaptureRing(RATE * 4)
    reader = capture.reader()

    def ring_round_trip() -> None:
        capture.ring.write(block)
        reader.read_whole(480)

    pieces = {
        "level window": lambda: window.add(block),
        "dead-input check": lambda: detector.feed(block),
    }
    pieces["ring write + read"] = ring_round_trip
    for name, piece in pieces.items():
        seconds = timeit.timeit(piece, number=20000) / 20000
        print(f"    warm, {name}: {seconds * 1e6:.1f} us per tick's block")


def run(args: argparse.Namespace) -> None:
    _app = QCoreApplication.instance() or QCoreApplication([])
    tick_times = time_drain_ticks() if args.time_ticks else None
    print(
        f"audio CPU/memory benchmark: {platform.platform()}, Python {platform.python_version()},"
        f" {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, chunk {args.chunk_ms} ms,"
        f" output buffer {args.output_ms} ms"
    )
    engine = AudioEngine(chunk_ms=args.chunk_ms, output_buffer_ms=args.output_ms)
    engine.device_error.connect(lambda message: print(f"  DEVICE ERROR: {message}"))
    engine.start()
    spin(2.0)  # a fresh sound server's first streams settle before measuring
    try:
        print(f"  idle, {args.idle_seconds:.0f} s:")
        idle_cpu, _ = run_phase(engine, args.idle_seconds, talking=False)
        print(f"    CPU {idle_cpu:.2f} % of one core")
        print(f"  talking, {args.minutes:.1f} min:")
        talk_cpu, rss = run_phase(engine, args.minutes * 60, talking=True)
        mib = [value / 2**20 for value in rss]
        print(f"    CPU {talk_cpu:.2f} % of one core")
        print(f"    RSS first {mib[0]:.1f} MiB, last {mib[-1]:.1f} MiB, max {max(mib):.1f} MiB "
              f"({len(mib)} samples, 10 s apart)")  # fmt: skip
        print(f"    underruns {engine.output_underruns}, input overflows {engine.input_overflows}")
        if tick_times:
            mean_us = sum(tick_times) / len(tick_times) / 1000
            print(f"    drain tick, live: {len(tick_times)} ticks, {mean_us:.0f} us CPU each")
            print_warm_pieces()
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
