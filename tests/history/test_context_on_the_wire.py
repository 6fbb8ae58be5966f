"""Context events on a real socket: valid for the SDK's own models in both dialects,
and understood by the offline engine, which answers from the earlier turns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from desktop.conversation.transcript import TranscriptEntry as Entry
from desktop.history import ContextBudget, context_events
from desktop.local_engine import LocalEngine
from desktop.protocol import Dialect
from desktop.realtime import (
    ConversationItemAddedEvent,
    ErrorEvent,
    RealtimeClient,
    RealtimeConnection,
    ResponseDoneEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ServerEvent,
)
from tests.support.scripted_server import ScriptedServer
from tests.support.strict_validator import beta_problems, ga_problems

TOKEN = "engine-token-for-context-tests"


class ToolEntry:
    id = "item_tool_1"
    role = "tool"
    text = ""
    status = "done"
    tool_name = "get_local_time"
    tool_arguments = "{}"
    tool_result = '{"time": "09:41"}'
    call_id = "call_time_1"


def _earlier_conversation() -> list[Any]:
    return [
        Entry(id="u1", role="user", text="Hello, my name is Ada."),
        Entry(id="a1", role="assistant", text="Nice to meet you, Ada."),
        Entry(id="u2", role="user", text="What time is it?"),
        ToolEntry(),
        Entry(id="a2", role="assistant", text="It's 9:41 AM."),
        Entry(id="u3", role="user", text="When does my train leave?"),
        Entry(id="a3", role="assistant", text="The train leaves at nine."),
    ]


def _seed() -> list[dict[str, Any]]:
    return context_events(_earlier_conversation(), ContextBudget())


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    engine = LocalEngine(host="127.0.0.1", port=0, token=TOKEN, speech=False)
    url = engine.start()
    yield url
    engine.stop()


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_context_events_conform_to_the_sdk_models(server: ScriptedServer, dialect: Dialect) -> None:
    seed = _seed()
    assert len(seed) == 8
    client = RealtimeClient(base_url=server.base_url, dialect=dialect)
    with client.connect(model="gpt-realtime") as connection:
        for event in seed:
            connection.send(event)  # the path the app's sender takes
        sent = [server.next_event() for _ in seed]
    validate = ga_problems if dialect == "ga" else beta_problems
    assert {e["event_id"]: validate(e) for e in sent} == {e["event_id"]: [] for e in sent}
    assistant_parts = [
        part["type"]
        for event in sent
        if event["item"].get("role") == "assistant"
        for part in event["item"]["content"]
    ]
    assert set(assistant_parts) == {"output_text" if dialect == "ga" else "text"}
    assert [e["item"]["type"] for e in sent][3:5] == ["function_call", "function_call_output"]


def _until(connection: RealtimeConnection, wanted: type[ServerEvent]) -> list[ServerEvent]:
    seen: list[ServerEvent] = []
    while not isinstance(seen[-1] if seen else None, wanted):
        seen.append(connection.recv(timeout=15))
    return seen


def _reply(connection: RealtimeConnection, text: str) -> str:
    connection.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )
    connection.send({"type": "response.create"})
    events = _until(connection, ResponseDoneEvent)
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    return " ".join(
        e.transcript for e in events if isinstance(e, ResponseOutputAudioTranscriptDoneEvent)
    )


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_the_offline_engine_answers_from_the_context_it_was_given(
    engine_url: str, dialect: Dialect
) -> None:
    client = RealtimeClient(api_key=TOKEN, base_url=engine_url, dialect=dialect)
    with client.connect(model="gpt-realtime") as connection:
        seed = _seed()
        for event in seed:
            connection.send(event)
        added: list[ServerEvent] = []
        while len(added) < len(seed):
            event = connection.recv(timeout=15)
            assert not isinstance(event, ErrorEvent), event
            if isinstance(event, ConversationItemAddedEvent):
                added.append(event)
        kinds = [e.item.type for e in added if isinstance(e, ConversationItemAddedEvent)]
        assert (
            kinds == ["message"] * 3 + ["function_call", "function_call_output"] + ["message"] * 3
        )
        assert _reply(connection, "Could you repeat that?") == "The train leaves at nine."
        assert _reply(connection, "What is my name?") == "Your name is Ada."
