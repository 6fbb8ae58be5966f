"""The reply "brain": built-in intents and the session's tools, deterministic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from desktop.local_engine.intents import builtin_reply
from desktop.local_engine.tool_summaries import summarize_output
from desktop.local_engine.tools_router import ToolCall, route

NOT_HEARD = "Sorry, I didn't catch that. Could you say it again?"


@dataclass(frozen=True)
class SpokenReply:
    text: str


Reply = SpokenReply | ToolCall


@dataclass(frozen=True)
class TurnContext:
    """What the brain needs from the conversation to answer the latest turn."""

    user_text: str | None = None
    tool_name: str | None = None
    tool_output: str | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] = "auto"
    last_answer: str | None = None
    #: The name the user gave earlier in the conversation (its context included).
    user_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def think(context: TurnContext) -> Reply:
    if context.tool_output is not None:
        return SpokenReply(summarize_output(context.tool_name or "the tool", context.tool_output))
    text = (context.user_text or "").strip()
    if not text:
        return SpokenReply(NOT_HEARD if context.user_text is not None else "How can I help?")
    call = route(text, context.tools, context.tool_choice)
    if call is not None:
        return call
    return SpokenReply(builtin_reply(text, context.last_answer, user_name=context.user_name))


def split_sentences(text: str) -> list[str]:
    """Sentences to synthesize one at a time, so the first one is heard sooner."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [part for part in parts if part]
