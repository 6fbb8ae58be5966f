"""The official openai SDK, pointed at the engine, works unchanged in both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.local_engine import LocalEngine

openai = pytest.importorskip("openai")


def ask_what_is_6_times_7(connection: Any) -> list[Any]:
    """A typed question over either SDK's connection; the events up to ``response.done``."""
    connection.conversation.item.create(
        item={"type": "message", "role": "user",
              "content": [{"type": "input_text", "text": "what is 6 times 7"}]}
    )  # fmt: skip
    connection.response.create()
    seen: list[Any] = []
    for event in connection:
        seen.append(event)
        if event.type == "response.done":
            return seen
    raise AssertionError("the connection closed before response.done")


def test_ga_sdk_typed_turn(local_engine: LocalEngine) -> None:
    from openai.types.realtime import (
        ConversationItemAdded,
        ResponseAudioDeltaEvent,
        ResponseAudioTranscriptDoneEvent,
        ResponseCreatedEvent,
        ResponseDoneEvent,
        SessionCreatedEvent,
        SessionUpdatedEvent,
    )

    client = openai.OpenAI(api_key="unused", websocket_base_url=local_engine.url)
    with client.realtime.connect(model="gpt-realtime") as connection:
        assert isinstance(connection.recv(), SessionCreatedEvent)
        connection.recv()  # conversation.created
        connection.session.update(session={"type": "realtime", "instructions": "Be brief."})
        updated = connection.recv()
        assert isinstance(updated, SessionUpdatedEvent)
        assert updated.session.instructions == "Be brief."
        seen = ask_what_is_6_times_7(connection)
    kinds = {type(event) for event in seen}
    assert {ConversationItemAdded, ResponseCreatedEvent, ResponseAudioDeltaEvent} <= kinds
    transcript = next(e for e in seen if isinstance(e, ResponseAudioTranscriptDoneEvent))
    assert transcript.transcript == "6 times 7 is 42."
    done = seen[-1]
    assert isinstance(done, ResponseDoneEvent)
    assert done.response.status == "completed"
    assert done.response.usage is not None and done.response.usage.output_tokens > 0


def test_beta_sdk_typed_turn(local_engine: LocalEngine) -> None:
    from openai.types.beta.realtime import (
        ConversationItemCreatedEvent,
        ResponseAudioDeltaEvent,
        ResponseAudioTranscriptDoneEvent,
        ResponseDoneEvent,
        SessionCreatedEvent,
        SessionUpdatedEvent,
    )

    client = openai.OpenAI(api_key="unused", websocket_base_url=local_engine.url)
    with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as connection:
        created = connection.recv()
        assert isinstance(created, SessionCreatedEvent)
        assert created.session.input_audio_format == "pcm16"
        connection.recv()
        connection.session.update(session={"modalities": ["text", "audio"], "voice": "sage"})
        updated = connection.recv()
        assert isinstance(updated, SessionUpdatedEvent)
        assert updated.session.voice == "sage"
        seen = ask_what_is_6_times_7(connection)
    kinds = {type(event) for event in seen}
    assert {ConversationItemCreatedEvent, ResponseAudioDeltaEvent} <= kinds
    transcript = next(e for e in seen if isinstance(e, ResponseAudioTranscriptDoneEvent))
    assert transcript.transcript == "6 times 7 is 42."
    assert isinstance(seen[-1], ResponseDoneEvent)
    assert seen[-1].response.status == "completed"
