"""The history under faults: a killed app, a damaged file, another Parley, a full disk.
The conversation always goes on, the user is told, and nothing said is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.history import HistoryStore, InstanceLock
from desktop.history import store as store_module
from desktop.history.instance_channel import claim_instance
from desktop.history.instance_lock import instance_server_name
from tests.support.disk import fill_disk

REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = 1_780_000_000.0


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    """A Python process running ``code`` with the repository importable."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait(timeout=10)
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()


def test_kill_9_while_writing_loses_no_committed_entry(db_path: Path) -> None:
    child = _child(
        """
        import sys
        from pathlib import Path
        from desktop.history import HistoryStore
        store = HistoryStore(Path(sys.argv[1]))
        cid = store.start_conversation("offline", "m")
        print(cid, flush=True)
        for i in range(1_000_000):
            store.save_entry(cid, f"k{i}", "user", f"line {i}", "done", 1000.0 + i)
            print(i, flush=True)
        """,
        str(db_path),
    )
    try:
        assert child.stdout is not None
        cid = child.stdout.readline().strip()
        committed = -1
        while committed < 300:
            committed = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)  # in the middle of the next writes
        child.wait(timeout=10)
    finally:
        _stop(child)
    after = HistoryStore(db_path)
    try:
        assert after.mode == "read-write" and after.problems == []
        texts = [entry.text for entry in after.entries(cid)]
        assert len(texts) > committed
        assert texts == [f"line {i}" for i in range(len(texts))], "a whole prefix, in order"
        assert after.close_unfinished() == 1
        info = after.conversation(cid)
        assert info is not None and info.ended_at is not None
    finally:
        after.close()


def test_a_file_that_is_not_a_database_is_kept_aside_every_time(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    for attempt, garbage in enumerate((b"not a database, first", b"not a database, second")):
        db_path.write_bytes(garbage * 200)
        problems: list[str] = []
        store = HistoryStore(db_path, on_problem=problems.append)
        try:
            assert store.mode == "read-write"
            cid = store.start_conversation("offline", "m")
            store.save_entry(cid, "u", "user", "a fresh start", "done", T0)
            assert [e.text for e in store.entries(cid)] == ["a fresh start"]
        finally:
            store.close()
        kept = sorted(db_path.parent.glob("history.corrupt-*.sqlite3"))
        assert len(kept) == attempt + 1, "no earlier copy is overwritten"
        assert any(path.read_bytes() == garbage * 200 for path in kept)
        assert len(problems) == 1 and "damaged" in problems[0]
        assert any(str(path) in problems[0] for path in kept)


def test_a_database_with_a_damaged_page_is_kept_aside(db_path: Path) -> None:
    store = HistoryStore(db_path)
    cid = store.start_conversation("offline", "m")
    for index in range(300):
        store.save_entry(cid, f"k{index}", "user", f"line {index} " * 20, "done", T0 + index)
    store.close()
    size = db_path.stat().st_size
    with db_path.open("r+b") as damaged:
        damaged.seek(size // 2)
        damaged.write(random.Random(7).randbytes(8192))
    problems: list[str] = []
    reopened = HistoryStore(db_path, on_problem=problems.append)
    try:
        assert reopened.mode == "read-write"
        assert reopened.list_conversations() == []
        assert problems and "damaged" in problems[0]
    finally:
        reopened.close()
    assert len(list(db_path.parent.glob("history.corrupt-*.sqlite3"))) == 1


def test_a_second_instance_learns_who_is_first_and_reads_the_history(
    db_path: Path, qapp: object
) -> None:
    lock_path = db_path.parent / "instance.lock"
    first = _child(
        """
        import sys
        from pathlib import Path
        from desktop.history import HistoryStore, InstanceLock
        lock = InstanceLock(Path(sys.argv[2]))
        assert lock.acquire()
        store = HistoryStore(Path(sys.argv[1]))
        cid = store.start_conversation("offline", "m")
        print(cid, flush=True)
        for number, line in enumerate(sys.stdin):
            store.save_entry(cid, f"k{number}", "user", line.strip(), "done", 1000.0 + number)
            print("saved", flush=True)
        """,
        str(db_path),
        str(lock_path),
    )
    try:
        assert first.stdout is not None and first.stdin is not None
        cid = first.stdout.readline().strip()
        second = InstanceLock(lock_path)
        assert not second.acquire()
        assert second.owner_pid == first.pid
        # The first does not listen for others (a stuck window, say): read-only.
        assert claim_instance(InstanceLock(lock_path)) == "read-only"
        assert instance_server_name(lock_path) == instance_server_name(lock_path)
        assert instance_server_name(lock_path) != instance_server_name(db_path)
        first.stdin.write("said in the first window\n")
        first.stdin.flush()
        assert first.stdout.readline().strip() == "saved"
        problems: list[str] = []
        viewer = HistoryStore(db_path, read_only=True, on_problem=problems.append)
        try:
            assert viewer.mode == "read-only"
            assert [e.text for e in viewer.entries(cid)] == ["said in the first window"]
            first.stdin.write("and more, while the second looks\n")
            first.stdin.flush()
            assert first.stdout.readline().strip() == "saved"
            assert len(viewer.entries(cid)) == 2, "the reader sees new commits"
            viewer.save_entry(cid, "x", "user", "from the second window", "done", T0)
            assert len(problems) == 1 and "read-only" in problems[0]
            assert len(viewer.entries(cid)) == 2
        finally:
            viewer.close()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert second.acquire(), "a killed instance leaves no stale lock"
        assert second.owner_pid == os.getpid()
        second.release()
    finally:
        _stop(first)


def test_a_database_locked_by_another_program_holds_writes_until_it_is_free(
    db_path: Path,
) -> None:
    HistoryStore(db_path).close()
    holder = _child(
        """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1], isolation_level=None)
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        db.execute("CREATE TABLE held (x)")
        print("locked", flush=True)
        sys.stdin.readline()
        db.execute("ROLLBACK")
        db.close()
        print("released", flush=True)
        """,
        str(db_path),
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "locked"
        problems: list[str] = []
        store = HistoryStore(db_path, on_problem=problems.append)
        try:
            assert store.mode in ("unavailable", "read-only")
            assert problems and "locked" in problems[0]
            cid = store.start_conversation("offline", "m")
            store.save_entry(cid, "u1", "user", "said while locked", "done", T0)
            assert store.pending_count == 2
            holder.stdin.write("release\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "released"
            assert store.retry_pending()
            assert store.mode == "read-write" and store.pending_count == 0
            assert [e.text for e in store.entries(cid)] == ["said while locked"]
            assert "saved again" in problems[-1]
        finally:
            store.close()
    finally:
        _stop(holder)


def _cap_size(store: HistoryStore, spare_pages: int = 0) -> Callable[[], object]:
    """Limit the store's database to its size now plus ``spare_pages`` (SQLite's own size
    limit gives the same error a full disk does); returns what lifts the limit."""
    db = store._db
    assert db is not None
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
    return lambda: db.execute("PRAGMA max_page_count = 1000000")


def _full_disk_round_trip(
    store: HistoryStore, problems: list[str], make_room: Callable[[], object]
) -> None:
    cid = store.start_conversation("offline", "m", started_at=T0)
    store.save_entry(cid, "u0", "user", "before the disk filled", "done", T0)
    lines = [f"line {index}: " + "words " * 400 for index in range(40)]
    for index, line in enumerate(lines):
        store.save_entry(cid, f"k{index}", "user", line, "done", T0 + 1 + index)
    assert store.pending_count > 0, "the disk filled up"
    assert len([p for p in problems if "disk is full" in p]) == 1, "told once"
    assert store.retry_pending() is False
    make_room()
    store.save_entry(cid, "last", "assistant", "after there was room", "done", T0 + 100)
    assert store.retry_pending()
    texts = [entry.text for entry in store.entries(cid)]
    assert texts == ["before the disk filled", *lines, "after there was room"]
    assert "saved again" in problems[-1]


def test_a_full_disk_holds_what_is_said_and_saves_it_when_there_is_room(
    small_disk: Path,
) -> None:
    problems: list[str] = []
    store = HistoryStore(small_disk / "history.sqlite3", on_problem=problems.append)
    filler = fill_disk(small_disk)
    try:
        _full_disk_round_trip(store, problems, lambda: filler.unlink())
    finally:
        store.close()


def test_a_database_at_its_size_limit_holds_writes_the_same_way(db_path: Path) -> None:
    problems: list[str] = []
    store = HistoryStore(db_path, on_problem=problems.append)
    make_room = _cap_size(store, spare_pages=2)
    try:
        _full_disk_round_trip(store, problems, make_room)
    finally:
        store.close()


def test_held_writes_are_bounded_and_the_user_is_told(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_PENDING", 5)
    problems: list[str] = []
    store = HistoryStore(db_path, on_problem=problems.append)
    _cap_size(store)
    try:
        cid = store.start_conversation("offline", "m")
        for index in range(12):
            store.save_entry(cid, f"k{index}", "user", "x" * 5000, "done", T0 + index)
        assert store.pending_count == 5
        assert any("oldest unsaved" in p for p in problems)
    finally:
        store.close()


def test_a_write_that_can_never_succeed_does_not_hold_up_the_others(db_path: Path) -> None:
    problems: list[str] = []
    store = HistoryStore(db_path, on_problem=problems.append)
    make_room = _cap_size(store)
    try:
        cid = store.start_conversation("offline", "m")
        store.save_entry(cid, "u1", "user", "kept " * 2000, "done", T0 + 1)  # the disk is full
        store.save_entry("no-such-conversation", "x", "user", "orphan", "done", T0)
        store.save_entry(cid, "a1", "assistant", "also kept", "done", T0 + 2)
        assert store.pending_count == 3
        make_room()
        assert store.retry_pending()
        assert [e.id for e in store.entries(cid)] == ["u1", "a1"]
        assert store.entries("no-such-conversation") == []
    finally:
        store.close()
