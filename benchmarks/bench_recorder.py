"""Conversation recorder: memory and costs over a simulated hour of conversation.

Both sides are fed as the app feeds them (20 ms microphone chunks from the
sender thread, 100 ms reply deltas from the receive thread for 40 % of the
time), with timestamps an hour long but as fast as the writer keeps up (the
feed waits for it every ten simulated seconds). Printed: the process's memory
after the first minute and at the end, what one add_input costs the calling
audio thread, how fast the writer thread goes, the file's size and an export.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from desktop.conversation.recorder import RATE, ConversationRecorder

MINUTES = 60
MIC_CHUNK_S = 0.02
REPLY_CHUNK_S = 0.1


def main() -> None:
    process = psutil.Process()
    mic = (np.sin(np.arange(int(MIC_CHUNK_S * RATE)) / 9) * 3000).astype("<i2").tobytes()
    reply = (np.sin(np.arange(int(REPLY_CHUNK_S * RATE)) / 5) * 5000).astype("<i2").tobytes()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as directory:
        threads_before = threading.active_count()
        recorder = ConversationRecorder(temp_dir=Path(directory))
        start = recorder.started_at
        chunks_per_10s = int(10 / MIC_CHUNK_S)
        # Preallocated, so the measurement itself does not grow the process.
        costs = np.zeros(MINUTES * 6 * chunks_per_10s)
        measured = 0
        rss: dict[int, float] = {}
        began = time.perf_counter()
        for block in range(MINUTES * 6):
            for index in range(chunks_per_10s):
                at = start + block * 10 + (index + 1) * MIC_CHUNK_S
                started = time.perf_counter()
                recorder.add_input(mic, at=at)
                costs[measured] = (time.perf_counter() - started) * 1e6
                measured += 1
                if block % 10 < 4 and index % 5 == 0:  # the assistant: 4 minutes in 10
                    recorder.add_output(reply, at=at)
            recorder.flush()
            if block % 6 == 5:
                rss[(block + 1) // 6] = process.memory_info().rss / 2**20
        elapsed = time.perf_counter() - began
        print(
            f"simulated {MINUTES} min in {elapsed:.1f} s ({MINUTES * 60 / elapsed:.0f}× real time)"
        )
        print(
            f"add_input on the caller's thread: mean {costs.mean():.1f} µs, "
            f"p99 {np.percentile(costs, 99):.1f} µs, max {costs.max():.0f} µs"
        )
        print(
            f"RSS after 1 min {rss[1]:.1f} MiB, after 10 min {rss[10]:.1f} MiB, "
            f"after {MINUTES} min {rss[MINUTES]:.1f} MiB "
            f"(slope {(rss[MINUTES] - rss[1]) / (MINUTES - 1) * 1024:.1f} KiB/min)"
        )
        print(f"threads: {threads_before} before, {threading.active_count()} while recording")
        print(
            f"file: {recorder.size_bytes / 1e6:.1f} MB for {recorder.duration_s / 60:.1f} min "
            f"({recorder.size_bytes / 1e6 / MINUTES:.2f} MB/min); the in-memory recorder "
            "held the same bytes in RAM and stopped at 20 min"
        )
        for stereo in (True, False):
            target = Path(directory) / f"export-{'stereo' if stereo else 'mono'}.wav"
            began = time.perf_counter()
            recorder.export_wav(target, stereo=stereo)
            seconds = time.perf_counter() - began
            resident = process.memory_info().rss / 2**20
            print(
                f"export {'stereo' if stereo else 'mono  '}: {seconds:.2f} s, "
                f"{target.stat().st_size / 1e6:.0f} MB, RSS {resident:.1f} MiB"
            )
            target.unlink()
        recorder.close()


if __name__ == "__main__":
    main()
