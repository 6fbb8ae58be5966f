"""The conversation written into the history as it happens.

:class:`HistoryKeeper` listens to the :class:`ConversationRecord` (on the GUI
thread) and stores each entry the moment it is final, the usage and cost after
each response, the backend and model, and when the conversation began and
ended. One write is one small SQLite transaction (tens of microseconds), so it
is made right there, on the GUI thread. While the history cannot be written
(a full disk, a lock) the store holds the writes in order and a timer tries
them again; the user is told once, and again when saving works.

A conversation enters the history with its first final entry: connecting and
leaving says nothing leaves nothing behind. Its id is chosen before that, so
that its audio (when the user keeps audio) can be recorded beside it from the
first word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.config.settings import Settings
from desktop.conversation.record import ConversationRecord
from desktop.conversation.transcript import TranscriptEntry
from desktop.conversation.usage import TokenCounts, UsageLedger, cost
from desktop.history.records import FINAL_STATUSES, as_transcript_entries
from desktop.history.store import HistoryStore, new_conversation_id

log = logging.getLogger(__name__)

#: Between retries of writes the history could not take yet.
RETRY_INTERVAL_MS = 10_000
#: How many of the newest entries are remembered as written (the same final entry
#: is often announced twice; it is written once).
RECENT_ENTRIES = 64


class HistoryKeeper(QObject):
    """Writes one app's conversations into ``store`` (None: no history at all).

    Writing is on while ``settings.history.keep_history`` is; reading and
    continuing work either way.

    Signals:
        problem(str): something the user should know about the history.
        conversations_changed(): a conversation was added to the history, renamed,
            deleted, brought back or ended; a list of them should be read again.
    """

    problem = Signal(str)
    conversations_changed = Signal()

    def __init__(
        self,
        store: HistoryStore | None,
        record: ConversationRecord,
        settings: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._record = record
        self._settings = settings
        self.conversation_id = ""
        #: Whether the conversation in progress is in the history yet.
        self.saved = False
        #: Where the conversation in progress keeps its audio (None: it does not).
        self.audio_path: Path | None = None
        self._usage_base = TokenCounts()
        self._written: dict[str, TranscriptEntry] = {}
        self._loading = False
        self._continuing: str | None = None
        #: Between retries of held writes (tests shorten it).
        self.retry_interval_ms = RETRY_INTERVAL_MS
        self._retry_timer = QTimer(self, interval=RETRY_INTERVAL_MS)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        if store is not None:
            store.on_problem = self.problem.emit
        record.entry_changed.connect(self._on_record_entry_changed)
        record.usage_changed.connect(self._on_record_usage_changed)
        record.cleared.connect(self._on_record_cleared)
        self._begin()

    @property
    def writing(self) -> bool:
        store = self.store
        return store is not None and not store.closed and self._settings.history.keep_history

    def problems(self) -> list[str]:
        """What went wrong so far (opening the history included)."""
        return list(self.store.problems) if self.store is not None else []

    # -- the conversation in progress --------------------------------------------------------

    def continue_conversation(
        self, conversation_id: str, take_up: Callable[[list[TranscriptEntry]], None]
    ) -> bool:
        """Carry on the stored conversation ``conversation_id``: ``take_up`` gets its
        entries (the controller's ``continue_conversation``); what is said next is
        added to it. False if there is no such conversation."""
        store = self.store
        info = store.conversation(conversation_id) if store is not None else None
        if store is None or info is None:
            return False
        entries = as_transcript_entries(store.entries(conversation_id))
        self._continuing = conversation_id
        self._loading = True
        try:
            take_up(entries)  # clears the record first: the current conversation ends
        finally:
            self._loading = False
            self._continuing = None
        self._usage_base = _counts(info.usage)
        return True

    def close(self) -> None:
        """The app is closing: the conversation ends, and the history is closed."""
        if not self.saved and self.audio_path is not None:
            self._record.recorder.close()  # to remove the file of nothing said
        self._end()
        self._retry_timer.stop()
        if self.store is not None:
            self.store.retry_pending()
            self.store.close()

    def _begin(self, conversation_id: str | None = None) -> None:
        """A new conversation in progress (not in the history until something is said)."""
        self.conversation_id = conversation_id or new_conversation_id()
        self.saved = conversation_id is not None
        self.audio_path = None
        self._usage_base = TokenCounts()
        self._written.clear()
        store = self.store
        if self.saved or store is None or not self.writing or not store.writable:
            return  # a conversation taken up again keeps its audio as it was
        if self._settings.history.keep_audio:
            self.audio_path = store.audio_path_for(self.conversation_id)
            self._record.recorder.restart(self.audio_path)

    def _end(self) -> None:
        store = self.store
        if store is None:
            return
        if self.saved:
            store.end_conversation(self.conversation_id)
            self._after_write()
            self.conversations_changed.emit()
            return
        if self.audio_path is not None:  # nothing was said: no audio to keep either
            self.audio_path.unlink(missing_ok=True)

    def _save_first(self, entry: TranscriptEntry) -> None:
        store = self.store
        assert store is not None
        connection = self._settings.connection
        model = "offline engine" if connection.backend == "offline" else connection.model
        store.start_conversation(
            connection.backend,
            model,
            started_at=entry.time.timestamp(),
            conversation_id=self.conversation_id,
        )
        if self.audio_path is not None:
            store.set_audio_file(self.conversation_id, self.audio_path)
        self.saved = True

    # -- what the record announces -----------------------------------------------------------

    def _on_record_entry_changed(self, entry: TranscriptEntry) -> None:
        if self._loading or not self.writing or entry.status not in FINAL_STATUSES:
            return
        store = self.store
        assert store is not None
        if self._written.get(entry.id) == entry:
            return
        first = not self.saved
        if first:
            self._save_first(entry)
        self._written[entry.id] = entry
        if len(self._written) > RECENT_ENTRIES:
            del self._written[next(iter(self._written))]
        store.save_entry(
            self.conversation_id,
            entry.id,
            entry.role,
            entry.text,
            entry.status,
            entry.time.timestamp(),
            tool_name=entry.tool_name,
            tool_arguments=entry.tool_arguments,
            tool_result=entry.tool_result,
        )
        self._after_write()
        if first:
            self.conversations_changed.emit()

    def _on_record_usage_changed(self, ledger: UsageLedger) -> None:
        if self._loading or not self.writing or not self.saved:
            return
        assert self.store is not None
        total = self._usage_base + ledger.session
        self.store.set_usage(
            self.conversation_id, total.as_dict(), cost(total, self._settings.prices)
        )
        self._after_write()

    def _on_record_cleared(self) -> None:
        self._end()
        self._begin(self._continuing)

    # -- writes the history could not take yet -------------------------------------------------

    def _after_write(self) -> None:
        store = self.store
        if store is not None and store.pending_count and not self._retry_timer.isActive():
            self._retry_timer.start(self.retry_interval_ms)

    def _on_retry_timer_timeout(self) -> None:
        store = self.store
        if store is None or store.retry_pending():
            self._retry_timer.stop()


def _counts(usage: dict[str, int]) -> TokenCounts:
    known = TokenCounts().as_dict()
    return TokenCounts(**{name: value for name, value in usage.items() if name in known})


def kept_audio_size(store: HistoryStore, audio_file: str) -> int:
    """Bytes of a conversation's kept audio on disk (0 when there is none)."""
    if not audio_file:
        return 0
    path = Path(audio_file)
    path = path if path.is_absolute() else store.audio_dir / path
    try:
        return path.stat().st_size
    except OSError:
        return 0
