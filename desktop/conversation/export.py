"""The one export of a transcript: Markdown or versioned JSON, written to a file. No Qt.

The File menu (through the controller) and the transcript's own menu (from the
entries it shows) both write with :func:`write_transcript`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.conversation.transcript import ROLE_NAMES, TranscriptEntry, entry_body

EXPORT_FORMATS: dict[str, str] = {"markdown": ".md", "json": ".json"}


def entry_to_dict(entry: TranscriptEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry.id,
        "role": entry.role,
        "time": entry.time.isoformat(timespec="seconds"),
        "status": entry.status,
        "text": entry.text,
    }
    if entry.role == "tool":
        data["tool"] = {
            "name": entry.tool_name,
            "arguments": entry.tool_arguments,
            "result": entry.tool_result,
        }
    return data


def to_json(entries: Iterable[TranscriptEntry]) -> str:
    """A JSON document: ``{"entries": [...]}`` with ISO 8601 times."""
    document: dict[str, Any] = {
        "format": "parley-transcript",
        "version": 1,
        "entries": [entry_to_dict(entry) for entry in entries],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def to_markdown(entries: Iterable[TranscriptEntry], title: str = "Conversation") -> str:
    """A readable Markdown document, one section per entry."""
    lines = [f"# {title}", ""]
    for entry in entries:
        stamp = entry.time.strftime("%H:%M:%S")
        who = ROLE_NAMES.get(entry.role, entry.role)
        if entry.role == "notice":
            lines += [f"*{stamp} — {entry_body(entry)}*", ""]
        elif entry.role == "tool":
            lines += [f"**{who}** · {stamp} · `{entry.tool_name}`", ""]
            lines += ["```json", entry.tool_arguments or "{}", "```", ""]
            if entry.tool_result or entry.status == "failed":
                label = "Failed" if entry.status == "failed" else "Result"
                lines += [f"{label}:", "", "```", entry.tool_result or entry.text, "```", ""]
        else:
            body = entry_body(entry)
            if entry.status == "failed":
                body = f"*{body}*"
            lines += [f"**{who}** · {stamp}", "", _quote(body), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def export_text(entries: Iterable[TranscriptEntry], fmt: str) -> str:
    """``fmt`` is ``"markdown"`` or ``"json"``; ``ValueError`` otherwise."""
    if fmt == "markdown":
        return to_markdown(entries)
    if fmt == "json":
        return to_json(entries)
    raise ValueError(f"unknown export format {fmt!r} (use markdown or json)")


def write_transcript(entries: Iterable[TranscriptEntry], path: Path, fmt: str) -> Path:
    """Write ``entries`` to ``path`` as ``fmt``; ``OSError`` or ``ValueError`` on failure."""
    path.write_text(export_text(entries, fmt), encoding="utf-8")
    return path
