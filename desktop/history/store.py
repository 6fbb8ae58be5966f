"""The history store: every conversation in SQLite, written as it happens.

Each final transcript entry is one small transaction (WAL mode, synchronous
NORMAL: a commit is a write to the operating system, no fsync), so writing on
the GUI thread costs tens of microseconds and a killed app loses at most the
line that was still streaming. When a write fails for a reason that can pass
(full disk, a lock held elsewhere, a history that could not be opened) the
write waits in a bounded queue, in order, and is retried later; the user is
told once per episode, and again when saving works again.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.history import queries
from desktop.history import statements as sql
from desktop.history.opening import Opened, StoreMode, classify, open_database
from desktop.history.paths import audio_dir_for, default_history_path
from desktop.history.records import (
    FINAL_STATUSES,
    ROLES,
    ConversationInfo,
    ConversationSummary,
    StoredEntry,
)
from desktop.history.statements import Write

__all__ = ["HistoryStore", "StoreMode"]

log = logging.getLogger(__name__)

ProblemCallback = Callable[[str], None]

#: Writes held while the history cannot be written (hours of conversation).
MAX_PENDING = 20_000
#: Between automatic retries of held writes (a new write triggers them).
RETRY_INTERVAL_S = 10.0
#: How long a retry waits for a lock held elsewhere (it runs on the caller's thread).
RETRY_BUSY_TIMEOUT_S = 0.05
#: Deleted conversations stay restorable this long before a purge removes them.
UNDO_WINDOW_S = 7 * 24 * 3600.0


class HistoryStore:
    """Conversations, entries and tool calls in one SQLite file. Use from one thread.

    ``problems`` collects sentences for the user (also passed to ``on_problem``).
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        read_only: bool = False,
        on_problem: ProblemCallback | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path or default_history_path()
        self.audio_dir = audio_dir_for(self.path)
        self.read_only_requested = read_only
        self.problems: list[str] = []
        #: Called with each sentence for the user as it is added to ``problems``.
        self.on_problem = on_problem
        self._clock = clock
        self._pending: deque[Write] = deque()
        self._dropped = 0
        self._failing = False
        self._told_read_only = False
        self._last_attempt = float("-inf")
        self._db: sqlite3.Connection | None = None
        self._lasting = False
        self.mode: StoreMode = "unavailable"
        #: True once :meth:`close` was called.
        self.closed = False
        self._adopt(open_database(self.path, read_only))

    # -- state -------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        return self.mode == "read-write"

    @property
    def pending_count(self) -> int:
        """Writes held until the history can be written again."""
        return len(self._pending)

    def close(self) -> None:
        """Close the file for good: later writes are let go (the app is ending)."""
        self.closed = True
        self._disconnect()

    def _disconnect(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()
        self.mode = "unavailable"

    # -- writes ------------------------------------------------------------------------

    def start_conversation(
        self,
        backend: str,
        model: str,
        *,
        title: str = "",
        started_at: float | None = None,
        conversation_id: str | None = None,
    ) -> str:
        """A new conversation; returns its id (made here unless given, so it exists
        even while the history cannot be written)."""
        conversation_id = conversation_id or new_conversation_id()
        started = self._clock() if started_at is None else started_at
        self._write(sql.new_conversation(conversation_id, title, backend, model, started))
        return conversation_id

    def end_conversation(self, conversation_id: str, ended_at: float | None = None) -> None:
        ended = self._clock() if ended_at is None else ended_at
        self._write(sql.ended(conversation_id, ended))

    def save_entry(
        self,
        conversation_id: str,
        entry_id: str,
        role: str,
        text: str,
        status: str,
        created_at: float,
        *,
        finished_at: float | None = None,
        call_id: str = "",
        tool_name: str = "",
        tool_arguments: str = "",
        tool_result: str = "",
    ) -> None:
        """Store a final entry (again, if it changed: e.g. marked interrupted later).

        ``created_at`` (when the entry appeared) orders the conversation, so a user
        line whose transcript completes after the reply began still comes first.
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"only final entries are stored, not {status!r} ones")
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        finished = self._clock() if finished_at is None else finished_at
        is_tool = role == "tool"
        stored_text = tool_name if is_tool and not text else text  # a tool is found by name
        tool = (call_id, tool_name, tool_arguments, tool_result) if is_tool else None
        self._write(
            sql.entry(
                conversation_id, entry_id, role, stored_text, status, created_at, finished, tool
            )
        )

    def set_usage(self, conversation_id: str, usage: dict[str, int], cost_usd: float) -> None:
        self._write(sql.usage(conversation_id, usage, cost_usd))

    def set_audio_file(self, conversation_id: str, audio_file: Path) -> None:
        """Remember the kept-audio file (stored relative to ``audio_dir`` when inside it)."""
        name = audio_file.name if audio_file.parent == self.audio_dir else str(audio_file)
        self._write(sql.audio_file(conversation_id, name))

    def audio_path_for(self, conversation_id: str) -> Path:
        """Where a conversation's kept audio goes (the directory is created)."""
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        return self.audio_dir / f"conversation-{conversation_id}.wav"

    def rename(self, conversation_id: str, title: str) -> None:
        self._write(sql.title(conversation_id, title.strip()))

    def delete(self, conversation_id: str) -> None:
        """Hide a conversation; :meth:`undo_delete` brings it back until it is purged."""
        self._write(sql.deleted(conversation_id, self._clock()))

    def undo_delete(self, conversation_id: str) -> None:
        self._write(sql.deleted(conversation_id, None))

    def purge_deleted(self, older_than_s: float = UNDO_WINDOW_S) -> int:
        """Remove for good what was deleted more than ``older_than_s`` ago, with its
        kept audio; returns how many conversations went."""
        if self._db is None or not self.writable:
            return 0
        cutoff = self._clock() - older_than_s
        rows = self._db.execute(
            "SELECT id, audio_file FROM conversations WHERE deleted_at IS NOT NULL "
            "AND deleted_at <= ?",
            (cutoff,),
        ).fetchall()
        if not rows:
            return 0
        if not self._commit([sql.purge([row[0] for row in rows])]):
            return 0  # nothing is held: the next purge tries again
        for _id, audio_file in rows:
            if audio_file:
                path = Path(audio_file)
                path = path if path.is_absolute() else self.audio_dir / path
                path.unlink(missing_ok=True)
        return len(rows)

    def close_unfinished(self) -> int:
        """Conversations a crash left without an end get the time of their last entry."""
        if self._db is None or not self.writable:
            return 0
        rows = self._db.execute(
            "SELECT c.id, coalesce(max(e.finished_at), c.started_at) FROM conversations c "
            "LEFT JOIN entries e ON e.conversation_id = c.id "
            "WHERE c.ended_at IS NULL GROUP BY c.id"
        ).fetchall()
        for conversation_id, end in rows:
            self._write(sql.ended(conversation_id, end))
        return len(rows)

    def retry_pending(self, force: bool = True) -> bool:
        """Try the held writes again (oldest first); True when none is left."""
        if not self._pending:
            return True
        now = time.monotonic()
        if not force and now - self._last_attempt < RETRY_INTERVAL_S:
            return False
        self._last_attempt = now
        if self.closed:
            return False
        if not self.writable and not self._lasting:
            self._disconnect()
            self._adopt(open_database(self.path, busy_timeout_s=RETRY_BUSY_TIMEOUT_S), report=False)
        if not self.writable:
            return False
        batch = list(self._pending)
        done = self._commit(batch)
        for _ in range(done):
            self._pending.popleft()
        if self._pending:
            return False
        if self._failing:
            self._failing = False
            self._report(f"The history is being saved again ({done} held changes written).")
        return True

    # -- reads -------------------------------------------------------------------------

    def list_conversations(self, limit: int = 100, offset: int = 0) -> list[ConversationSummary]:
        """Conversations newest first, with their first line and date (deleted ones hidden)."""
        return queries.list_conversations(self._db, limit, offset) if self._db else []

    def search(self, text: str, limit: int = 100) -> list[ConversationSummary]:
        """Conversations whose entries match ``text`` (full-text, word prefixes), newest first."""
        return queries.search(self._db, text, limit) if self._db else []

    def conversation(self, conversation_id: str) -> ConversationInfo | None:
        return queries.conversation(self._db, conversation_id) if self._db else None

    def entries(self, conversation_id: str) -> list[StoredEntry]:
        """A conversation's entries in the order they appeared."""
        return queries.entries(self._db, conversation_id) if self._db else []

    # -- internals ---------------------------------------------------------------------

    def _adopt(self, opened: Opened, report: bool = True) -> None:
        self._db, self.mode, self._lasting = opened.db, opened.mode, opened.lasting
        if report:
            for problem in opened.problems:
                self._report(problem)
        if not self.writable and not self._lasting:
            self._failing = True  # so that saving again is announced

    def _write(self, write: Write) -> bool:
        """Commit ``write`` now, or hold it (in order) when the history cannot take it."""
        if self.closed:
            log.warning("a history write after the history was closed was let go")
            return False
        if self._lasting:
            if self.read_only_requested and not self._told_read_only:
                self._told_read_only = True
                self._report(
                    "The history is open read-only in this window (another Parley is "
                    "running); this conversation is not saved."
                )
            return False
        if self._pending:
            self._hold(write)
            self.retry_pending(force=False)
            return not self._pending
        if self._commit([write]):
            return True
        self._hold(write)
        return False

    def _commit(self, writes: Sequence[Write]) -> int:
        """Commit ``writes`` in one transaction; returns how many of them (from the
        first) are done with. A write that can never succeed (it breaks a constraint)
        is logged and let go, so that it cannot hold up the ones after it."""
        db = self._db
        if db is None:
            return 0
        try:
            self._run(db, writes)
        except sqlite3.Error as exc:
            if _passing(exc):
                self._on_write_error(exc)
                return 0
            if len(writes) == 1:
                log.error("history write refused, let go: %s", exc)
                return 1
            done = 0
            for write in writes:
                if self._commit([write]) == 0:
                    break
                done += 1
            return done
        return len(writes)

    @staticmethod
    def _run(db: sqlite3.Connection, writes: Sequence[Write]) -> None:
        try:
            db.execute("BEGIN IMMEDIATE")
            for write in writes:
                for sql, parameters in write:
                    db.execute(sql, parameters)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise

    def _on_write_error(self, exc: sqlite3.Error) -> None:
        fault = classify(exc)
        log.warning("history write failed (%s): %s", fault, exc)
        if self._failing:
            return
        self._failing = True
        why = {
            "full": "the disk is full",
            "busy": "another program holds it locked",
            "corrupt": "the file is damaged; it will be set aside when Parley starts again",
        }.get(fault, str(exc))
        self._report(
            f"The history cannot be saved right now ({why}). The conversation goes on; "
            "what is said is kept and saved once there is room again."
        )

    def _hold(self, write: Write) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending.popleft()
            self._dropped += 1
            if self._dropped == 1:
                self._report(
                    "The history has been unwritable for a long time; the oldest unsaved "
                    "lines of this conversation are being let go."
                )
        self._pending.append(write)

    def _report(self, problem: str) -> None:
        self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def _passing(error: sqlite3.Error) -> bool:
    """Whether ``error`` may pass (a full disk, a lock, an I/O error, damage found while
    running) rather than being a write the database will always refuse."""
    return isinstance(error, sqlite3.OperationalError) or classify(error) != "other"
