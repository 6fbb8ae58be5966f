"""The context a new session starts with: the conversation so far, as client events.

A new server session remembers nothing. Before the user can speak, it is sent
the earlier turns as ``conversation.item.create`` events: user and assistant
lines as text items (spoken turns by their transcripts), each tool call as its
``function_call`` item followed by its ``function_call_output``; newest last,
within a budget of items and of (estimated) tokens.

Each item has an id of its own (:func:`context_item_id`), so that the server's
acknowledgements of these items can be told from the conversation's new ones.
The events use the GA vocabulary (``output_text`` for the assistant); the
connection spells them for its dialect when it sends them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Event = dict[str, Any]

#: Defaults of the settings that bound the context (``history.context_*``).
DEFAULT_MAX_ITEMS = 40
DEFAULT_MAX_TOKENS = 4000
#: What each item costs beyond its text (role, framing), in tokens.
ITEM_OVERHEAD_TOKENS = 4
#: Statuses whose text is not something that was said.
_UNSAID = frozenset({"failed", "pending", "streaming"})
_ELLIPSIS = "…"


class ContextSource(Protocol):
    """A transcript entry: the live one (``TranscriptEntry``) or a stored one.

    A ``call_id`` attribute, when present and non-empty, names a tool call's call.
    """

    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tool_name(self) -> str: ...
    @property
    def tool_arguments(self) -> str: ...
    @property
    def tool_result(self) -> str: ...


@dataclass(frozen=True)
class ContextBudget:
    """At most ``max_items`` items and about ``max_tokens`` tokens, whichever is smaller."""

    max_items: int = DEFAULT_MAX_ITEMS
    max_tokens: int = DEFAULT_MAX_TOKENS


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is: a token is about four bytes of UTF-8 (four
    letters of English, one or two characters of most other scripts)."""
    return math.ceil(len(text.encode("utf-8", "replace")) / 4)


def context_events(entries: Iterable[ContextSource], budget: ContextBudget) -> list[Event]:
    """``conversation.item.create`` events for the newest entries that fit ``budget``,
    oldest first. A tool call and its output go together or not at all; the newest
    unit is shortened rather than left out when it alone is over the token budget."""
    units = [unit for entry in entries if (unit := _items_of(entry))]
    chosen: list[list[Event]] = []
    items = tokens = 0
    for unit in reversed(units):
        cost = sum(_cost(item) for item in unit)
        if items + len(unit) > budget.max_items:
            break
        if tokens + cost > budget.max_tokens:
            if chosen:
                break
            unit = _shortened(unit, budget.max_tokens)
            if not unit:
                break
            cost = sum(_cost(item) for item in unit)
        chosen.append(unit)
        items += len(unit)
        tokens += cost
    return [
        {"type": "conversation.item.create", "item": item}
        for unit in reversed(chosen)
        for item in unit
    ]


def _items_of(entry: ContextSource) -> list[Event]:
    if entry.status in _UNSAID:
        return []
    if entry.role == "tool":
        return _tool_items(entry)
    text = entry.text.strip()
    if not text or entry.role not in ("user", "assistant"):
        return []
    kind = "input_text" if entry.role == "user" else "output_text"
    return [
        {
            "type": "message",
            "id": context_item_id(entry.id),
            "role": entry.role,
            "content": [{"type": kind, "text": text}],
        }
    ]


def _tool_items(entry: ContextSource) -> list[Event]:
    if not entry.tool_name:
        return []
    call_id = str(getattr(entry, "call_id", "") or "") or _stable_call_id(entry.id)
    return [
        {
            "type": "function_call",
            "id": context_item_id(entry.id, "call"),
            "call_id": call_id,
            "name": entry.tool_name,
            "arguments": entry.tool_arguments or "{}",
        },
        {
            "type": "function_call_output",
            "id": context_item_id(entry.id, "output"),
            "call_id": call_id,
            "output": entry.tool_result,
        },
    ]


def context_item_id(entry_id: str, part: str = "") -> str:
    """The id of the item that carries ``entry_id`` (or one ``part`` of it) into a new
    session: the same entry, the same id, within the servers' 32 characters. The
    receiver knows its session's context items by these ids and keeps the server's
    echoes of them out of the transcript."""
    digest = hashlib.sha256(f"{entry_id}/{part}".encode("utf-8", "replace")).hexdigest()
    return "ctx_" + digest[:24]


def context_item_ids(events: Iterable[Event]) -> frozenset[str]:
    """The item ids of ``events`` (what :func:`context_events` made)."""
    return frozenset(str(event["item"]["id"]) for event in events if "id" in event["item"])


def _stable_call_id(entry_id: str) -> str:
    """A call id for a tool entry recorded without one; the same entry, the same id."""
    return "call_" + hashlib.sha256(entry_id.encode("utf-8", "replace")).hexdigest()[:24]


def _texts(item: Event) -> list[str]:
    if item["type"] == "message":
        return [str(part["text"]) for part in item["content"]]
    if item["type"] == "function_call":
        return [str(item["name"]), str(item["arguments"])]
    return [str(item["output"])]


def _cost(item: Event) -> int:
    return ITEM_OVERHEAD_TOKENS + sum(estimate_tokens(text) for text in _texts(item))


def _shortened(unit: Sequence[Event], max_tokens: int) -> list[Event]:
    """``unit`` with its longest text cut (at the start kept) to fit ``max_tokens``."""
    over = sum(_cost(item) for item in unit) - max_tokens
    if over <= 0:
        return list(unit)
    shortened = [dict(item) for item in unit]
    target = shortened[-1]
    if target["type"] == "message":
        text = _cut(target["content"][0]["text"], over)
        target["content"] = [{**target["content"][0], "text": text}]
    elif target["type"] == "function_call_output":
        text = target["output"] = _cut(target["output"], over)
    else:
        return []
    if not text:
        return []
    return shortened if sum(_cost(item) for item in shortened) <= max_tokens else []


def _cut(text: str, over_tokens: int) -> str:
    keep = max(0, len(text.encode("utf-8", "replace")) - 4 * (over_tokens + 1))
    kept = text.encode("utf-8", "replace")[:keep].decode("utf-8", "ignore").rstrip()
    return kept + _ELLIPSIS if kept else ""
