"""The conversation written into the history as it happens, on the real offline engine:
every final line, tool calls, usage and cost, backend, model and times; kept audio;
continuing a stored conversation; history off; a full disk; a damaged file at start."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.config.settings import Settings
from desktop.conversation.controller import ConversationController
from desktop.history import HistoryStore
from desktop.history.keeper import HistoryKeeper
from desktop.history.paths import default_history_path
from tests.support.conversation import MakeApp, MakeController, wait_live, wait_reply
from tests.support.disk import fill_disk


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore(tmp_path / "data" / "history.sqlite3")
    yield opened
    opened.close()


def keeping(
    make_controller: MakeController, settings: Settings, store: HistoryStore
) -> tuple[ConversationController, HistoryKeeper]:
    controller = make_controller(settings)
    return controller, HistoryKeeper(store, controller.record, settings, controller)


def stored_roles(store: HistoryStore, conversation_id: str) -> list[tuple[str, str]]:
    return [(e.role, e.text) for e in store.entries(conversation_id)]


def test_the_conversation_is_written_as_it_happens(
    qtbot: QtBot, make_controller: MakeController, settings: Settings, store: HistoryStore
) -> None:
    controller, keeper = keeping(make_controller, settings, store)
    controller.connect_backend()
    wait_live(qtbot, controller)
    assert store.list_conversations() == [], "connecting says nothing"
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    (summary,) = store.list_conversations()
    assert summary.id == keeper.conversation_id and summary.first_line == "Hello, my name is Ada."
    assert stored_roles(store, summary.id) == [
        ("user", "Hello, my name is Ada."),
        ("assistant", "Nice to meet you, Ada."),
    ]
    controller.send_text("What time is it?")
    wait_reply(qtbot, controller, count=2)
    tool = next(e for e in store.entries(summary.id) if e.role == "tool")
    assert tool.tool_name == "get_local_time" and '"time"' in tool.tool_result
    info = store.conversation(summary.id)
    assert info is not None
    assert (info.backend, info.model, info.ended_at) == ("offline", "offline engine", None)
    first = controller.transcript.entries()[0]
    assert info.started_at.timestamp() == pytest.approx(first.time.timestamp(), abs=0.01)
    ledger = controller.record.usage.session
    assert info.usage == ledger.as_dict() and ledger.total > 0 and info.cost_usd > 0

    controller.reset_conversation()
    info = store.conversation(summary.id)
    assert info is not None and info.ended_at is not None, "a reset ends it"
    assert not keeper.saved and keeper.conversation_id != summary.id
    keeper.close()
    assert len(HistoryStore(store.path).list_conversations()) == 1


def test_audio_is_kept_beside_the_conversation_and_nothing_said_keeps_nothing(
    qtbot: QtBot, make_controller: MakeController, settings: Settings, store: HistoryStore
) -> None:
    settings.history.keep_audio = True
    controller, keeper = keeping(make_controller, settings, store)
    empty_audio = keeper.audio_path
    assert empty_audio is not None and empty_audio.parent == store.audio_dir
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.reset_conversation()  # nothing was said
    assert not empty_audio.exists()
    wait_live(qtbot, controller)
    assert controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    kept = keeper.audio_path
    assert kept is not None and kept.exists()
    conversation_id = keeper.conversation_id
    controller.shutdown()  # the recording is finished
    keeper.close()
    reopened = HistoryStore(store.path)
    info = reopened.conversation(conversation_id)
    assert info is not None and info.audio_file == kept.name
    assert kept.stat().st_size > 44 + 24000 * 4 // 2, "at least half a second of both sides"
    reopened.close()


def test_history_off_writes_nothing(
    qtbot: QtBot, make_controller: MakeController, settings: Settings, store: HistoryStore
) -> None:
    settings.history.keep_history = False
    controller, _keeper = keeping(make_controller, settings, store)
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    assert store.list_conversations() == []


def test_a_continued_conversation_is_told_what_was_said_and_grows_in_place(
    qtbot: QtBot, make_controller: MakeController, settings: Settings, store: HistoryStore
) -> None:
    controller, keeper = keeping(make_controller, settings, store)
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    first = keeper.conversation_id
    first_cost = store.conversation(first).cost_usd  # type: ignore[union-attr]
    controller.reset_conversation()
    wait_live(qtbot, controller)
    controller.send_text("Hello.")
    wait_reply(qtbot, controller)
    second = keeper.conversation_id

    assert keeper.continue_conversation(first, controller.continue_conversation)
    assert keeper.conversation_id == first and keeper.saved
    second_info = store.conversation(second)
    assert second_info is not None and second_info.ended_at is not None
    assert [e.text for e in controller.transcript.entries()][:2] == [
        "Hello, my name is Ada.",
        "Nice to meet you, Ada.",
    ]
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: controller.transcript.entries()[-1].role == "notice", timeout=5000)
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=2)
    assert controller.transcript.entries()[-1].text == "Your name is Ada."
    texts = [text for _role, text in stored_roles(store, first)]
    assert texts[:2] == ["Hello, my name is Ada.", "Nice to meet you, Ada."]
    assert texts[-2:] == ["What is my name?", "Your name is Ada."]
    assert sum("New session" in text for text in texts) == 1, "where it was taken up again"
    assert store.conversation(first).cost_usd > first_cost  # type: ignore[union-attr]
    assert len(store.list_conversations()) == 2
    assert not keeper.continue_conversation(
        "no-such-conversation", controller.continue_conversation
    )


def test_a_full_disk_keeps_the_conversation_going_and_says_so(
    qtbot: QtBot, make_controller: MakeController, settings: Settings, small_disk: Path
) -> None:
    store = HistoryStore(small_disk / "history.sqlite3")
    controller, keeper = keeping(make_controller, settings, store)
    keeper.retry_interval_ms = 200
    problems: list[str] = []
    keeper.problem.connect(problems.append)
    controller.connect_backend()
    wait_live(qtbot, controller)
    filler = fill_disk(small_disk)
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=2)
    assert controller.transcript.entries()[-1].text == "Your name is Ada.", "it goes on"
    assert any("disk is full" in problem for problem in problems)
    assert store.pending_count > 0

    filler.unlink()
    qtbot.waitUntil(lambda: store.pending_count == 0, timeout=5000)
    assert any("saved again" in problem for problem in problems)
    assert [text for _role, text in stored_roles(store, keeper.conversation_id)] == [
        "Hello, my name is Ada.",
        "Nice to meet you, Ada.",
        "What is my name?",
        "Your name is Ada.",
    ]
    keeper.close()


def test_a_damaged_history_is_set_aside_and_a_fresh_one_kept(
    qtbot: QtBot, make_app: MakeApp
) -> None:
    path = default_history_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 4000)
    app = make_app()
    assert app.window is not None
    assert "damaged" in app.window.status_label.toolTip()
    kept = [p for p in path.parent.iterdir() if p.name.startswith("history.corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"SQLite format 3\x00\xde\xad")
    app.start(connect=True)
    wait_live(qtbot, app.controller)
    app.controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, app.controller)
    assert app.history is not None
    assert len(app.history.list_conversations()) == 1
    with sqlite3.connect(path) as fresh:
        assert fresh.execute("PRAGMA integrity_check").fetchone() == ("ok",)
