"""A real Parley run in a child process, driven through a typed conversation.

``python -m tests.support.app_process <messages-file>`` runs the app as
``parley`` does (``desktop.app.run_gui``: the instance lock, the history, the
quit signals), offscreen, on the offline engine without speech or sound. Once
live it types each line of the messages file in turn, waiting for each reply,
and reports on stdout, one line each:

* ``LIVE``: connected;
* ``FINAL <json>``: an entry became final and the history has written it
  (``{"id", "role", "text"}``);
* ``SENT <n>``: message number n was typed;
* ``IDLE``: every message was answered; a setting was changed (voice speed
  1.25) so that a clean close can be seen to save it;
* ``CLOSED <json>``: after a clean close, what was left running (the session,
  the audio engine, the history).

``--with-audio`` opens the sound devices (the virtual sound card's).

Tests read these lines, then kill or signal the process.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from desktop.app import ParleyApp, run_gui
from desktop.config.cli import parse_args
from desktop.config.logging_setup import setup_logging
from desktop.config.store import load_settings
from desktop.connection.state import ConnectionState
from desktop.conversation.transcript import TranscriptEntry
from desktop.conversation.turn_machine import TurnState
from desktop.history.records import FINAL_STATUSES

REPO_ROOT = Path(__file__).resolve().parents[2]


def say(line: str) -> None:
    print(line, flush=True)


def drive(app: ParleyApp, messages: list[str]) -> None:
    controller = app.controller
    sent = 0

    def send_next() -> None:
        nonlocal sent
        if sent < len(messages):
            controller.send_text(messages[sent])
            sent += 1
            say(f"SENT {sent}")
        else:
            controller.update_setting("voice", "speed", 1.25)
            say("IDLE")

    def on_state(state: ConnectionState, _reason: str) -> None:
        if state is ConnectionState.LIVE and sent == 0:
            say("LIVE")
            send_next()

    def on_turn(state: TurnState) -> None:
        replies = [e for e in controller.transcript.entries() if e.role == "assistant"]
        if state is TurnState.IDLE and 0 < sent == len(replies) and replies[-1].status == "done":
            send_next()

    def on_entry(entry: TranscriptEntry) -> None:
        if entry.status in FINAL_STATUSES and entry.role in ("user", "assistant"):
            say("FINAL " + json.dumps({"id": entry.id, "role": entry.role, "text": entry.text}))

    # Connected after the history keeper: an entry is reported once it is written.
    controller.record.entry_changed.connect(on_entry)
    controller.connection_state_changed.connect(on_state)
    controller.turn_state_changed.connect(on_turn)


def main(argv: list[str]) -> int:
    messages = [line for line in Path(argv[0]).read_text(encoding="utf-8").splitlines() if line]
    options = parse_args(["--backend", "offline", "--connect", "--mode", "ptt"])
    loaded = load_settings(options.settings_path, **options.overrides)
    setup_logging(loaded.settings.log_level)
    apps: list[ParleyApp] = []

    def started(app: ParleyApp) -> None:
        apps.append(app)
        drive(app, messages)

    code = run_gui(
        loaded,
        options,
        started,
        with_audio="--with-audio" in argv,
        engine_options={"speech": False},
    )
    for app in apps:
        store = app.keeper.store
        left = {
            "worker": app.controller.session.worker is not None,
            "audio": app.audio is not None,
            "history": store.mode if store is not None else "none",
        }
        say("CLOSED " + json.dumps(left))
    return code


class AppProcess:
    """The child run: its process, and its lines as they come (read on a thread, so
    that a test waiting for one never hangs on a stuck app)."""

    def __init__(self, messages: list[str], folder: Path, *, with_audio: bool = False) -> None:
        script = folder / "messages.txt"
        script.write_text("\n".join(messages), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        flags = ["--with-audio"] if with_audio else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.app_process", str(script), *flags],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def read_until(self, wanted: str, timeout: float = 60.0) -> str:
        """The next line that starts with ``wanted`` (every line read is kept in ``lines``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(left, 0.01))
            except queue.Empty:
                message = f"no {wanted!r} in {timeout} s; last: {self.lines[-5:]}"
                raise AssertionError(message) from None
            if line is None:
                raise AssertionError(f"the app ended before {wanted!r}; last: {self.lines[-5:]}")
            self.lines.append(line)
            if line.startswith(wanted):
                return line

    def finals(self) -> list[dict[str, str]]:
        """The entries the app reported final (and written), so far."""
        return [
            json.loads(line[len("FINAL ") :]) for line in self.lines if line.startswith("FINAL ")
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
