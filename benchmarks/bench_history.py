"""History store costs: one committed entry, search over 10,000 entries, opening.

Entries are written one at a time on the caller's thread (the GUI thread in the
app), each in its own transaction, so the figure that matters is the time per
committed entry, its tail (WAL checkpoints included), and what a plain SQLite
insert-and-commit costs on the same disk in the same run (the baseline). The
cost of synchronous=FULL (an fsync per commit) is measured too, to show what
the store's synchronous=NORMAL saves.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desktop.history import HistoryStore

ENTRIES = 10_000
PER_CONVERSATION = 20
WORDS = [
    "time",
    "date",
    "weather",
    "train",
    "station",
    "coffee",
    "meeting",
    "calendar",
    "reminder",
    "music",
    "volume",
    "timer",
    "kitchen",
    "garden",
    "letter",
    "invoice",
    "holiday",
    "flight",
    "hotel",
    "dinner",
    "recipe",
    "number",
    "answer",
    "question",
    "morning",
    "evening",
    "tomorrow",
    "yesterday",
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Barbara",
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))).capitalize() + "."


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed_us(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1e6


def fill(store: HistoryStore, rng: random.Random) -> list[float]:
    """ENTRIES entries in conversations of PER_CONVERSATION; µs per committed entry."""
    costs: list[float] = []
    start = time.time() - ENTRIES * 5
    conversation = ""
    for index in range(ENTRIES):
        if index % PER_CONVERSATION == 0:
            conversation = store.start_conversation("offline", "gpt-realtime", started_at=start)
        role = "user" if index % 2 == 0 else "assistant"
        text = sentence(rng)
        at = start + index * 5
        started = time.perf_counter()
        store.save_entry(conversation, f"k{index}", role, text, "done", at)
        costs.append((time.perf_counter() - started) * 1e6)
    return costs


def plain_sqlite_baseline(path: Path, rng: random.Random, synchronous: str) -> list[float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
    costs: list[float] = []
    for _ in range(2000):
        text = sentence(rng)

        def insert(text: str = text) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (text) VALUES (?)", (text,))
            db.execute("COMMIT")

        costs.append(timed_us(insert))
    db.close()
    return costs


def describe(name: str, costs: list[float]) -> None:
    print(
        f"{name:<44} mean {statistics.fmean(costs):8.1f} µs  median {percentile(costs, 0.5):7.1f}"
        f"  p99 {percentile(costs, 0.99):8.1f}  max {max(costs):9.1f}"
    )


def best_ms(function: Callable[[], object], repeat: int = 5) -> float:
    return min(timed_us(function) for _ in range(repeat)) / 1000


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as directory:
        root = Path(directory)
        store = HistoryStore(root / "history.sqlite3")
        entry_costs = fill(store, rng)
        baseline = plain_sqlite_baseline(root / "normal.db", rng, "NORMAL")
        describe(f"save_entry, {ENTRIES} committed one at a time", entry_costs)
        describe("baseline: plain INSERT + COMMIT (WAL, NORMAL)", baseline)
        describe(
            "plain INSERT + COMMIT (WAL, FULL)", plain_sqlite_baseline(root / "f.db", rng, "FULL")
        )
        ratio = percentile(entry_costs, 0.5) / percentile(baseline, 0.5)
        print(f"median save_entry / median baseline: {ratio:.1f}")
        size = (root / "history.sqlite3").stat().st_size / 1e6
        print(f"database: {size:.1f} MB for {ENTRIES} entries")
        for query in ("train", "Ada coffee", "zebra", "mor"):
            hits = len(store.search(query))
            took = best_ms(lambda q=query: store.search(q))  # type: ignore[misc]
            print(f"search {query!r:<16} {took:7.2f} ms  ({hits} conversations)")
        listed = store.list_conversations(100)
        took = best_ms(lambda: store.list_conversations(100))
        print(f"list_conversations(100) {took:7.2f} ms")
        newest = listed[0].id
        print(f"entries(one conversation) {best_ms(lambda: store.entries(newest)):5.2f} ms")
        store.close()
        took = best_ms(lambda: HistoryStore(root / "history.sqlite3").close())
        print(f"open, quick_check included {took:5.2f} ms")


if __name__ == "__main__":
    main()
