"""Soak: a long conversation against the scripted GA server, for memory, threads and files.

The whole app runs (window offscreen, event inspector shown, history kept, the
audio engine on the virtual sound card, hands-free, the microphone streaming to
the server the whole time). Every few seconds the server reports a spoken user
turn (as its voice detection would) and answers it with a spoken reply, which
is played, recorded and written to the history. Every ``--sample-s`` the
process's RSS, threads and open files are sampled; at the end it prints the RSS
slope after the first minute (least squares), and the ranges of the rest.

Needs the virtual sound card (``bash tests/virtual_audio.sh start``).
Run: ``python -m benchmarks.bench_soak [--minutes 30]``; ``--window-rows 300`` makes
the transcript view and the inspector keep fewer rows, so that they are full
early and the rest of the run shows the steady state.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")
_HOME = Path(tempfile.mkdtemp(prefix="parley-soak-"))
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_HOME / _name.lower())


def slope_mb_per_min(samples: list[tuple[float, int]]) -> float:
    minutes = np.array([t / 60 for t, _ in samples])
    megabytes = np.array([rss / 1e6 for _, rss in samples])
    return float(np.polyfit(minutes, megabytes, 1)[0]) if len(samples) > 1 else float("nan")


def run(
    minutes: float, reply_every_s: float, reply_audio_ms: int, sample_s: float, window_rows: int
) -> int:
    from PySide6.QtCore import QTimer

    from desktop.app import ParleyApp, ensure_application
    from desktop.config.settings import Settings
    from desktop.config.store import LoadedSettings
    from desktop.connection.state import ConnectionState
    from tests.support.ga_server import GaServer

    server = GaServer(reply_audio_ms=reply_audio_ms).start()
    qt = ensure_application()
    settings = Settings.build(environment=False)
    settings.connection.backend = "custom"
    settings.connection.url = server.base_url
    settings.ui.talk_mode = "handsfree"
    settings.ui.show_inspector = True
    loaded = LoadedSettings(settings, _HOME / "settings.toml")
    app = ParleyApp(loaded)
    assert app.window is not None
    app.window.show()
    if window_rows:  # smaller windows fill sooner: what comes after is the steady state
        app.window.transcript.model.max_rows = window_rows
        app.window.inspector.model.log.max_rows = window_rows  # type: ignore[attr-defined]
    app.start(connect=True)
    controller = app.controller
    writes_us: list[float] = []
    store = app.history
    if store is not None:  # the history's writes, timed where they run: the GUI thread
        save_entry = store.save_entry

        def timed_save_entry(*args: object, **kwargs: object) -> None:
            began = time.perf_counter()
            save_entry(*args, **kwargs)  # type: ignore[arg-type]
            writes_us.append((time.perf_counter() - began) * 1e6)

        store.save_entry = timed_save_entry  # type: ignore[method-assign]
    process = psutil.Process()
    samples: list[tuple[float, int, int, int]] = []
    turns = [0]
    started: list[float] = []

    def speak() -> None:
        if controller.connection_state is not ConnectionState.LIVE:
            return
        if not started:
            started.append(time.monotonic())
            # The server answers on its own when the app leaves replies to it.
            server.auto_respond = not controller.turns.answers_voice_turns()
        turns[0] += 1
        server.speak(f"This is spoken turn number {turns[0]} of the soak.")

    def sample() -> None:
        if not started:
            return
        elapsed = time.monotonic() - started[0]
        samples.append(
            (elapsed, process.memory_info().rss, process.num_threads(), process.num_fds())
        )
        if elapsed >= minutes * 60:
            qt.quit()

    speaker = QTimer(interval=int(reply_every_s * 1000))
    speaker.timeout.connect(speak)
    sampler = QTimer(interval=int(sample_s * 1000))
    sampler.timeout.connect(sample)
    speaker.start()
    sampler.start()
    qt.exec()
    speaker.stop()
    sampler.stop()
    appends = server.audio_chunks
    rows = app.window.transcript.model.rowCount()
    inspector_rows = len(app.window.inspector.model.log.rows)
    history = app.history.list_conversations() if app.history else []
    stored = len(app.history.entries(history[0].id)) if app.history and history else 0
    app.close()
    server.stop()
    shutil.rmtree(_HOME, ignore_errors=True)

    settle_s = min(60.0, minutes * 20)  # the first minute (a third of a short run)
    settled = [(t, rss) for t, rss, _threads, _fds in samples if t >= settle_s]
    threads = [s[2] for s in samples if s[0] >= settle_s]
    fds = [s[3] for s in samples if s[0] >= settle_s]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()}")
    print(f"duration: {samples[-1][0] / 60:.1f} min, {turns[0]} spoken turns answered with "
          f"{reply_audio_ms} ms of audio each, {appends} microphone chunks streamed")  # fmt: skip
    peak = max(s[1] for s in samples) / 1e6
    print(f"RSS: {samples[0][1] / 1e6:.1f} MB at start, {settled[0][1] / 1e6:.1f} MB at 1 min, "
          f"{samples[-1][1] / 1e6:.1f} MB at the end; max {peak:.1f} MB")  # fmt: skip
    slope = slope_mb_per_min(settled)
    print(f"RSS slope after the first minute: {slope:+.3f} MB/min (target <= 1 MB/min)")
    print(f"threads after 1 min: {min(threads)}-{max(threads)}; open files: {min(fds)}-{max(fds)}")
    print(f"transcript view rows: {rows}; inspector rows: {inspector_rows}; "
          f"history lines stored: {stored}")  # fmt: skip
    if writes_us:
        print(f"history writes on the GUI thread: {len(writes_us)}, median "
              f"{statistics.median(writes_us):.0f} µs, p99 {np.percentile(writes_us, 99):.0f} µs, "
              f"max {max(writes_us) / 1000:.1f} ms")  # fmt: skip
    median_rss = statistics.median(rss for _t, rss in settled) / 1e6
    print(f"RSS median after 1 min: {median_rss:.1f} MB")
    flat = slope <= 1.0 and max(threads) - min(threads) <= 4 and max(fds) - min(fds) <= 8
    return 0 if flat else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--reply-every", type=float, default=4.0, help="seconds between turns")
    parser.add_argument("--reply-audio-ms", type=int, default=1500)
    parser.add_argument("--sample-s", type=float, default=10.0)
    parser.add_argument(
        "--window-rows",
        type=int,
        default=0,
        help="rows the transcript view and the inspector keep (0: the app's own bounds)",
    )
    args = parser.parse_args(argv)
    return run(args.minutes, args.reply_every, args.reply_audio_ms, args.sample_s, args.window_rows)


if __name__ == "__main__":
    sys.exit(main())
