"""Scripts for a scripted GA server: the frames a model sends for a function call or
a text reply (the shapes the GA server sends, as the offline engine sends them too),
and waiting for what the client sent."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication

from tests.support.scripted_server import ScriptedServer

Event = dict[str, Any]


def _response(response_id: str, status: str, output: list[Event]) -> Event:
    return {"id": response_id, "object": "realtime.response", "status": status,
            "status_details": None, "output": output, "output_modalities": ["text"],
            "usage": None}  # fmt: skip


def function_call(name: str, arguments: dict[str, Any], number: int = 1) -> list[Event]:
    """A response that asks for one call of ``name`` (its call id is ``call_<number>``)."""
    return function_calls([(name, arguments)], number)


def function_calls(calls: list[tuple[str, dict[str, Any]]], number: int = 1) -> list[Event]:
    """A response that asks for several calls; their call ids are ``call_<number>``,
    ``call_<number + 1>``..."""
    response_id = f"resp_fc{number}"
    frames: list[Event] = [
        {"type": "response.created", "response": _response(response_id, "in_progress", [])}
    ]
    done_items: list[Event] = []
    for index, (name, arguments) in enumerate(calls):
        item_id, call_id = f"item_fc{number + index}", f"call_{number + index}"
        args = json.dumps(arguments)
        item = {"id": item_id, "object": "realtime.item", "type": "function_call",
                "status": "in_progress", "name": name, "call_id": call_id,
                "arguments": ""}  # fmt: skip
        done_item = {**item, "status": "completed", "arguments": args}
        done_items.append(done_item)
        frames += [
            {"type": "response.output_item.added", "response_id": response_id,
             "output_index": index, "item": item},
            {"type": "response.function_call_arguments.done", "response_id": response_id,
             "item_id": item_id, "output_index": index, "call_id": call_id, "name": name,
             "arguments": args},
            {"type": "response.output_item.done", "response_id": response_id,
             "output_index": index, "item": done_item},
        ]  # fmt: skip
    frames.append(
        {"type": "response.done", "response": _response(response_id, "completed", done_items)}
    )
    return frames


def text_reply(text: str, number: int = 1) -> list[Event]:
    """A response that answers with ``text`` (text only)."""
    response_id, item_id = f"resp_tx{number}", f"item_tx{number}"
    item = {"id": item_id, "object": "realtime.item", "type": "message",
            "status": "in_progress", "role": "assistant", "content": []}  # fmt: skip
    done_item = {**item, "status": "completed", "content": [{"type": "output_text", "text": text}]}
    where = {"response_id": response_id, "item_id": item_id, "output_index": 0,
             "content_index": 0}  # fmt: skip
    return [
        {"type": "response.created", "response": _response(response_id, "in_progress", [])},
        {"type": "response.output_item.added", "response_id": response_id, "output_index": 0,
         "item": item},
        {"type": "response.output_text.delta", **where, "delta": text},
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.output_item.done", "response_id": response_id, "output_index": 0,
         "item": done_item},
        {"type": "response.done", "response": _response(response_id, "completed", [done_item])},
    ]  # fmt: skip


def spoken_item(item_id: str, text: str) -> Event:
    """The assistant's message item of a spoken reply, as its done events carry it."""
    return {"id": item_id, "type": "message", "role": "assistant", "status": "completed",
            "object": "realtime.item",
            "content": [{"type": "output_audio", "transcript": text}]}  # fmt: skip


def spoken_reply(
    response_id: str, item: Event, audio: Sequence[str] = (), usage: Event | None = None
) -> list[Event]:
    """A response that speaks ``item`` (see :func:`spoken_item`): its transcript, then
    ``audio`` (base64 PCM16 deltas), as a GA server streams an audio reply."""
    text = item["content"][0]["transcript"]
    ids = {"response_id": response_id, "item_id": item["id"], "output_index": 0,
           "content_index": 0}  # fmt: skip
    done: Event = {"id": response_id, "status": "completed", "output": [item]}
    if usage is not None:
        done["usage"] = usage
    return [
        {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}},
        {"type": "response.output_item.added", "response_id": response_id, "item": item},
        {"type": "response.output_audio_transcript.delta", **ids, "delta": text},
        *({"type": "response.output_audio.delta", **ids, "delta": chunk} for chunk in audio),
        {"type": "response.output_audio.done", **ids},
        {"type": "response.output_audio_transcript.done", **ids, "transcript": text},
        {"type": "response.output_item.done", "response_id": response_id, "item": item},
        {"type": "response.done", "response": done},
    ]


class Received:
    """What a scripted server's client sent, kept as it is read, searchable.
    Waiting lets Qt run (the app answers on the GUI thread's event loop)."""

    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self.events: list[Event] = []

    def wait(
        self, matches: Callable[[Event], bool], timeout: float = 20.0, since: int = 0
    ) -> Event:
        """The first event from the ``since``-th on (already read or still to come)
        that ``matches``."""
        found = next((event for event in self.events[since:] if matches(event)), None)
        deadline = time.monotonic() + timeout
        while found is None:
            left = deadline - time.monotonic()
            if left <= 0:
                kinds = [event.get("type") for event in self.events]
                raise AssertionError(f"the client did not send it; it sent {kinds}")
            QCoreApplication.processEvents()
            try:
                event = self.server.received.get(timeout=min(left, 0.02))
            except queue.Empty:
                continue
            self.events.append(event)
            if matches(event):
                found = event
        return found

    def of_type(self, kind: str) -> list[Event]:
        return [event for event in self.events if event.get("type") == kind]

    def send(self, frames: list[Event]) -> None:
        for frame in frames:
            self.server.send(frame)


def offers(name: str) -> Callable[[Event], bool]:
    """Matches a ``session.update`` that offers the tool ``name``."""

    def check(event: Event) -> bool:
        tools = (event.get("session") or {}).get("tools") or []
        return event.get("type") == "session.update" and any(t.get("name") == name for t in tools)

    return check


def output_of(call_id: str) -> Callable[[Event], bool]:
    """Matches the ``function_call_output`` item of ``call_id``."""

    def check(event: Event) -> bool:
        item = event.get("item") or {}
        return (
            event.get("type") == "conversation.item.create"
            and item.get("type") == "function_call_output"
            and item.get("call_id") == call_id
        )

    return check


def of_type(kind: str) -> Callable[[Event], bool]:
    return lambda event: event.get("type") == kind
