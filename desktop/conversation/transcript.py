"""The conversation as it is recorded: one entry type, entries keyed by item id.

The controller keeps the :class:`Transcript`; the window's list model shows the
very same entries, and export writes them. Entries are immutable: every change
makes a new one, which the controller announces (``entry_changed``), so a view
never holds an entry that changes behind its back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["user", "assistant", "tool", "notice"]
#: pending: speech heard, no text yet (or a tool call not finished); streaming: text
#: arriving; done; failed: ``text`` holds the reason; interrupted: the user cut the reply short.
Status = Literal["pending", "streaming", "done", "failed", "interrupted"]
#: A tool call that asks before it runs: "asking" while the user has not answered,
#: then "allowed" or "denied"; empty for every other entry.
Consent = Literal["", "asking", "allowed", "denied"]

ROLE_NAMES: dict[str, str] = {
    "user": "You",
    "assistant": "Assistant",
    "tool": "Tool",
    "notice": "Notice",
}


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the conversation (a user or assistant message, a tool call, a notice)."""

    id: str
    role: Role
    text: str = ""
    status: Status = "done"
    time: datetime = field(default_factory=_now)
    tool_name: str = ""
    tool_arguments: str = ""
    tool_result: str = ""
    consent: Consent = ""


def entry_body(entry: TranscriptEntry) -> str:
    """What the entry says, as shown to the user and exported."""
    if entry.role == "tool":
        call = f"{entry.tool_name}({entry.tool_arguments})"
        if entry.consent == "asking":
            return f"{call} — may it run? Say yes or no, or choose Allow or Deny."
        if entry.consent == "denied":
            return f"{call} — not run: you said no."
        if entry.status == "failed":
            return f"{call} failed: {entry.text or entry.tool_result}"
        if entry.tool_result:
            return f"{call} → {entry.tool_result}"
        return f"{call} …"
    if entry.status == "failed":
        reason = entry.text or "unknown error"
        return f"transcription failed: {reason}" if entry.role == "user" else f"failed: {reason}"
    if entry.role == "user" and not entry.text:
        return "(speech)"
    if entry.status == "interrupted":
        return f"{entry.text} (interrupted)" if entry.text else "(interrupted)"
    return entry.text


def entry_header(entry: TranscriptEntry) -> str:
    return f"{ROLE_NAMES.get(entry.role, entry.role)} · {entry.time.strftime('%H:%M:%S')}"


def entry_plain_text(entry: TranscriptEntry) -> str:
    return f"[{entry.time.strftime('%H:%M:%S')}] {ROLE_NAMES.get(entry.role)}: {entry_body(entry)}"


class Transcript:
    """Ordered entries; user entries may be announced before their text arrives.

    Every method that changes an entry returns the new entry, for the caller to
    announce.
    """

    def __init__(self) -> None:
        self._entries: dict[str, TranscriptEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[TranscriptEntry]:
        return list(self._entries.values())

    def get(self, entry_id: str) -> TranscriptEntry | None:
        return self._entries.get(entry_id)

    def ensure(self, entry_id: str, role: Role, status: Status = "streaming") -> TranscriptEntry:
        """The entry ``entry_id``, made (empty, with ``status``) if it is new."""
        entry = self._entries.get(entry_id)
        if entry is None:
            entry = TranscriptEntry(id=entry_id, role=role, status=status)
            self._entries[entry_id] = entry
        return entry

    def append_text(self, entry_id: str, role: Role, delta: str) -> TranscriptEntry:
        entry = self.ensure(entry_id, role)
        return self._put(dataclasses.replace(entry, text=entry.text + delta))

    def finish(
        self, entry_id: str, role: Role, text: str | None, status: Status = "done"
    ) -> TranscriptEntry:
        """The entry's final text (``None`` keeps what streamed in) and status."""
        entry = self.ensure(entry_id, role)
        final = entry.text if text is None else text
        return self._put(dataclasses.replace(entry, text=final, status=status))

    def update(
        self, entry_id: str, role: Role, created_as: Status = "streaming", **changes: Any
    ) -> TranscriptEntry:
        """Change fields of the entry, e.g. a tool call's result; a new entry starts
        with status ``created_as`` (unless ``changes`` set one)."""
        entry = self.ensure(entry_id, role, created_as)
        return self._put(dataclasses.replace(entry, **changes))

    def put(self, entry: TranscriptEntry) -> TranscriptEntry:
        """Add ``entry`` as it is (an earlier conversation taken up again)."""
        return self._put(entry)

    def clear(self) -> None:
        self._entries.clear()

    def _put(self, entry: TranscriptEntry) -> TranscriptEntry:
        self._entries[entry.id] = entry
        return entry
