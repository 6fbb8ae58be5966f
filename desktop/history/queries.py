"""Reading the history back: listings, full-text search, one conversation in order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
import unicodedata
from typing import Any

from desktop.history.records import (
    ConversationInfo,
    ConversationSummary,
    StoredEntry,
    first_line,
    from_timestamp,
)

#: The first thing said in a conversation, for its line in the list.
_FIRST_TEXT = """(
    SELECT e.text FROM entries e
    WHERE e.conversation_id = c.id AND e.role IN ('user', 'assistant') AND e.text != ''
    ORDER BY e.created_at, e.id LIMIT 1
)"""
_SUMMARY_COLUMNS = f"c.id, c.title, c.started_at, c.ended_at, {_FIRST_TEXT}"
_HAS_ENTRIES = "EXISTS (SELECT 1 FROM entries e WHERE e.conversation_id = c.id)"
_WORD = re.compile(r"\w+")
SNIPPET_TOKENS = 12


def list_conversations(
    db: sqlite3.Connection, limit: int, offset: int
) -> list[ConversationSummary]:
    rows = db.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM conversations c "
        f"WHERE c.deleted_at IS NULL AND {_HAS_ENTRIES} "
        "ORDER BY c.started_at DESC, c.id LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [_summary(row) for row in rows]


def fts_terms(text: str) -> list[str]:
    """``text`` as FTS5 prefix terms, one per word; the user's quotes and operators
    are taken as plain words, never as query syntax."""
    return [f'"{word}"*' for word in _WORD.findall(text)]


def search(db: sqlite3.Connection, text: str, limit: int) -> list[ConversationSummary]:
    """Conversations in which every word of ``text`` was said (anywhere in them, as a
    word or the start of one), or whose title holds ``text``; newest first."""
    terms = fts_terms(text)
    if not terms:
        return list_conversations(db, limit, 0)
    matching: set[str] | None = None
    for term in dict.fromkeys(terms):
        found = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT e.conversation_id FROM entries_fts "
                "JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH ?",
                (term,),
            )
        }
        matching = found if matching is None else matching & found
        if not matching:
            break
    pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    titled = {
        row[0]
        for row in db.execute(
            "SELECT id FROM conversations WHERE title != '' AND title LIKE ? ESCAPE '\\'",
            (pattern,),
        )
    }
    wanted = (matching or set()) | titled
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM conversations c "
        f"WHERE c.id IN ({marks}) AND c.deleted_at IS NULL "
        "ORDER BY c.started_at DESC, c.id LIMIT ?",
        (*wanted, limit),
    ).fetchall()
    summaries = [_summary(row) for row in rows]
    words = _WORD.findall(text)
    snippets = _newest_snippets(db, terms, words, [s.id for s in summaries])
    return [
        _with_snippet(summary, snippets.get(summary.id) or summary.title) for summary in summaries
    ]


def _newest_snippets(
    db: sqlite3.Connection, terms: list[str], words: list[str], ids: list[str]
) -> dict[str, str]:
    """For each conversation in ``ids``, its newest matching line, the matches marked."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        "SELECT e.conversation_id, e.text FROM entries e WHERE e.id IN ("
        "  SELECT max(e2.id) FROM entries e2"
        f"  WHERE e2.conversation_id IN ({marks}) AND e2.id IN ("
        "    SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)"
        "  GROUP BY e2.conversation_id)",
        (*ids, " OR ".join(terms)),
    ).fetchall()
    return {conversation_id: snippet(text, words) for conversation_id, text in rows}


def _folded(word: str) -> str:
    """A word as the full-text index compares it: lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def snippet(text: str, words: list[str]) -> str:
    """A few words of ``text`` around its first match, every match in [brackets].

    Done here rather than with FTS5's snippet(), which re-runs the prefix query
    for every row (a third of a millisecond each on 10,000 entries)."""
    wanted = [_folded(word) for word in words]
    tokens = list(_WORD.finditer(text))
    hits = [i for i, t in enumerate(tokens) if any(_folded(t[0]).startswith(w) for w in wanted)]
    if not hits:
        return first_line(text)
    first = max(0, hits[0] - SNIPPET_TOKENS // 3)
    last = min(len(tokens), first + SNIPPET_TOKENS)
    begin = 0 if first == 0 else tokens[first].start()
    finish = len(text) if last == len(tokens) else tokens[last - 1].end()
    pieces, cursor = [], begin
    for index in hits:
        if first <= index < last:
            token = tokens[index]
            pieces += [text[cursor : token.start()], "[", token[0], "]"]
            cursor = token.end()
    pieces.append(text[cursor:finish])
    shown = " ".join("".join(pieces).split())
    return ("…" if begin > 0 else "") + shown + ("…" if finish < len(text) else "")


def conversation(db: sqlite3.Connection, conversation_id: str) -> ConversationInfo | None:
    row = db.execute(
        "SELECT id, title, backend, model, started_at, ended_at, usage, cost_usd, "
        "audio_file, deleted_at FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if row is None:
        return None
    try:
        usage = {str(k): int(v) for k, v in json.loads(row[6]).items()}
    except (ValueError, TypeError, AttributeError):
        usage = {}
    return ConversationInfo(
        id=row[0],
        title=row[1],
        backend=row[2],
        model=row[3],
        started_at=from_timestamp(row[4]),
        ended_at=_time_or_none(row[5]),
        usage=usage,
        cost_usd=float(row[7]),
        audio_file=row[8],
        deleted_at=_time_or_none(row[9]),
    )


def entries(db: sqlite3.Connection, conversation_id: str) -> list[StoredEntry]:
    rows = db.execute(
        "SELECT e.item_key, e.role, e.text, e.status, e.created_at, e.finished_at, "
        "t.call_id, t.name, t.arguments, t.output "
        "FROM entries e LEFT JOIN tool_calls t ON t.entry_id = e.id "
        "WHERE e.conversation_id = ? ORDER BY e.created_at, e.id",
        (conversation_id,),
    ).fetchall()
    return [
        StoredEntry(
            id=row[0],
            role=row[1],
            text=row[2],
            status=row[3],
            created_at=from_timestamp(row[4]),
            finished_at=from_timestamp(row[5]),
            call_id=row[6] or "",
            tool_name=row[7] or "",
            tool_arguments=row[8] or "",
            tool_result=row[9] or "",
        )
        for row in rows
    ]


def _summary(row: tuple[Any, ...]) -> ConversationSummary:
    return ConversationSummary(
        id=row[0],
        title=row[1],
        first_line=first_line(row[4] or ""),
        started_at=from_timestamp(row[2]),
        ended_at=_time_or_none(row[3]),
    )


def _with_snippet(summary: ConversationSummary, snippet: str) -> ConversationSummary:
    return dataclasses.replace(summary, snippet=snippet)


def _time_or_none(value: float | None) -> dt.datetime | None:
    return None if value is None else from_timestamp(value)
