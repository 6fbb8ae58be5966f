"""Transcript model streaming updates, rendering text, and export."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QFontMetrics, QGuiApplication, QPixmap
from pytestqt.qtbot import QtBot

from desktop.conversation.export import export_text, to_json, to_markdown
from desktop.conversation.transcript import TranscriptEntry, entry_body
from ui.transcript_model import TranscriptModel
from ui.transcript_view import TranscriptView

T0 = datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC)


def _conversation() -> list[TranscriptEntry]:
    return [
        TranscriptEntry("u1", "user", "What time is it?", time=T0),
        TranscriptEntry(
            "t1",
            "tool",
            status="done",
            time=T0 + timedelta(seconds=1),
            tool_name="local_time",
            tool_arguments="{}",
            tool_result='{"time": "15:03"}',
        ),
        TranscriptEntry("a1", "assistant", "It is 3 pm.", time=T0 + timedelta(seconds=2)),
        TranscriptEntry("u2", "user", "network error", "failed", time=T0 + timedelta(seconds=5)),
        TranscriptEntry("n1", "notice", "Reconnected", time=T0 + timedelta(seconds=9)),
    ]


def test_streaming_deltas_change_only_their_row(qtbot: QtBot) -> None:
    model = TranscriptModel(coalesce_ms=0)
    for entry in _conversation():
        model.add_entry(entry)
    model.add_entry(TranscriptEntry("a2", "assistant", status="streaming", time=T0))
    changed_rows: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, *_: changed_rows.append((top.row(), bottom.row()))
    )
    inserted: list[int] = []
    model.rowsInserted.connect(lambda *_: inserted.append(1))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    for i in range(1000):
        assert model.append_text("a2", f"w{i} ")

    assert len(changed_rows) == 1000
    assert set(changed_rows) == {(5, 5)}
    assert inserted == [] and resets == []
    streamed = model.entry("a2")
    assert streamed is not None
    assert streamed.text.startswith("w0 w1 ") and streamed.text.endswith("w999 ")
    assert model.rowCount() == 6


def test_streamed_text_is_announced_coalesced(qtbot: QtBot) -> None:
    model = TranscriptModel(coalesce_ms=20)
    model.add_entry(TranscriptEntry("u", "user", "hi", time=T0))
    model.add_entry(TranscriptEntry("a", "assistant", status="streaming", time=T0))
    changed_rows: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, *_: changed_rows.append((top.row(), bottom.row()))
    )
    for i in range(1000):
        model.append_text("a", f"{i} ")
    streamed = model.entry("a")
    assert streamed is not None and streamed.text.endswith("999 ")  # current at once
    qtbot.waitUntil(lambda: bool(changed_rows), timeout=2000)
    qtbot.wait(50)
    assert set(changed_rows) == {(1, 1)}
    assert len(changed_rows) < 10


def test_pending_user_entry_becomes_streaming_then_done() -> None:
    model = TranscriptModel()
    model.add_entry(TranscriptEntry("u1", "user", status="pending", time=T0))
    assert entry_body(model.entries()[0]) == "(speech)"
    model.append_text("u1", "Hello")
    assert model.entries()[0].status == "streaming"
    assert model.update_entry("u1", status="done", text="Hello there")
    assert entry_body(model.entries()[0]) == "Hello there"


def test_failed_transcription_is_shown_distinctly() -> None:
    failed = TranscriptEntry("u", "user", "audio too short", "failed", time=T0)
    assert entry_body(failed) == "transcription failed: audio too short"


def test_bad_updates_are_refused_not_raised() -> None:
    model = TranscriptModel()
    model.add_entry(TranscriptEntry("a", "assistant", "x", time=T0))
    assert model.update_entry("missing", text="y") is False
    assert model.append_text("missing", "y") is False
    assert model.update_entry("a", no_such_field=1) is False
    assert model.update_entry("a", id="b") is False
    assert model.entries()[0].text == "x"


def test_adding_a_known_id_replaces_it_in_place() -> None:
    model = TranscriptModel()
    model.add_entry(TranscriptEntry("a", "assistant", "first", time=T0))
    model.add_entry(TranscriptEntry("a", "assistant", "second", time=T0))
    assert [e.text for e in model.entries()] == ["second"]
    model.clear()
    assert model.rowCount(QModelIndex()) == 0


def test_markdown_export() -> None:
    text = to_markdown(_conversation())
    assert text.startswith("# Conversation\n")
    assert "**You** · 14:03:07\n\n> What time is it?" in text
    assert "`local_time`" in text and '{"time": "15:03"}' in text
    assert "**Assistant** · 14:03:09\n\n> It is 3 pm." in text
    assert "*transcription failed: network error*" in text
    assert "*14:03:16 — Reconnected*" in text


def test_json_export_round_trips() -> None:
    data = json.loads(to_json(_conversation()))
    assert data["format"] == "parley-transcript"
    entries = data["entries"]
    assert [e["role"] for e in entries] == ["user", "tool", "assistant", "user", "notice"]
    assert entries[0]["time"] == "2026-11-26T14:03:07+00:00"
    assert entries[1]["tool"] == {
        "name": "local_time",
        "arguments": "{}",
        "result": '{"time": "15:03"}',
    }
    assert entries[3]["status"] == "failed"
    with pytest.raises(ValueError, match="unknown export format"):
        export_text([], "pdf")


def test_view_exports_and_copies(qtbot: QtBot, tmp_path: Path) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    for entry in _conversation():
        view.model.add_entry(entry)
    target = tmp_path / "out.md"
    view.export_to(target, "markdown")
    assert target.read_text(encoding="utf-8") == to_markdown(_conversation())
    view.list_view.selectionModel().select(
        view.model.index(2, 0), view.list_view.selectionModel().SelectionFlag.Select
    )
    view.copy_selected()
    assert QGuiApplication.clipboard().text() == "[14:03:09] Assistant: It is 3 pm."


def test_view_follows_new_text_when_at_bottom(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    qtbot.waitExposed(view)
    for i in range(40):
        view.model.add_entry(TranscriptEntry(f"e{i}", "assistant", f"line {i}", time=T0))
    bar = view.list_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=3000)
    view.model.add_entry(TranscriptEntry("long", "assistant", "", "streaming", time=T0))
    for _ in range(30):
        view.model.append_text("long", "more words that wrap across the narrow view ")
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=3000)
    qtbot.wait(100)  # the user scrolls up once the layout has settled
    assert bar.value() == bar.maximum()
    bar.setValue(0)
    top_max = bar.maximum()
    view.model.append_text("long", "and still more text that needs another line " * 5)
    qtbot.waitUntil(lambda: bar.maximum() > top_max, timeout=3000)
    assert bar.value() == 0


def test_every_kind_of_entry_paints(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    for entry in _conversation():
        view.model.add_entry(entry)
    view.model.add_entry(TranscriptEntry("p", "user", status="pending", time=T0))
    view.model.add_entry(TranscriptEntry("i", "assistant", "cut", "interrupted", time=T0))
    view.list_view.selectAll()
    pixmap = QPixmap(view.size())
    pixmap.fill()
    view.render(pixmap)
    image = pixmap.toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 200, 7)}
    assert len(colours) > 2  # something was drawn


def test_streaming_reply_grows_a_few_lines_at_a_time(qtbot: QtBot) -> None:
    view = TranscriptView(TranscriptModel(coalesce_ms=0))
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.model.add_entry(TranscriptEntry("r", "assistant", "", "streaming", time=T0))
    heights = set()
    for _ in range(80):
        view.model.append_text("r", "words that wrap ")
        heights.add(view.list_view.sizeHintForRow(0))
    ordered = sorted(heights)
    steps = [b - a for a, b in itertools.pairwise(ordered)]
    line = QFontMetrics(view.list_view.font()).lineSpacing()
    assert len(steps) >= 2, "the reply did grow"
    assert min(steps) >= 2 * line, "a relayout every few lines, not every line"
    streaming_height = view.list_view.sizeHintForRow(0)
    view.model.update_entry("r", status="done")
    assert view.list_view.sizeHintForRow(0) <= streaming_height, "a finished reply fits its text"
