"""Parley as a user runs it (window shown, offscreen), in a process of its own,
driven by the benchmark through its stdin: one command per line, one JSON
answer per line on stdout. Its stdin is watched by a socket notifier, so the
driver itself adds no wake-ups to what is measured.

Commands: ``connect URL MODE`` (MODE ``handsfree`` or ``ptt``; URL ``offline``
for the in-process offline engine), ``disconnect``, ``press``, ``release``,
``threads`` (CPU seconds per thread, with names), ``quit``.

Run: ``python -m benchmarks.parley_driver`` (answers ``{"ready": true}``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSocketNotifier, QTimer

from desktop.app import ParleyApp, ensure_application
from desktop.config.settings import Settings
from desktop.config.store import LoadedSettings
from desktop.connection.state import ConnectionState


def thread_times(app: ParleyApp | None) -> list[dict[str, Any]]:
    names = {t.native_id: t.name for t in threading.enumerate()}
    streams = None if app is None or app.audio is None else app.audio._owner.streams
    if streams is not None and streams.input_thread:
        names[streams.input_thread] = "PortAudio input callback"
    rows = []
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            comm = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
            status = Path(f"/proc/self/task/{tid}/status").read_text()
        except OSError:
            continue
        wakes = next(
            int(line.split()[1])
            for line in status.splitlines()
            if line.startswith("voluntary_ctxt_switches")
        )
        ticks = os.sysconf("SC_CLK_TCK")
        rows.append(
            {
                "id": int(tid),
                "name": names.get(int(tid)) or comm,
                "cpu": (int(fields[11]) + int(fields[12])) / ticks,
                "wakes": wakes,
            }
        )
    return rows


class Driver:
    def __init__(self) -> None:
        self.qt = ensure_application()
        self.folder = Path(tempfile.mkdtemp(prefix="parley-bench-"))
        self.app: ParleyApp | None = None
        self._buffer = b""
        self._notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._on_stdin_activated)
        self._pending: tuple[str, float] | None = None

    def start(self, url: str = "", mode: str = "handsfree") -> None:
        settings = Settings.build(environment=False)
        if url == "offline":
            settings.connection.backend = "offline"
        else:
            settings.connection.backend = "custom"
            settings.connection.url = url or "ws://127.0.0.1:9/v1"
        settings.connection.auto_connect = False
        settings.ui.talk_mode = "ptt" if mode == "ptt" else "handsfree"
        # As the earlier app figures: echo cancellation (its own budget) off.
        settings.audio.echo_cancellation = "off"
        loaded = LoadedSettings(settings, self.folder / "settings.toml")
        app = ParleyApp(loaded, engine_options={"speech": False})
        app.keys.save("custom", "bench-token-0123456789")
        app.start(connect=False)
        self.app = app

    def answer(self, value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    def _on_stdin_activated(self) -> None:
        data = os.read(sys.stdin.fileno(), 65536)
        if not data:
            self.qt.quit()
            return
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self.run(line.decode().split())

    def run(self, words: list[str]) -> None:
        if not words:
            return
        command, args = words[0], words[1:]
        app = self.app
        if command == "threads":
            self.answer(thread_times(app))
        elif command == "connect":
            if app is not None:
                app.close()
            self.start(args[0], args[1])
            QTimer.singleShot(300, lambda: self._connect())
        elif command == "disconnect" and app is not None:
            app.controller.disconnect_backend()
            self.answer({"ok": True})
        elif command == "press" and app is not None:
            pressed = time.monotonic()
            app.controller.ptt_press()
            self.answer({"pressed_at": pressed})
        elif command == "release" and app is not None:
            app.controller.ptt_release()
            self.answer({"ok": True})
        elif command == "quit":
            if app is not None:
                app.close()
            self.answer({"ok": True})
            self.qt.quit()
        else:
            self.answer({"error": f"unknown command {command!r}"})

    def _connect(self) -> None:
        app = self.app
        assert app is not None
        app.controller.connect_backend()
        deadline = time.monotonic() + 10

        def wait() -> None:
            if app.controller.connection_state is ConnectionState.LIVE:
                self.answer({"live": True})
            elif time.monotonic() > deadline:
                self.answer({"live": False, "state": str(app.controller.connection_state)})
            else:
                QTimer.singleShot(50, wait)

        wait()


def main() -> int:
    driver = Driver()
    driver.start()
    driver.answer({"ready": True})
    driver.qt.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
