"""Replies from a chat endpoint: the conversation as chat messages, streamed sentences."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from desktop.local_engine.chat_client import ChatPiece, ToolCallFragment
from desktop.local_engine.conversation import message_text
from desktop.local_engine.tools_router import ToolCall

DEFAULT_INSTRUCTIONS = "You are a helpful voice assistant. Answer briefly, in plain sentences."
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def chat_messages(items: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": instructions or DEFAULT_INSTRUCTIONS}
    ]
    for item in items:
        kind = item["type"]
        if kind == "message":
            text = message_text(item)
            if text:
                messages.append({"role": item["role"], "content": text})
        elif kind == "function_call":
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": item["call_id"],
                            "type": "function",
                            "function": {"name": item["name"], "arguments": item["arguments"]},
                        }
                    ],
                }
            )
        elif kind == "function_call_output":
            messages.append(
                {"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]}
            )
    return messages


def chat_request(
    model: str,
    messages: list[dict[str, Any]],
    tools: tuple[dict[str, Any], ...],
    tool_choice: str | dict[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    if tools and tool_choice != "none":
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool["name"],
                    "description": tool.get("description", ""),
                    "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
                },
            }
            for tool in tools
        ]
        body["tool_choice"] = (
            {"type": "function", "function": {"name": tool_choice["name"]}}
            if isinstance(tool_choice, dict)
            else tool_choice
        )
    return body


async def sentences_of(
    pieces: AsyncIterator[ChatPiece], tool_fragments: list[ToolCallFragment]
) -> AsyncGenerator[str, None]:
    """Whole sentences as soon as they are complete; tool fragments go to ``tool_fragments``."""
    pending = ""
    async for piece in pieces:
        if isinstance(piece, ToolCallFragment):
            tool_fragments.append(piece)
            continue
        pending += piece
        *complete, pending = _SENTENCE_END.split(pending)
        for sentence in complete:
            if sentence.strip():
                yield sentence.strip()
    if pending.strip():
        yield pending.strip()


def merge_tool_calls(fragments: list[ToolCallFragment]) -> list[ToolCall]:
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    for fragment in fragments:
        if fragment.name:
            names[fragment.index] = fragment.name
        arguments[fragment.index] = arguments.get(fragment.index, "") + fragment.arguments
    return [
        ToolCall(name=names[index], arguments=arguments.get(index) or "{}")
        for index in sorted(names)
    ]
