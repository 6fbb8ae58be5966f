"""The History view in the window: conversations newest first, search, reading one,
renaming, deleting with undo, export, continuing; read-only in a second instance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.history import HistoryStore
from desktop.history.paths import default_history_path
from tests.support.conversation import MakeApp, wait_live, wait_reply
from ui.history_model import SummaryRole
from ui.history_panel import HistoryPanel

T0 = 1_780_000_000.0  # Thu 28 May 2026
DAY = 86_400.0
STORED = [
    ("Hello, my name is Ada.", "Nice to meet you, Ada.", T0),
    ("Where does the night train to Lisbon leave from?", "From platform nine.", T0 + DAY),
    ("What is a good tea for the evening?", "Chamomile; it has no caffeine.", T0 + 2 * DAY),
]


@pytest.fixture
def stored() -> list[str]:
    """Three conversations of earlier days in the history file; their ids, oldest first."""
    store = HistoryStore(default_history_path())
    ids = []
    for question, answer, start in STORED:
        cid = store.start_conversation("offline", "offline engine", started_at=start)
        store.save_entry(cid, f"u{start}", "user", question, "done", start + 1)
        store.save_entry(cid, f"a{start}", "assistant", answer, "done", start + 2)
        store.end_conversation(cid, start + 300)
        ids.append(cid)
    store.close()
    return ids


@pytest.fixture
def app(make_app: MakeApp, stored: list[str]) -> ParleyApp:
    del stored
    return make_app()


@pytest.fixture
def panel(qtbot: QtBot, app: ParleyApp) -> Iterator[HistoryPanel]:
    assert app.window is not None
    app.window.show()
    qtbot.waitExposed(app.window)
    app.window.history_dock.show()
    app.window.history_dock.raise_()
    yield app.window.history_dock.panel


def labels(panel: HistoryPanel) -> list[str]:
    return [
        panel.model.index(row, 0).data(SummaryRole).label for row in range(panel.model.rowCount())
    ]


def choose(panel: HistoryPanel, conversation_id: str) -> None:
    panel.list.setCurrentIndex(panel.model.index(panel.model.row_of(conversation_id), 0))


def test_conversations_are_listed_newest_first_with_first_line_and_date(
    panel: HistoryPanel,
) -> None:
    assert labels(panel) == [question for question, _a, _t in reversed(STORED)]
    tooltip = panel.model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Thu 28 May 2026" in tooltip and "5 min" in tooltip
    assert not panel.banner.isVisible()


def test_search_finds_words_anywhere_in_a_conversation(qtbot: QtBot, panel: HistoryPanel) -> None:
    qtbot.keyClicks(panel.search_edit, "platf")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    summary = panel.model.index(0, 0).data(SummaryRole)
    assert summary.first_line.startswith("Where does the night train")
    assert summary.snippet == "From [platform] nine."
    panel.search_edit.clear()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=3000)


def test_a_conversation_opens_read_only(
    qtbot: QtBot, panel: HistoryPanel, stored: list[str]
) -> None:
    choose(panel, stored[1])
    panel.open_action.trigger()
    assert panel.pages.currentIndex() == 1
    entries = panel.reader.model.entries()
    assert [(e.role, e.text) for e in entries] == [
        ("user", STORED[1][0]),
        ("assistant", STORED[1][1]),
    ]
    assert "offline offline engine" in panel.details.text()
    assert panel.title_edit.isReadOnly()
    assert "Clear" not in " ".join(a.text() for a in panel.reader.actions())
    panel.back_button.click()
    assert panel.pages.currentIndex() == 0


def test_rename_in_place_and_in_the_reader(
    qtbot: QtBot, app: ParleyApp, panel: HistoryPanel, stored: list[str]
) -> None:
    choose(panel, stored[1])
    panel.rename_action.trigger()
    editor = panel.list.findChild(QLineEdit)
    assert editor is not None and editor.text() == STORED[1][0]
    editor.selectAll()
    qtbot.keyClicks(editor, "Night train")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the edit is committed from the event loop
    qtbot.waitUntil(lambda: labels(panel)[1] == "Night train", timeout=3000)
    assert app.history is not None
    assert app.history.conversation(stored[1]).title == "Night train"  # type: ignore[union-attr]

    choose(panel, stored[0])
    panel.open_action.trigger()
    panel.rename_action.trigger()
    assert not panel.title_edit.isReadOnly()
    panel.title_edit.setText("Meeting Ada")
    panel.title_edit.editingFinished.emit()
    assert panel.title_edit.isReadOnly()
    assert app.history.conversation(stored[0]).title == "Meeting Ada"  # type: ignore[union-attr]
    assert app.history.search("Meeting")[0].id == stored[0], "found by its name"


def test_delete_then_undo_from_the_status_bar_and_with_ctrl_z(
    qtbot: QtBot, app: ParleyApp, panel: HistoryPanel, stored: list[str]
) -> None:
    window = app.window
    assert window is not None
    choose(panel, stored[2])
    panel.delete_action.trigger()
    assert labels(panel) == [STORED[1][0], STORED[0][0]]
    assert window.status_label.text().startswith("Deleted “What is a good tea")
    undo = window.history_dock.undo_button
    assert undo.isVisible()
    undo.click()
    assert labels(panel)[0] == STORED[2][0] and not undo.isVisible()
    assert window.status_label.text().startswith("Restored")

    choose(panel, stored[0])
    panel.delete_action.trigger()
    assert STORED[0][0] not in labels(panel)
    window.activateWindow()
    panel.list.setFocus()
    qtbot.waitUntil(panel.list.hasFocus, timeout=3000)
    qtbot.keyClick(panel.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert STORED[0][0] in labels(panel)
    assert app.history is not None and app.history.purge_deleted(older_than_s=0) == 0


def test_export_writes_the_stored_conversation(
    panel: HistoryPanel, stored: list[str], tmp_path: Path
) -> None:
    markdown = panel.export_conversation(stored[0], tmp_path / "ada.md", "markdown").read_text()
    assert "Hello, my name is Ada." in markdown and "**Assistant**" in markdown
    data = json.loads(
        panel.export_conversation(stored[0], tmp_path / "ada.json", "json").read_text()
    )
    assert [e["text"] for e in data["entries"]] == list(STORED[0][:2])


def test_continue_starts_a_session_that_knows_the_conversation(
    qtbot: QtBot, app: ParleyApp, panel: HistoryPanel, stored: list[str]
) -> None:
    window = app.window
    assert window is not None
    app.start()
    choose(panel, stored[0])
    panel.continue_action.trigger()
    wait_live(qtbot, app.controller)
    shown = window.transcript.model.entries()
    assert [e.text for e in shown[:2]] == list(STORED[0][:2])
    qtbot.waitUntil(lambda: window.transcript.model.entries()[-1].role == "notice", timeout=5000)
    app.controller.send_text("What is my name?")
    wait_reply(qtbot, app.controller, count=2)
    assert app.controller.transcript.entries()[-1].text == "Your name is Ada."
    assert app.keeper.conversation_id == stored[0]
    summary = panel.model.index(0, 0).data(SummaryRole)
    assert summary.id == stored[2], "the list is by start, the continued one keeps its place"
    messages: list[str] = []
    panel.status.connect(messages.append)
    choose(panel, stored[0])
    assert not panel.delete(stored[0]), "not the conversation in progress"
    panel.continue_action.trigger()
    assert "already in progress" in messages[-1]


def test_the_conversation_in_progress_appears_as_it_is_made(
    qtbot: QtBot, app: ParleyApp, panel: HistoryPanel
) -> None:
    app.start(connect=True)
    wait_live(qtbot, app.controller)
    app.controller.send_text("Hello from today.")
    wait_reply(qtbot, app.controller)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4, timeout=3000)
    assert labels(panel)[0] == "Hello from today."


def test_a_second_instance_reads_the_history_and_writes_nothing(
    qtbot: QtBot, make_app: MakeApp, stored: list[str]
) -> None:
    app = make_app(read_only_history=True)
    assert app.window is not None and app.history is not None
    panel = app.window.history_dock.panel
    app.window.history_dock.show()
    assert app.history.mode == "read-only"
    assert panel.banner.isVisibleTo(app.window) and "Read-only" in panel.banner.text()
    assert not panel.delete_action.isEnabled() and not panel.rename_action.isEnabled()
    assert panel.model.rowCount() == 3
    app.start(connect=True)
    wait_live(qtbot, app.controller)
    app.controller.send_text("Hello.")
    wait_reply(qtbot, app.controller)
    assert "read-only" in app.window.status_label.toolTip() + app.window.status_label.text()
    reader = HistoryStore(default_history_path(), read_only=True)
    assert len(reader.list_conversations()) == 3, "nothing was written"
    reader.close()
    del stored
