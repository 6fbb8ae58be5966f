"""The SQL of each change to the history, as data: a write is a tuple of
(statement, parameters) run in one transaction, so it can wait in a queue and
run later exactly as it would have run now. Every write is safe to run twice."""

from __future__ import annotations

import json
from typing import Any

Statement = tuple[str, tuple[Any, ...]]
Write = tuple[Statement, ...]

_UPSERT_ENTRY = """
INSERT INTO entries (conversation_id, item_key, role, text, status, created_at, finished_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (conversation_id, item_key) DO UPDATE SET
    role = excluded.role, text = excluded.text, status = excluded.status,
    finished_at = excluded.finished_at
"""
_UPSERT_TOOL = """
INSERT INTO tool_calls (entry_id, call_id, name, arguments, output)
VALUES ((SELECT id FROM entries WHERE conversation_id = ? AND item_key = ?), ?, ?, ?, ?)
ON CONFLICT (entry_id) DO UPDATE SET
    call_id = excluded.call_id, name = excluded.name,
    arguments = excluded.arguments, output = excluded.output
"""


def _update(columns: str, conversation_id: str, *values: Any) -> Write:
    return ((f"UPDATE conversations SET {columns} WHERE id = ?", (*values, conversation_id)),)


def new_conversation(
    conversation_id: str, title: str, backend: str, model: str, started_at: float
) -> Write:
    return (
        (
            "INSERT OR IGNORE INTO conversations (id, title, backend, model, started_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, title, backend, model, started_at),
        ),
    )


def entry(
    conversation_id: str,
    entry_id: str,
    role: str,
    text: str,
    status: str,
    created_at: float,
    finished_at: float,
    tool: tuple[str, str, str, str] | None,
) -> Write:
    """An entry; ``tool`` is (call id, name, arguments, output) for a tool call."""
    statements: list[Statement] = [
        (_UPSERT_ENTRY, (conversation_id, entry_id, role, text, status, created_at, finished_at))
    ]
    if tool is not None:
        statements.append((_UPSERT_TOOL, (conversation_id, entry_id, *tool)))
    return tuple(statements)


def ended(conversation_id: str, ended_at: float) -> Write:
    return _update("ended_at = ?", conversation_id, ended_at)


def usage(conversation_id: str, counts: dict[str, int], cost_usd: float) -> Write:
    encoded = json.dumps(counts, sort_keys=True)
    return _update("usage = ?, cost_usd = ?", conversation_id, encoded, float(cost_usd))


def audio_file(conversation_id: str, name: str) -> Write:
    return _update("audio_file = ?", conversation_id, name)


def title(conversation_id: str, text: str) -> Write:
    return _update("title = ?", conversation_id, text)


def deleted(conversation_id: str, deleted_at: float | None) -> Write:
    return _update("deleted_at = ?", conversation_id, deleted_at)


def purge(conversation_ids: list[str]) -> Write:
    return tuple(("DELETE FROM conversations WHERE id = ?", (cid,)) for cid in conversation_ids)
