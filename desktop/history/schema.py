"""The history database's schema, versioned from the first release on.

``PRAGMA user_version`` holds the version. Each migration is a list of
statements that takes the database from the version before it to its own;
they run in order, each inside one transaction, so an interrupted upgrade
leaves the previous version intact. Never edit a released migration: add one.
"""

from __future__ import annotations

import sqlite3

_V1 = (
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        backend TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        ended_at REAL,
        usage TEXT NOT NULL DEFAULT '{}',
        cost_usd REAL NOT NULL DEFAULT 0,
        audio_file TEXT NOT NULL DEFAULT '',
        deleted_at REAL
    )""",
    "CREATE INDEX conversations_by_start ON conversations (started_at)",
    """CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        UNIQUE (conversation_id, item_key)
    )""",
    "CREATE INDEX entries_in_order ON entries (conversation_id, created_at, id)",
    """CREATE TABLE tool_calls (
        entry_id INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
        call_id TEXT NOT NULL,
        name TEXT NOT NULL,
        arguments TEXT NOT NULL,
        output TEXT NOT NULL
    )""",
    """CREATE VIRTUAL TABLE entries_fts USING fts5 (
        text, content = 'entries', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text);
    END""",
)

#: Version -> the statements that reach it from the version before.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: _V1}


def latest_version() -> int:
    return max(MIGRATIONS)


def current_version(db: sqlite3.Connection) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    return int(version)


def migrate(db: sqlite3.Connection) -> list[int]:
    """Bring ``db`` (in autocommit mode) up to the latest version; returns the
    versions applied. Each step commits alone, with its version number."""
    applied: list[int] = []
    for version in sorted(MIGRATIONS):
        if version <= current_version(db):
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            if version > current_version(db):  # not done meanwhile by another connection
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {int(version)}")
                applied.append(version)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return applied
