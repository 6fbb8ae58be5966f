"""The conversation record: what was said and done, what it cost, and how it sounded.

:class:`ConversationRecord` is the one owner of the transcript, the usage
ledger and the audio recording. Every change to an entry goes through it and is
announced once (``entry_changed``) with the new, immutable entry: the window
shows it, and whatever keeps the conversation (a history store, say) can write
it as it happens. Export reads from here too.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.barge_in.playback_tracker import BargeIn
from desktop.conversation.export import write_transcript
from desktop.conversation.recorder import ConversationRecorder
from desktop.conversation.transcript import Role, Status, Transcript, TranscriptEntry
from desktop.conversation.usage import TokenCounts, UsageLedger


class ConversationRecord(QObject):
    """Transcript, usage and recording of one conversation (across sessions).

    Signals:
        entry_changed(TranscriptEntry): an entry was added or changed (the new entry).
        cleared(): the conversation was reset: no entries, no usage, no recording.
        usage_changed(UsageLedger): the usage after a response.
    """

    entry_changed = Signal(TranscriptEntry)
    cleared = Signal()
    usage_changed = Signal(UsageLedger)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.transcript = Transcript()
        self.usage = UsageLedger.empty()
        #: Written by the network threads (thread-safe); read on the GUI thread.
        self.recorder = ConversationRecorder()

    # -- entries -----------------------------------------------------------------------------

    def ensure(self, entry_id: str, role: Role, status: Status = "streaming") -> TranscriptEntry:
        """Announce the entry ``entry_id`` (made, empty, if it is new)."""
        return self._announce(self.transcript.ensure(entry_id, role, status))

    def append_text(self, entry_id: str, role: Role, delta: str) -> TranscriptEntry:
        return self._announce(self.transcript.append_text(entry_id, role, delta))

    def finish(
        self, entry_id: str, role: Role, text: str | None, status: Status = "done"
    ) -> TranscriptEntry:
        return self._announce(self.transcript.finish(entry_id, role, text, status))

    def update(
        self, entry_id: str, role: Role, created_as: Status = "streaming", **changes: Any
    ) -> TranscriptEntry:
        return self._announce(self.transcript.update(entry_id, role, created_as, **changes))

    def add_user_text(self, text: str) -> TranscriptEntry:
        """A message the user typed (it has no server item id yet)."""
        return self.finish(f"local_{uuid.uuid4().hex[:12]}", "user", text)

    def add_notice(self, text: str) -> TranscriptEntry:
        return self.finish(f"notice_{uuid.uuid4().hex[:8]}", "notice", text)

    def mark_interrupted(self, result: BargeIn) -> None:
        """A barge-in cut the assistant off: its entry says so."""
        if result.truncation is None:
            return
        entry = self.transcript.get(result.truncation.item_id)
        if entry is not None:
            self.update(entry.id, entry.role, status="interrupted")

    # -- usage, reset, export ----------------------------------------------------------------

    def add_usage(self, counts: TokenCounts) -> None:
        self.usage.add(counts)
        self.usage_changed.emit(self.usage)

    def clear(self) -> None:
        self.transcript.clear()
        self.usage = UsageLedger.empty()
        self.recorder.clear()
        self.cleared.emit()
        self.usage_changed.emit(self.usage)

    def export_transcript(self, path: Path, fmt: str) -> Path:
        """The transcript as ``fmt`` ("markdown" or "json"); ``OSError`` if unwritable."""
        return write_transcript(self.transcript.entries(), path, fmt)

    def export_audio(self, path: Path, stereo: bool = True) -> Path:
        return self.recorder.export_wav(path, stereo=stereo)

    def _announce(self, entry: TranscriptEntry) -> TranscriptEntry:
        self.entry_changed.emit(entry)
        return entry
