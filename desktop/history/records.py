"""What the history hands back: conversations, their summaries, their entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from desktop.conversation.transcript import Role, Status, TranscriptEntry

#: Transcript statuses that are final: only these are stored.
FINAL_STATUSES: frozenset[str] = frozenset({"done", "failed", "interrupted"})
ROLES: frozenset[str] = frozenset({"user", "assistant", "notice", "tool"})
FIRST_LINE_CHARS = 120


def from_timestamp(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC).astimezone()


def first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"


@dataclass(frozen=True)
class StoredEntry:
    """One final transcript entry; tool entries also carry their call."""

    id: str
    role: str
    text: str
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime
    call_id: str = ""
    tool_name: str = ""
    tool_arguments: str = ""
    tool_result: str = ""


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    title: str
    backend: str
    model: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    audio_file: str = ""
    deleted_at: dt.datetime | None = None


@dataclass(frozen=True)
class ConversationSummary:
    """One row of the History list: newest first, with its first line and date."""

    id: str
    title: str
    first_line: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    #: The matching text around a search hit, the match in [brackets]; empty in listings.
    snippet: str = ""

    @property
    def label(self) -> str:
        return self.title or self.first_line or "(nothing said)"


def as_transcript_entries(entries: Iterable[StoredEntry]) -> list[TranscriptEntry]:
    """A stored conversation as the app's own entries (to show, export or continue)."""
    return [
        TranscriptEntry(
            id=stored.id,
            role=cast(Role, stored.role if stored.role in ROLES else "notice"),
            text=stored.text,
            status=cast(Status, stored.status if stored.status in FINAL_STATUSES else "done"),
            time=stored.created_at,
            tool_name=stored.tool_name,
            tool_arguments=stored.tool_arguments,
            tool_result=stored.tool_result,
        )
        for stored in entries
    ]
