"""The context a new session starts with: which entries, in what shape, within what budget."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.conversation.transcript import TranscriptEntry
from desktop.history import ContextBudget, context_events, estimate_tokens
from desktop.history.context import context_item_id


@dataclass
class Tool:
    id: str
    role: str = "tool"
    text: str = ""
    status: str = "done"
    tool_name: str = "calculate"
    tool_arguments: str = '{"expression": "6*7"}'
    tool_result: str = '{"result": 42}'
    call_id: str = ""


def _said(role: str, text: str, status: str = "done", key: str = "") -> TranscriptEntry:
    return TranscriptEntry(id=key or f"{role}-{text[:8]}", role=role, text=text, status=status)  # type: ignore[arg-type]


def _items(events: list[dict[str, object]]) -> list[dict[str, object]]:
    assert all(event["type"] == "conversation.item.create" for event in events)
    return [event["item"] for event in events]  # type: ignore[misc]


def test_turns_and_tool_calls_become_items_newest_last() -> None:
    entries = [
        _said("user", "My name is Ada."),
        _said("assistant", "Nice to meet you, Ada."),
        _said("notice", "⏰ tea: time is up"),
        _said("user", "no speech recognised", status="failed"),
        _said("user", "   "),
        Tool("item_7", call_id="call_abc"),
        _said("assistant", "Six times seven is 42.", status="interrupted"),
    ]
    items = _items(context_events(entries, ContextBudget()))
    ids = [item.pop("id") for item in items]
    assert items == [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "My name is Ada."}],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Nice to meet you, Ada."}],
        },
        {
            "type": "function_call",
            "call_id": "call_abc",
            "name": "calculate",
            "arguments": '{"expression": "6*7"}',
        },
        {"type": "function_call_output", "call_id": "call_abc", "output": '{"result": 42}'},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Six times seven is 42."}],
        },
    ]
    assert ids[0] == context_item_id("user-My name ")
    assert ids[2:4] == [context_item_id("item_7", "call"), context_item_id("item_7", "output")]
    assert len(set(ids)) == 5 and all(len(i) <= 32 for i in ids), "unique, as servers allow"


def test_a_tool_call_recorded_without_a_call_id_gets_a_stable_one() -> None:
    first = _items(context_events([Tool("item_1")], ContextBudget()))
    again = _items(context_events([Tool("item_1")], ContextBudget()))
    other = _items(context_events([Tool("item_2")], ContextBudget()))
    assert first[0]["call_id"] == first[1]["call_id"] == again[0]["call_id"]
    assert first[0]["call_id"] != other[0]["call_id"]


def test_the_item_budget_keeps_the_newest_and_never_splits_a_tool_call() -> None:
    entries: list[object] = [_said("user", f"line {n}", key=f"k{n}") for n in range(50)]
    items = _items(context_events(entries, ContextBudget(max_items=40)))  # type: ignore[arg-type]
    assert [item["content"][0]["text"] for item in items] == [f"line {n}" for n in range(10, 50)]  # type: ignore[index]
    with_tool = [_said("user", "older"), Tool("t1"), _said("assistant", "newest")]
    items = _items(context_events(with_tool, ContextBudget(max_items=2)))  # type: ignore[arg-type]
    assert [item["type"] for item in items] == ["message"], "the pair does not fit: left out"
    assert context_events(with_tool, ContextBudget(max_items=0)) == []  # type: ignore[arg-type]


def test_the_token_budget_keeps_the_newest_that_fit() -> None:
    entries = [_said("user", "word " * 400, key=f"k{n}") for n in range(10)]  # ~500 tokens each
    cost = estimate_tokens("word " * 400) + 4
    items = _items(context_events(entries, ContextBudget(max_tokens=4000)))
    assert len(items) == 4000 // cost
    assert sum(estimate_tokens(i["content"][0]["text"]) + 4 for i in items) <= 4000  # type: ignore[index]


def test_the_newest_line_alone_over_budget_is_shortened_not_dropped() -> None:
    long_reply = "A very long answer. " * 2000
    items = _items(
        context_events(
            [_said("user", "tell me everything"), _said("assistant", long_reply)],
            ContextBudget(max_tokens=200),
        )
    )
    assert len(items) == 1
    text = items[0]["content"][0]["text"]  # type: ignore[index]
    assert text.startswith("A very long answer.") and text.endswith("…")
    assert estimate_tokens(text) + 4 <= 200


def test_token_estimates_count_bytes_not_letters() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("four") == 1
    assert estimate_tokens("hello world, how are you?") == 7
    assert estimate_tokens("東京都の天気") == 5, "three bytes a character: about one token each"
