"""Event inspector: audio as sizes, folding, filtering, secrets, bounded history."""

from __future__ import annotations

import base64
import json

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.config.logging_setup import REDACTED, register_secret
from ui.event_inspector import EventInspector
from ui.inspector_model import InspectorLog, filter_rows, sanitise_event

AUDIO_9600 = base64.b64encode(bytes(9600)).decode()


def test_audio_payloads_become_sizes() -> None:
    append = sanitise_event({"type": "input_audio_buffer.append", "audio": AUDIO_9600})
    assert append["audio"] == "<audio 9600 bytes>"
    delta = sanitise_event({"type": "response.output_audio.delta", "delta": AUDIO_9600})
    assert delta["delta"] == "<audio 9600 bytes>"
    transcript = sanitise_event(
        {"type": "response.output_audio_transcript.delta", "delta": "Hello"}
    )
    assert transcript["delta"] == "Hello"


def test_secrets_are_redacted_but_token_counts_are_not() -> None:
    register_secret("my-registered-secret-value")
    event = {
        "type": "session.created",
        "api_key": "abc123456",
        "headers": {"Authorization": "Bearer abcdefghijkl", "x": "1"},
        "client_secret": {"value": "ek_abcdefghijklmnop", "expires_at": 5},
        "note": "key is sk-abcdefghijklmnopqrstuv and my-registered-secret-value",
        "usage": {"total_tokens": 42, "input_token_details": {"cached_tokens": 3}},
        "access_token": "zzz",
    }
    clean = sanitise_event(event)
    text = json.dumps(clean)
    for secret in (
        "abc123456",
        "abcdefghijkl",
        "ek_abcdefghijklmnop",
        "sk-abcdefghijklmnopqrstuv",
        "my-registered-secret-value",
        "zzz",
    ):
        assert secret not in text
    assert clean["api_key"] == REDACTED
    assert clean["usage"] == {"total_tokens": 42, "input_token_details": {"cached_tokens": 3}}
    assert clean["headers"]["x"] == "1"


def test_consecutive_deltas_fold_with_count() -> None:
    log = InspectorLog()
    assert log.add_event("client", {"type": "response.create"}) == ("appended", 0)
    for word in ("Hel", "lo ", "there"):
        log.add_event("server", {"type": "response.output_audio_transcript.delta", "delta": word})
    for _ in range(50):
        log.add_event("client", {"type": "input_audio_buffer.append", "audio": AUDIO_9600})
    log.add_event("server", {"type": "response.output_audio_transcript.delta", "delta": "!"})
    assert [(r.type, r.count) for r in log.rows] == [
        ("response.create", 1),
        ("response.output_audio_transcript.delta", 3),
        ("input_audio_buffer.append", 50),
        ("response.output_audio_transcript.delta", 1),
    ]
    assert log.rows[1].folded_text == "Hello there"
    assert log.rows[2].audio_bytes == 9600 * 50
    assert "480000 bytes in 50 events" in log.rows[2].summary()


def test_non_delta_events_and_directions_do_not_fold() -> None:
    log = InspectorLog()
    log.add_event("server", {"type": "session.updated"})
    log.add_event("server", {"type": "session.updated"})
    log.add_event("server", {"type": "x.delta", "delta": "a"})
    log.add_event("client", {"type": "x.delta", "delta": "b"})
    assert [r.count for r in log.rows] == [1, 1, 1, 1]


def test_history_is_bounded() -> None:
    log = InspectorLog(max_rows=100)
    for i in range(1000):
        log.add_event("server", {"type": f"event.{i}"})
    assert len(log.rows) <= 100
    assert log.rows[-1].type == "event.999"


def test_filter_and_junk_input() -> None:
    log = InspectorLog()
    log.add_event("server", {"type": "session.created"})
    log.add_event("server", {"type": "response.done"})
    log.add_event("server", "not a dict")
    log.add_event("server", {"no": "type"})
    assert [r.type for r in filter_rows(log.rows, "RESPONSE")] == ["response.done"]
    assert len(filter_rows(log.rows, "")) == 4


def test_widget_filters_folds_and_copies_json(qtbot: QtBot) -> None:
    inspector = EventInspector(max_rows=50)
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.add_records(
        [
            ("client", {"type": "session.update", "session": {"api_key": "abcd1234"}}),
            ("server", {"type": "session.updated"}),
        ]
    )
    for _ in range(10):
        inspector.add_event("server", {"type": "response.output_audio.delta", "delta": AUDIO_9600})
    assert inspector.model.rowCount() == 3
    inspector.set_filter("session")
    assert inspector.visible_types() == ["session.update", "session.updated"]
    inspector.table.selectRow(0)
    inspector.copy_selected()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied[0]["event"]["session"]["api_key"] == REDACTED
    assert copied[0]["direction"] == "client"
    inspector.set_filter("")
    for i in range(200):
        inspector.add_event("server", {"type": f"e.{i}"})
    assert inspector.model.rowCount() <= 50


def test_hidden_inspector_logs_waiting_events_when_shown(qtbot: QtBot) -> None:
    inspector = EventInspector(max_rows=50)
    qtbot.addWidget(inspector)
    inspector.add_records([("client", {"type": "session.update"})])
    for _ in range(30):
        inspector.add_event("server", {"type": "response.output_audio.delta", "delta": AUDIO_9600})
    assert inspector.model.rowCount() == 0, "nothing is logged while hidden"
    inspector.show()
    assert inspector.model.rowCount() == 2
    audio_row = inspector.model.row_at(1)
    assert audio_row is not None and audio_row.count == 30
    assert audio_row.audio_bytes == 30 * 9600
    assert "<audio 9600 bytes>" in json.dumps(audio_row.event)
    assert inspector.model.row_at(0).time <= audio_row.time


def test_a_batch_of_folded_events_repaints_its_row_once(qtbot: QtBot) -> None:
    inspector = EventInspector(max_rows=50)
    qtbot.addWidget(inspector)
    inspector.show()
    append = ("client", {"type": "input_audio_buffer.append", "audio": AUDIO_9600})
    changed: list[tuple[int, int]] = []
    inspector.model.dataChanged.connect(
        lambda top, bottom, *_: changed.append((top.row(), bottom.row()))
    )
    inspector.add_records([append] * 20 + [("server", {"type": "response.created"})] + [append] * 5)
    assert inspector.model.rowCount() == 3
    assert changed == [(0, 0), (2, 2)]
    first = inspector.model.row_at(0)
    assert first is not None and first.count == 20 and first.audio_bytes == 20 * 9600
