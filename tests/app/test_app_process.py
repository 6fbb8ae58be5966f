"""A real Parley process: killed mid-reply, asked to close by a signal, started twice.

Each test runs the app as ``parley`` runs it (``run_gui``), in a child process on
the offline engine, driven through a typed conversation (tests/support/app_process.py),
with the test's own data, settings and log directories.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.config.logging_setup import default_log_dir
from desktop.config.store import default_settings_path
from desktop.history import HistoryStore, InstanceLock
from desktop.history.paths import default_history_path
from tests.support.app_process import REPO_ROOT, AppProcess

pytestmark = pytest.mark.slow

#: The offline engine counts aloud for a while: long enough to be killed mid-reply.
LONG_REPLY = "Count to one hundred."


def stored_lines(store: HistoryStore) -> list[tuple[str, str, str]]:
    return [
        (entry.id, entry.role, entry.text)
        for summary in store.list_conversations()
        for entry in store.entries(summary.id)
        if entry.role in ("user", "assistant")
    ]


def test_kill_9_mid_reply_loses_no_final_line(tmp_path: Path) -> None:
    app = AppProcess(["Hello, my name is Ada.", "What time is it?", LONG_REPLY], tmp_path)
    try:
        app.read_until("SENT 3")
        time.sleep(0.3)  # the reply is streaming
        app.process.send_signal(signal.SIGKILL)
        app.process.wait(timeout=10)
    finally:
        app.stop()
    finals = {(f["id"], f["role"], f["text"]) for f in app.finals()}
    assert len(finals) >= 5, app.lines
    store = HistoryStore(default_history_path())
    try:
        stored = stored_lines(store)
        assert finals <= set(stored), "every line the app called final is on disk"
        (summary,) = store.list_conversations()
        assert summary.ended_at is None, "the killed app could not end it"
    finally:
        store.close()

    # Started again: the lock died with the process, and the old conversation ends
    # at its last line.
    (tmp_path / "again").mkdir()
    again = AppProcess([], tmp_path / "again")
    try:
        again.read_until("IDLE")
        again.process.send_signal(signal.SIGTERM)
        assert again.process.wait(timeout=20) == 0
    finally:
        again.stop()
    store = HistoryStore(default_history_path())
    try:
        (summary,) = store.list_conversations()
        assert summary.ended_at is not None
        assert set(stored_lines(store)) >= finals
    finally:
        store.close()


@pytest.mark.parametrize("which", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_cleanly(which: signal.Signals, tmp_path: Path, pulse_server: str) -> None:
    del pulse_server  # the child opens the virtual sound card
    app = AppProcess(["Hello, my name is Ada."], tmp_path, with_audio=True)
    try:
        app.read_until("IDLE")
        started = time.monotonic()
        app.process.send_signal(which)
        closed = json.loads(app.read_until("CLOSED", timeout=20)[len("CLOSED ") :])
        assert app.process.wait(timeout=20) == 0
        took = time.monotonic() - started
    finally:
        app.stop()
    assert closed == {"worker": False, "audio": False, "history": "unavailable"}
    assert took < 10
    settings = default_settings_path().read_text(encoding="utf-8")
    assert "speed = 1.25" in settings, "the settings were saved"
    log = (default_log_dir() / "parley.log").read_text(encoding="utf-8")
    assert f"closing on {which.name}" in log
    store = HistoryStore(default_history_path())
    try:
        (summary,) = store.list_conversations()
        assert summary.ended_at is not None, "the conversation was ended"
        assert [e.text for e in store.entries(summary.id)][:2] == [
            "Hello, my name is Ada.",
            "Nice to meet you, Ada.",
        ]
    finally:
        store.close()
    assert InstanceLock().acquire(), "the instance lock was let go"
    assert not Path(f"{default_history_path()}-wal").exists(), "the history was closed"


def test_a_second_parley_brings_the_first_forward(tmp_path: Path) -> None:
    first = AppProcess([], tmp_path)
    try:
        first.read_until("IDLE")
        second = subprocess.run(
            [sys.executable, "-m", "desktop", "--backend", "offline"],
            cwd=REPO_ROOT,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        log = default_log_dir() / "parley.log"
        deadline = time.monotonic() + 10
        while "another Parley was started" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the first instance was not asked"
            time.sleep(0.1)
        assert first.process.poll() is None, "the first instance runs on"
    finally:
        first.stop()
