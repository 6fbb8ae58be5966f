"""The history store: what goes in comes back, in order; listing, search, rename,
delete with undo; schema versions and their migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.conversation.export import to_markdown
from desktop.history import HistoryStore, schema
from desktop.history.records import as_transcript_entries

T0 = 1_780_000_000.0  # a fixed moment, so orders and dates are exact


def _conversation(store: HistoryStore, said: list[tuple[str, str]], start: float = T0) -> str:
    conversation_id = store.start_conversation("offline", "gpt-realtime", started_at=start)
    for index, (role, text) in enumerate(said):
        store.save_entry(conversation_id, f"k{index}", role, text, "done", start + index)
    return conversation_id


def test_a_conversation_reads_back_in_the_order_it_was_said(store: HistoryStore) -> None:
    cid = store.start_conversation("openai", "gpt-realtime", started_at=T0)
    # The reply finishes first; the user's transcript completes later but was said first.
    store.save_entry(cid, "a1", "assistant", "It is four.", "done", T0 + 2, finished_at=T0 + 3)
    store.save_entry(cid, "u1", "user", "What is two plus two?", "done", T0 + 1, finished_at=T0 + 4)
    store.save_entry(
        cid,
        "t1",
        "tool",
        "",
        "done",
        T0 + 5,
        call_id="call_9",
        tool_name="calculate",
        tool_arguments='{"expression": "2+2"}',
        tool_result='{"result": 4}',
    )
    store.save_entry(cid, "n1", "notice", "⏰ tea: time is up", "done", T0 + 6)
    store.save_entry(cid, "a1", "assistant", "It is four.", "interrupted", T0 + 2)  # later news
    entries = store.entries(cid)
    assert [(e.id, e.role, e.status) for e in entries] == [
        ("u1", "user", "done"),
        ("a1", "assistant", "interrupted"),
        ("t1", "tool", "done"),
        ("n1", "notice", "done"),
    ]
    tool = entries[2]
    assert (tool.call_id, tool.tool_name, tool.tool_arguments, tool.tool_result) == (
        "call_9",
        "calculate",
        '{"expression": "2+2"}',
        '{"result": 4}',
    )
    assert entries[0].created_at.timestamp() == T0 + 1
    assert entries[0].finished_at.timestamp() == T0 + 4
    store.set_usage(cid, {"text_input": 12, "audio_output": 300}, 0.0123)
    store.end_conversation(cid, T0 + 60)
    info = store.conversation(cid)
    assert info is not None
    assert (info.backend, info.model, info.usage, info.cost_usd) == (
        "openai",
        "gpt-realtime",
        {"text_input": 12, "audio_output": 300},
        0.0123,
    )
    assert info.started_at.timestamp() == T0 and info.ended_at is not None
    assert info.ended_at.timestamp() == T0 + 60
    markdown = to_markdown(as_transcript_entries(entries))
    assert "What is two plus two?" in markdown and "`calculate`" in markdown


def test_only_final_entries_are_stored(store: HistoryStore) -> None:
    cid = store.start_conversation("offline", "m")
    with pytest.raises(ValueError, match="final"):
        store.save_entry(cid, "a1", "assistant", "It is", "streaming", T0)
    with pytest.raises(ValueError, match="role"):
        store.save_entry(cid, "a1", "robot", "beep", "done", T0)
    assert store.entries(cid) == []


def test_listing_is_newest_first_with_first_line_and_date(store: HistoryStore) -> None:
    old = _conversation(store, [("user", "Good morning\nsecond line"), ("assistant", "Hi")], T0)
    new = _conversation(store, [("assistant", "Welcome back"), ("user", "Hello")], T0 + 86400)
    store.start_conversation("offline", "m", started_at=T0 + 2 * 86400)  # nothing said: not listed
    listed = store.list_conversations()
    assert [c.id for c in listed] == [new, old]
    assert listed[1].first_line == "Good morning"
    assert listed[0].first_line == "Welcome back"
    assert listed[1].started_at.timestamp() == T0
    assert listed[1].label == "Good morning"
    store.rename(old, "  Breakfast plans ")
    assert store.list_conversations()[1].label == "Breakfast plans"
    assert [c.id for c in store.list_conversations(limit=1, offset=1)] == [old]


def test_delete_hides_undo_restores_purge_removes(store: HistoryStore) -> None:
    keep = _conversation(store, [("user", "keep me")])
    gone = _conversation(store, [("user", "delete me")], T0 + 10)
    audio = store.audio_path_for(gone)
    audio.write_bytes(b"RIFF")
    store.set_audio_file(gone, audio)
    store.delete(gone)
    assert [c.id for c in store.list_conversations()] == [keep]
    assert store.search("delete") == []
    store.undo_delete(gone)
    assert [c.id for c in store.list_conversations()] == [gone, keep]
    store.delete(gone)
    assert store.purge_deleted() == 0, "still within the undo window"
    assert store.purge_deleted(older_than_s=0) == 1
    assert store.conversation(gone) is None and store.entries(gone) == []
    assert not audio.exists()
    assert store.conversation(keep) is not None


def test_full_text_search_finds_words_and_prefixes_newest_first(store: HistoryStore) -> None:
    first = _conversation(store, [("user", "Book a table at the café"), ("assistant", "Done.")])
    second = _conversation(
        store, [("user", "Which cafe was it?"), ("assistant", "The one on Elm Street.")], T0 + 100
    )
    _conversation(store, [("user", "Nothing relevant here")], T0 + 200)
    hits = store.search("cafe")
    assert [h.id for h in hits] == [second, first], "accents folded, newest first"
    assert "[cafe]" in hits[0].snippet and "[café]" in hits[1].snippet
    assert [h.id for h in store.search("el stre")] == [second], "every word, as a prefix"
    assert [h.id for h in store.search("table done")] == [first], "words from different lines"
    assert store.search("table elm") == [], "but all of them in one conversation"
    assert store.search('"( * - ') == store.list_conversations(), "no word: everything"
    assert store.search('café" OR "x') == [], "quotes and operators are plain words"
    assert [h.id for h in store.search("(book* -")] == [first]
    store.rename(first, "Dinner reservation")
    assert [h.id for h in store.search("Dinner reserv")] == [first]
    assert store.search("Dinner reserv")[0].snippet == "Dinner reservation"


def test_the_database_is_in_wal_mode_at_the_latest_schema(
    store: HistoryStore, db_path: Path
) -> None:
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.latest_version()
    finally:
        db.close()


def test_an_older_schema_is_migrated_and_a_copy_kept(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = HistoryStore(db_path)
    cid = _conversation(first, [("user", "from version one")])
    first.close()
    monkeypatch.setitem(
        schema.MIGRATIONS,
        2,
        ("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0",),
    )
    upgraded = HistoryStore(db_path)
    try:
        assert upgraded.mode == "read-write"
        assert [e.text for e in upgraded.entries(cid)] == ["from version one"]
        db = sqlite3.connect(db_path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert db.execute("SELECT pinned FROM conversations").fetchall() == [(0,)]
        db.close()
    finally:
        upgraded.close()
    copies = list(db_path.parent.glob("history.schema-v1-*.sqlite3"))
    assert len(copies) == 1
    old = sqlite3.connect(copies[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT text FROM entries").fetchall() == [("from version one",)]
    old.close()


def test_a_history_from_a_newer_parley_opens_read_only(db_path: Path) -> None:
    first = HistoryStore(db_path)
    cid = _conversation(first, [("user", "written by the future")])
    first.close()
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA user_version = {schema.latest_version() + 1}")
    db.close()
    problems: list[str] = []
    later = HistoryStore(db_path, on_problem=problems.append)
    try:
        assert later.mode == "read-only"
        assert [e.text for e in later.entries(cid)] == ["written by the future"]
        assert any("newer version" in p for p in problems)
        later.save_entry(cid, "x", "user", "not saved", "done", T0)
        assert [e.text for e in later.entries(cid)] == ["written by the future"]
    finally:
        later.close()


def test_a_snippet_is_a_window_around_the_first_match() -> None:
    from desktop.history.queries import snippet

    words = " ".join(f"w{n}" for n in range(40))
    shown = snippet(f"{words} Café au lait {words}", ["cafe", "LA"])
    assert shown.startswith("…w36 w37 w38 w39 [Café] au [lait] w0")
    assert shown.endswith("…") and len(shown.split()) == 12
    assert snippet("Nothing here\nsecond line", ["zebra"]) == "Nothing here"
