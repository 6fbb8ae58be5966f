"""One model response: its event sequence, usage, and cancellation.

A :class:`Response` is driven by :meth:`Response.run` as an asyncio task. Every
event goes through ``emit`` (which only enqueues), so cancelling the task stops
generation between two events and :meth:`Response.finish_cancelled` closes the
sequence at once with ``response.done`` (status ``cancelled``). The items it
streams are in :mod:`response_output`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from desktop.local_engine.brain import Reply, SpokenReply, split_sentences
from desktop.local_engine.chat_brain import merge_tool_calls, sentences_of
from desktop.local_engine.chat_client import ChatPiece, ChatUnavailable, ToolCallFragment
from desktop.local_engine.conversation import Conversation, item_wire, new_id
from desktop.local_engine.intents import FALLBACK, model_failed_reply
from desktop.local_engine.response_output import (
    AudioOutput,
    Emit,
    Synthesize,
    emit_function_call,
    stream_message,
)
from desktop.local_engine.response_settings import ResponseSettings
from desktop.local_engine.session_config import ga_format_wire
from desktop.local_engine.tools_router import ToolCall
from desktop.protocol import Dialect, server_event_name_for

log = logging.getLogger(__name__)

AUDIO_MS_PER_TOKEN = 50


async def _iterate(sentences: list[str]) -> AsyncIterator[str]:
    for sentence in sentences:
        yield sentence


async def _tolerant(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    """``first`` then ``rest``; a chat failure mid-reply ends the message where it got to."""
    yield first
    try:
        async for sentence in rest:
            yield sentence
    except ChatUnavailable as exc:
        log.warning("chat endpoint failed mid-reply: %s", exc)


class Response:
    """A response in flight. ``emit`` must enqueue synchronously and never block."""

    def __init__(
        self,
        settings: ResponseSettings,
        dialect: Dialect,
        conversation: Conversation,
        emit: Emit,
        synthesize: Synthesize,
        on_audio: Callable[[], None],
        input_tokens: int,
    ) -> None:
        self.id = new_id("resp")
        self.settings = settings
        self.dialect: Dialect = dialect
        self._conversation = conversation
        self.emit = emit
        self.synthesize = synthesize
        self.audio = AudioOutput(settings.output_format, on_audio)
        self.announced = False
        self.finished = False
        self._output: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._previous_ids: dict[str, str | None] = {}
        self._input_tokens = input_tokens
        self.output_text_tokens = 0

    # --- events ---------------------------------------------------------------

    @property
    def audio_ms(self) -> int:
        """How much audio this response has sent so far."""
        return self.audio.sent_ms

    def event_name(self, ga_name: str) -> str:
        return server_event_name_for(self.dialect, ga_name)

    def wire(self, status: str, status_details: dict[str, Any] | None = None) -> dict[str, Any]:
        settings = self.settings
        audio_modalities = ["audio"] if settings.audio_output else ["text"]
        body: dict[str, Any] = {
            "id": self.id,
            "object": "realtime.response",
            "status": status,
            "status_details": status_details,
            "output": [item_wire(item, self.dialect) for item in self._output],
            "conversation_id": self._conversation.id if settings.in_conversation else None,
            "max_output_tokens": settings.max_output_tokens,
            "metadata": settings.metadata,
            "usage": self._usage() if status != "in_progress" else None,
        }
        if self.dialect == "beta":
            body.update(
                modalities=["text", "audio"] if settings.audio_output else ["text"],
                voice=settings.voice,
                output_audio_format=settings.output_format,
                temperature=settings.temperature,
            )
        else:
            body.update(
                output_modalities=audio_modalities,
                audio={
                    "output": {
                        "format": ga_format_wire(settings.output_format),
                        "voice": settings.voice,
                    }
                },
            )
        return body

    def _usage(self) -> dict[str, Any]:
        audio_tokens = self.audio.sent_ms // AUDIO_MS_PER_TOKEN
        output_tokens = self.output_text_tokens + audio_tokens
        return {
            "total_tokens": self._input_tokens + output_tokens,
            "input_tokens": self._input_tokens,
            "output_tokens": output_tokens,
            "input_token_details": {
                "text_tokens": self._input_tokens,
                "audio_tokens": 0,
                "image_tokens": 0,
                "cached_tokens": 0,
                "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
            },
            "output_token_details": {
                "text_tokens": self.output_text_tokens,
                "audio_tokens": audio_tokens,
            },
        }

    def announce(self) -> None:
        if self.announced:
            return
        self.announced = True
        self.emit({"type": "response.created", "response": self.wire("in_progress")})
        self.emit(
            {
                "type": "rate_limits.updated",
                "rate_limits": [
                    {
                        "name": "requests",
                        "limit": 1_000_000,
                        "remaining": 999_999,
                        "reset_seconds": 0.0,
                    },
                    {
                        "name": "tokens",
                        "limit": 1_000_000,
                        "remaining": 999_999,
                        "reset_seconds": 0.0,
                    },
                ],
            }
        )

    def add_item(self, item: dict[str, Any]) -> int:
        """Adds an output item (and, in conversation, a conversation item); its index."""
        self._current = item
        self._output.append(item)
        output_index = len(self._output) - 1
        self.emit(
            {
                "type": "response.output_item.added",
                "response_id": self.id,
                "output_index": output_index,
                "item": item_wire(item, self.dialect),
            }
        )
        if self.settings.in_conversation:
            previous = self._conversation.insert(item)
            self._previous_ids[item["id"]] = previous
            added = (
                "conversation.item.added" if self.dialect == "ga" else "conversation.item.created"
            )
            self.emit(
                {
                    "type": added,
                    "previous_item_id": previous,
                    "item": item_wire(item, self.dialect),
                }
            )
        return output_index

    def finish_item(self, status: str) -> None:
        item = self._current
        if item is None:
            return
        self._current = None
        item["status"] = status
        if self.audio.sent:
            self._conversation.audio[item["id"]] = bytes(self.audio.sent)
        wire = item_wire(item, self.dialect)
        self.emit(
            {
                "type": "response.output_item.done",
                "response_id": self.id,
                "output_index": self._output.index(item),
                "item": wire,
            }
        )
        if self.settings.in_conversation and self.dialect == "ga":
            previous = self._previous_ids.get(item["id"])
            self.emit(
                {"type": "conversation.item.done", "previous_item_id": previous, "item": wire}
            )

    def finish_cancelled(self, reason: str) -> None:
        """Closes the sequence now; the caller has already cancelled the task."""
        if self.finished:
            return
        self.finished = True
        if not self.announced:
            return  # nothing was announced, so there is nothing to close
        self.finish_item("incomplete")
        details = {"type": "cancelled", "reason": reason}
        self.emit({"type": "response.done", "response": self.wire("cancelled", details)})

    # --- generation -----------------------------------------------------------

    async def run(self, reply: Reply) -> None:
        self.announce()
        if isinstance(reply, ToolCall):
            emit_function_call(self, reply)
            truncated = False
        else:
            truncated = await stream_message(self, _iterate(split_sentences(reply.text)))
        self._complete(truncated)

    async def run_streamed(self, pieces: AsyncIterator[ChatPiece], fallback: Reply) -> None:
        """A reply streamed from a chat endpoint; ``fallback`` if it fails before any output."""
        self.announce()
        fragments: list[ToolCallFragment] = []
        async with contextlib.aclosing(sentences_of(pieces, fragments)) as sentences:
            try:
                first = await anext(sentences, None)
            except ChatUnavailable as exc:
                log.warning("chat endpoint failed; the built-in brain answers instead: %s", exc)
                if isinstance(fallback, SpokenReply) and fallback.text == FALLBACK:
                    fallback = SpokenReply(model_failed_reply(str(exc)))
                await self.run(fallback)
                return
            truncated = False
            if first is not None:
                truncated = await stream_message(self, _tolerant(first, sentences))
        for call in merge_tool_calls(fragments):
            emit_function_call(self, call)
        self._complete(truncated)

    def _complete(self, truncated: bool) -> None:
        status = "incomplete" if truncated else "completed"
        details = {"type": "incomplete", "reason": "max_output_tokens"} if truncated else None
        self.finished = True
        self.emit({"type": "response.done", "response": self.wire(status, details)})
