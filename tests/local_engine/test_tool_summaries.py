"""What the engine says after a function call's output, by the output's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop.local_engine.tool_summaries import duration_words, summarize_output

LOCAL_TIME = {
    "time": "01:02",
    "date": "Thursday 26 November 2026",
    "timezone": "UTC",
    "iso": "2026-11-26T01:02:53+00:00",
}


@pytest.mark.parametrize(
    ("tool", "output", "spoken"),
    [
        ("get_local_time", LOCAL_TIME, "It's 01:02 on Thursday 26 November 2026."),
        ("get_local_time", {"time": "01:02"}, "It's 01:02."),
        ("calculate", {"expression": "25 * 2", "result": 50}, "The result is 50."),
        ("calculate", {"result": 2.5}, "The result is 2.5."),
        ("lookup", {"answer": "Paris"}, "The result is Paris."),
        ("calculate", 50.0, "The result is 50."),
        ("set_timer", {"ok": True, "seconds": 300, "label": ""}, "Timer set for 5 minutes."),
        ("set_timer", {"ok": True, "seconds": 5400, "label": "tea"},
         "The tea timer is set for 1 hour and 30 minutes."),
        ("set_timer", {"status": "started", "remaining_seconds": 61},
         "Timer set for 1 minute and 1 second."),
        ("set_timer", {"ok": True, "ends_at": "10:05"}, "Timer set."),
        ("calculate", {"error": "division by zero"}, "That didn't work: division by zero."),
        ("send", {"error": {"message": "No network."}}, "That didn't work: No network."),
        ("send", {"ok": False}, "That didn't work."),
        ("send", {"message": "Message sent"}, "Message sent."),
        ("search", ["tea", "coffee", "juice"], "I found 3 items: tea, coffee and juice."),
        ("search", {"results": [{"title": "One"}, {"title": "Two"}]},
         "I found 2 items: One and Two."),
        ("search", [], "I found nothing."),
        ("search", list(range(1, 8)), "I found 7 items, including 1, 2, 3, 4 and 5."),
        ("search", [{"id": "a1"}], "I found 1 item."),
        ("get_weather", {"temperature": 21, "sky": "clear", "station_id": "X9"},
         "Here's what I got: temperature 21 and sky clear."),
        ("save", {"id": "note_123", "created": "2026-11-26T01:02:53Z", "ok": True}, "Done."),
        ("save", True, "Done."),
    ],
)  # fmt: skip
def test_common_output_shapes_read_naturally(tool: str, output: Any, spoken: str) -> None:
    assert summarize_output(tool, json.dumps(output)) == spoken


def test_plain_text_output_is_read_as_a_sentence() -> None:
    assert summarize_output("notes", "Saved your note") == "Saved your note."
    assert summarize_output("notes", "Saved!") == "Saved!"
    assert summarize_output("notes", "  ") == "Done."
    assert len(summarize_output("notes", "word " * 200)) <= 301


def test_machine_fields_are_never_read_aloud() -> None:
    spoken = summarize_output("get_local_time", json.dumps(LOCAL_TIME))
    assert "2026-11-26T" not in spoken and "iso" not in spoken and "UTC" not in spoken


def test_durations_are_spoken_in_the_largest_units() -> None:
    assert duration_words(1) == "1 second"
    assert duration_words(0.2) == "1 second"
    assert duration_words(600) == "10 minutes"
    assert duration_words(3600) == "1 hour"
    assert duration_words(3725) == "1 hour, 2 minutes and 5 seconds"
