"""Audio engine latency through the real PulseAudio virtual devices.

Measures, for 10 ms and 20 ms buffers:
  playback   AudioEngine.play() until the samples reach parley_speaker.monitor,
             once with the output stream at rest (the previous item finished) and
             once while it runs (the previous item may still get more audio)
  capture    a burst reaching parley_micfeed.monitor (the virtual microphone's
             master) until read_chunk() hands the sender the chunk holding it
  interrupt  AudioEngine.interrupt() until the sink monitor goes silent
Arrival at a monitor is timestamped when a parec reader (5 ms latency) gets
the block, so each figure includes that reader's own delay too.

Usage: PULSE_SERVER=unix:/tmp/parley-pulse/native python -m benchmarks.bench_audio_latency
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from audio_engine import AudioEngine
from tests.support.audio_files import find_exact
from tests.support.sound_card import MonitorRecorder, pcm_feeder, sound_card_for_benchmark

RATE = 24000


def spin(app: QCoreApplication, seconds: float) -> None:
    """Run the Qt event loop for a while (one void Qt call, see qt_refcount)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def burst(seed: int, ms: int = 10) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(RATE * ms // 1000) * 6000).clip(-32000, 32000).astype(np.int16)


def percentiles(values: list[float]) -> str:
    if not values:
        return "no data"
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms  p95 {np.percentile(ms, 95):6.1f} ms  n={len(ms)}"


def measure_playback(
    app: QCoreApplication, engine: AudioEngine, trials: int, finish: bool
) -> list[float]:
    """Bursts 120-150 ms apart; finished, each lets the output rest before the next."""
    recorder = MonitorRecorder.started("parley_speaker.monitor", block_bytes=960)
    spin(app, 0.5)
    rng = np.random.default_rng(1)
    sent: list[tuple[float, np.ndarray]] = []
    for trial in range(trials):
        signal = burst(1000 + trial, ms=20)
        spin(app, 0.12 + rng.uniform(0, 0.03))
        began = time.monotonic()
        engine.play(f"p{trial}", signal.tobytes())
        if finish:
            engine.finish_item(f"p{trial}")
        sent.append((began, signal))
    spin(app, 0.5)
    samples, stamps = recorder.samples_and_times()
    recorder.stop()
    latencies, cursor = [], 0
    for began, signal in sent:
        index = find_exact(samples, signal, cursor)
        if index >= 0:
            latencies.append(stamps[index] - began)
            cursor = index
    return latencies


def measure_capture(app: QCoreApplication, engine: AudioEngine, trials: int) -> list[float]:
    recorder = MonitorRecorder.started("parley_micfeed.monitor", block_bytes=960)
    feeder = pcm_feeder()
    assert feeder.stdin is not None
    received: list[tuple[float, bytes]] = []
    running = True

    def sender() -> None:
        while running:
            chunk = engine.read_chunk(0.1)
            if chunk is not None:
                received.append((time.monotonic(), chunk))

    spin(app, 0.3)
    engine.discard_captured()
    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    signals = []
    for trial in range(trials):
        signal = burst(5000 + trial)
        signals.append(signal)
        # pacat plays a continuous stream: silence between bursts keeps it clocked.
        feeder.stdin.write(signal.tobytes() + bytes(2 * RATE * 140 // 1000))
        feeder.stdin.flush()
        spin(app, 0.15)
    spin(app, 0.6)
    running = False
    thread.join()
    feeder.stdin.close()
    feeder.wait(timeout=5)
    samples, stamps = recorder.samples_and_times()
    recorder.stop()
    captured = np.frombuffer(b"".join(chunk for _, chunk in received), dtype="<i2")
    # Chunks vary in size (an onset leaves early): where each one ends.
    ends = np.cumsum([len(chunk) // 2 for _, chunk in received])
    latencies, mic_cursor, feed_cursor = [], 0, 0
    for signal in signals:
        at_mic = find_exact(captured, signal, mic_cursor)
        at_feed = find_exact(samples, signal, feed_cursor)
        if at_mic < 0 or at_feed < 0:
            continue
        mic_cursor, feed_cursor = at_mic, at_feed
        holding = int(np.searchsorted(ends, at_mic, side="right"))
        latencies.append(received[holding][0] - stamps[at_feed])
    return latencies


def measure_interrupt(app: QCoreApplication, engine: AudioEngine, trials: int) -> list[float]:
    recorder = MonitorRecorder.started("parley_speaker.monitor", block_bytes=960)
    spin(app, 0.5)
    rng = np.random.default_rng(2)
    cuts: list[tuple[float, np.ndarray, int]] = []
    for trial in range(trials):
        signal = burst(9000 + trial, ms=1500)
        engine.play(f"i{trial}", signal.tobytes())
        engine.finish_item(f"i{trial}")
        spin(app, 0.25 + rng.uniform(0, 0.1))
        began = time.monotonic()
        _, _ = engine.interrupt()
        cuts.append((began, signal, engine.played_samples(f"i{trial}")))
        spin(app, 0.15)
    spin(app, 0.4)
    samples, stamps = recorder.samples_and_times()
    recorder.stop()
    latencies, cursor = [], 0
    for began, signal, played in cuts:
        index = find_exact(samples, signal, cursor)
        if index < 0 or index + played >= len(stamps):
            continue
        cursor = index
        # The first silent sample after the cut: when the sink stopped playing the item.
        latencies.append(max(0.0, stamps[index + played] - began))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument(
        "--shared",
        action="store_true",
        help="use the shared virtual sound card instead of a private PulseAudio daemon",
    )
    args = parser.parse_args()
    with sound_card_for_benchmark(shared=args.shared):
        run(args)


def run(args: argparse.Namespace) -> None:
    app = QCoreApplication.instance() or QCoreApplication([])
    print(f"audio latency benchmark: {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")  # fmt: skip
    warm_up = AudioEngine()
    warm_up.start()
    warm_up.play("warm-up", burst(0, ms=500).tobytes())
    spin(app, 2.0)  # a fresh sound server's first streams settle before measuring
    warm_up.stop()
    for chunk_ms, output_ms in ((10, 10), (20, 20), (20, 10)):
        engine = AudioEngine(chunk_ms=chunk_ms, output_buffer_ms=output_ms)
        engine.start()
        try:
            spin(app, 0.5)
            in_latency, out_latency = engine.device_latency_ms
            resting = measure_playback(app, engine, args.trials, finish=True)
            running = measure_playback(app, engine, args.trials, finish=False)
            capture = measure_capture(app, engine, args.trials)
            interrupt = measure_interrupt(app, engine, max(10, args.trials // 2))
        finally:
            engine.stop()
        print(
            f"\ncapture chunks {chunk_ms} ms, output buffers {output_ms} ms (PortAudio reports"
            f" input latency {in_latency:.1f} ms, output latency {out_latency:.1f} ms)"
        )
        print(f"  playback  play() -> sink, output at rest   {percentiles(resting)}")
        print(f"  playback  play() -> sink, output running   {percentiles(running)}")
        print(f"  capture   mic feed -> read_chunk()         {percentiles(capture)}")
        print(f"  interrupt interrupt() -> silence           {percentiles(interrupt)}")


if __name__ == "__main__":
    main()
