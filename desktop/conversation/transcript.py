"""The conversation as the controller records it: entries keyed by item id.

This is the app's own record (what export writes); the transcript widget
renders it through the controller's signals.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Role = Literal["user", "assistant", "tool", "notice"]
Status = Literal["pending", "streaming", "done", "failed", "interrupted"]


@dataclass
class Entry:
    key: str
    role: Role
    text: str = ""
    status: Status = "streaming"
    time: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())
    tool_name: str = ""
    tool_arguments: str = ""
    tool_result: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["time"] = self.time.isoformat(timespec="seconds")
        if self.role != "tool":
            for key in ("tool_name", "tool_arguments", "tool_result"):
                data.pop(key)
        return data


class Transcript:
    """Ordered entries; user entries may be announced before their text arrives."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def ensure(self, key: str, role: Role, status: Status = "streaming") -> Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = Entry(key=key, role=role, status=status)
            self._entries[key] = entry
        return entry

    def append_text(self, key: str, role: Role, delta: str) -> Entry:
        entry = self.ensure(key, role)
        entry.text += delta
        return entry

    def finish(self, key: str, role: Role, text: str | None, status: Status = "done") -> Entry:
        entry = self.ensure(key, role)
        if text is not None:
            entry.text = text
        entry.status = status
        return entry

    def clear(self) -> None:
        self._entries.clear()

    def to_json(self) -> str:
        return json.dumps(
            {"conversation": [e.as_json() for e in self._entries.values()]},
            ensure_ascii=False,
            indent=2,
        )

    def to_markdown(self) -> str:
        lines = ["# Parley conversation", ""]
        for entry in self._entries.values():
            stamp = entry.time.strftime("%H:%M:%S")
            if entry.role == "tool":
                lines.append(f"**Tool** `{entry.tool_name}` ({stamp})")
                lines.append("")
                lines.append(f"- arguments: `{entry.tool_arguments or '{}'}`")
                lines.append(f"- result: `{entry.tool_result or '(pending)'}`")
            else:
                who = {"user": "You", "assistant": "Assistant", "notice": "Notice"}[entry.role]
                suffix = {"failed": " (transcription failed)", "interrupted": " (interrupted)"}
                lines.append(f"**{who}** ({stamp}){suffix.get(entry.status, '')}")
                lines.append("")
                lines.append(entry.text or "…")
            lines.append("")
        return "\n".join(lines)
