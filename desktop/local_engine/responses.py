"""One model response: its settings, its event sequence, and cancellation.

A :class:`Response` is driven by :meth:`Response.run` as an asyncio task. Every
event goes through ``emit`` (which only enqueues), so cancelling the task stops
generation between two events and :meth:`Response.finish_cancelled` closes the
sequence at once with ``response.done`` (status ``cancelled``).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop.local_engine.audio_formats import Int16Array, encode_output, samples_to_ms
from desktop.local_engine.brain import Reply, split_sentences
from desktop.local_engine.chat_brain import merge_tool_calls, sentences_of
from desktop.local_engine.chat_client import ChatPiece, ChatUnavailable, ToolCallFragment
from desktop.local_engine.conversation import Conversation, item_wire, new_id
from desktop.local_engine.errors import invalid_type, invalid_value, unknown_parameter
from desktop.local_engine.session_config import (
    SessionConfig,
    ga_format_wire,
    validate_tool_choice,
    validate_tools,
)
from desktop.local_engine.tools_router import ToolCall
from desktop.realtime.names import (
    BETA_TO_GA_AUDIO_FORMAT,
    VOICES_GA,
    Dialect,
    server_event_name_for,
)

log = logging.getLogger(__name__)

#: About 150 ms of audio per delta, in internal samples.
DELTA_SAMPLES = 3600
TOKENS_PER_WORD = 1.3
AUDIO_MS_PER_TOKEN = 50
Emit = Callable[[dict[str, Any]], None]
Synthesize = Callable[[str, str, float], Awaitable[Int16Array]]


@dataclass(frozen=True)
class ResponseSettings:
    audio_output: bool
    voice: str
    speed: float
    output_format: str
    instructions: str
    tools: tuple[dict[str, Any], ...]
    tool_choice: str | dict[str, Any]
    max_output_tokens: int | str
    temperature: float
    in_conversation: bool
    metadata: dict[str, Any] | None


def resolve_settings(config: SessionConfig, request: Any, dialect: Dialect) -> ResponseSettings:
    """Session defaults overridden by ``response.create``'s ``response`` object."""
    request = request or {}
    if not isinstance(request, dict):
        raise invalid_type("response", "an object")
    settings: dict[str, Any] = {
        "audio_output": config.audio_output,
        "voice": config.voice,
        "speed": config.speed,
        "output_format": config.output_format,
        "instructions": config.instructions,
        "tools": config.tools,
        "tool_choice": config.tool_choice,
        "max_output_tokens": config.max_output_tokens,
        "temperature": config.temperature,
        "in_conversation": request.get("conversation", "auto") != "none",
        "metadata": copy.deepcopy(request.get("metadata")),
    }
    known = {
        "conversation", "metadata", "instructions", "tools", "tool_choice", "input", "prompt",
        "output_modalities", "audio", "max_output_tokens", "modalities", "voice",
        "output_audio_format", "temperature", "max_response_output_tokens",
    }  # fmt: skip
    for key in request:
        if key not in known:
            raise unknown_parameter(f"response.{key}")
    if "instructions" in request:
        settings["instructions"] = str(request["instructions"])
    if "tools" in request:
        settings["tools"] = validate_tools(request["tools"], "response.tools")
    if "tool_choice" in request:
        settings["tool_choice"] = validate_tool_choice(
            request["tool_choice"], "response.tool_choice"
        )
    modalities = request.get("output_modalities", request.get("modalities"))
    if modalities is not None:
        if not isinstance(modalities, list) or not set(modalities) <= {"text", "audio"}:
            raise invalid_value("response.output_modalities", "Expected ['audio'] or ['text'].")
        settings["audio_output"] = "audio" in modalities
    voice = request.get("voice") or (request.get("audio") or {}).get("output", {}).get("voice")
    if voice is not None:
        if voice not in VOICES_GA:
            raise invalid_value("response.voice", "Unsupported voice.")
        settings["voice"] = voice
    output_format = request.get("output_audio_format")
    if output_format is not None:
        if output_format not in BETA_TO_GA_AUDIO_FORMAT:
            raise invalid_value("response.output_audio_format", "Unsupported format.")
        settings["output_format"] = output_format
    limit = request.get("max_output_tokens", request.get("max_response_output_tokens"))
    if limit is not None:
        settings["max_output_tokens"] = limit
    return ResponseSettings(**settings)


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


def _word_limit(max_output_tokens: int | str) -> int | None:
    if isinstance(max_output_tokens, int):
        return max(1, int(max_output_tokens / TOKENS_PER_WORD))
    return None


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
        self._dialect = dialect
        self._conversation = conversation
        self._emit = emit
        self._synthesize = synthesize
        self._on_audio = on_audio
        self.announced = False
        self.finished = False
        self._output: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._previous_ids: dict[str, str | None] = {}
        self._audio = bytearray()
        self._unsent: Int16Array = np.zeros(0, dtype=np.int16)
        self._input_tokens = input_tokens
        self._output_text_tokens = 0
        self._output_audio_ms = 0

    # --- events ---------------------------------------------------------------

    def _name(self, ga_name: str) -> str:
        return server_event_name_for(self._dialect, ga_name)

    def wire(self, status: str, status_details: dict[str, Any] | None = None) -> dict[str, Any]:
        settings = self.settings
        audio_modalities = ["audio"] if settings.audio_output else ["text"]
        body: dict[str, Any] = {
            "id": self.id,
            "object": "realtime.response",
            "status": status,
            "status_details": status_details,
            "output": [item_wire(item, self._dialect) for item in self._output],
            "conversation_id": self._conversation.id if settings.in_conversation else None,
            "max_output_tokens": settings.max_output_tokens,
            "metadata": settings.metadata,
            "usage": self._usage() if status != "in_progress" else None,
        }
        if self._dialect == "beta":
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
        audio_tokens = self._output_audio_ms // AUDIO_MS_PER_TOKEN
        output_tokens = self._output_text_tokens + audio_tokens
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
                "text_tokens": self._output_text_tokens,
                "audio_tokens": audio_tokens,
            },
        }

    def announce(self) -> None:
        if self.announced:
            return
        self.announced = True
        self._emit({"type": "response.created", "response": self.wire("in_progress")})
        self._emit(
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

    def _add_item(self, item: dict[str, Any]) -> None:
        self._current = item
        self._output.append(item)
        output_index = len(self._output) - 1
        self._emit(
            {
                "type": "response.output_item.added",
                "response_id": self.id,
                "output_index": output_index,
                "item": item_wire(item, self._dialect),
            }
        )
        if self.settings.in_conversation:
            previous = self._conversation.insert(item)
            self._previous_ids[item["id"]] = previous
            added = (
                "conversation.item.added" if self._dialect == "ga" else "conversation.item.created"
            )
            self._emit(
                {
                    "type": added,
                    "previous_item_id": previous,
                    "item": item_wire(item, self._dialect),
                }
            )

    def _finish_item(self, status: str) -> None:
        item = self._current
        if item is None:
            return
        self._current = None
        item["status"] = status
        if self._audio:
            self._conversation.audio[item["id"]] = bytes(self._audio)
        wire = item_wire(item, self._dialect)
        self._emit(
            {
                "type": "response.output_item.done",
                "response_id": self.id,
                "output_index": self._output.index(item),
                "item": wire,
            }
        )
        if self.settings.in_conversation and self._dialect == "ga":
            previous = self._previous_ids.get(item["id"])
            self._emit(
                {"type": "conversation.item.done", "previous_item_id": previous, "item": wire}
            )

    def finish_cancelled(self, reason: str) -> None:
        """Closes the sequence now; the caller has already cancelled the task."""
        if self.finished:
            return
        self.finished = True
        if not self.announced:
            return  # nothing was announced, so there is nothing to close
        self._finish_item("incomplete")
        details = {"type": "cancelled", "reason": reason}
        self._emit({"type": "response.done", "response": self.wire("cancelled", details)})

    # --- generation -----------------------------------------------------------

    async def run(self, reply: Reply) -> None:
        self.announce()
        if isinstance(reply, ToolCall):
            self._function_call(reply)
            truncated = False
        else:
            truncated = await self._message(_iterate(split_sentences(reply.text)))
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
                await self.run(fallback)
                return
            truncated = False
            if first is not None:
                truncated = await self._message(_tolerant(first, sentences))
        for call in merge_tool_calls(fragments):
            self._function_call(call)
        self._complete(truncated)

    def _complete(self, truncated: bool) -> None:
        status = "incomplete" if truncated else "completed"
        details = {"type": "incomplete", "reason": "max_output_tokens"} if truncated else None
        self.finished = True
        self._emit({"type": "response.done", "response": self.wire(status, details)})

    def _function_call(self, call: ToolCall) -> None:
        item_id = new_id("item")
        call_id = new_id("call")
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "name": call.name,
            "call_id": call_id,
            "arguments": "",
        }
        self._add_item(item)
        common = {
            "response_id": self.id,
            "item_id": item_id,
            "output_index": len(self._output) - 1,
            "call_id": call_id,
        }
        self._emit(
            {"type": "response.function_call_arguments.delta", **common, "delta": call.arguments}
        )
        item["arguments"] = call.arguments
        done: dict[str, Any] = {"type": "response.function_call_arguments.done", **common}
        if self._dialect == "ga":
            done["name"] = call.name
        done["arguments"] = call.arguments
        self._emit(done)
        self._output_text_tokens += max(1, len(call.arguments) // 4)
        self._finish_item("completed")

    async def _message(self, sentences: AsyncIterator[str]) -> bool:
        """Streams one assistant message; True when cut short by ``max_output_tokens``."""
        settings = self.settings
        audio = settings.audio_output
        limit = _word_limit(settings.max_output_tokens)
        word_count = 0
        truncated = False
        item_id = new_id("item")
        part_type = "audio" if audio else "text"
        content_type = "output_audio" if audio else "output_text"
        content: dict[str, Any] = {"type": content_type}
        content["transcript" if audio else "text"] = ""
        item: dict[str, Any] = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        self._add_item(item)
        item["content"].append(content)
        ids: dict[str, Any] = {
            "response_id": self.id,
            "item_id": item_id,
            "output_index": len(self._output) - 1,
            "content_index": 0,
        }
        empty_part = {"type": part_type, ("transcript" if audio else "text"): ""}
        self._emit({"type": "response.content_part.added", **ids, "part": empty_part})
        spoken = ""
        async for whole_sentence in sentences:
            words = whole_sentence.split()
            if limit is not None and word_count + len(words) > limit:
                words = words[: limit - word_count]
                truncated = True
            word_count += len(words)
            if not words:
                break
            sentence = " ".join(words)
            delta = sentence if not spoken else " " + sentence
            if audio:
                samples = await self._synthesize(sentence, settings.voice, settings.speed)
                spoken += delta
                content["transcript"] = spoken
                self._emit(
                    {
                        "type": self._name("response.output_audio_transcript.delta"),
                        **ids,
                        "delta": delta,
                    }
                )
                self._send_audio(samples, ids)
            else:
                spoken += delta
                content["text"] = spoken
                self._emit(
                    {"type": self._name("response.output_text.delta"), **ids, "delta": delta}
                )
            self._output_text_tokens += round(len(delta.split()) * TOKENS_PER_WORD)
            if truncated:
                break
        if audio:
            self._send_audio(np.zeros(0, dtype=np.int16), ids, final=True)
            self._emit({"type": self._name("response.output_audio.done"), **ids})
            self._emit(
                {
                    "type": self._name("response.output_audio_transcript.done"),
                    **ids,
                    "transcript": spoken,
                }
            )
        else:
            self._emit({"type": self._name("response.output_text.done"), **ids, "text": spoken})
        final_part = {"type": part_type, ("transcript" if audio else "text"): spoken}
        self._emit({"type": "response.content_part.done", **ids, "part": final_part})
        self._finish_item("incomplete" if truncated else "completed")
        return truncated

    def _send_audio(self, samples: Int16Array, ids: dict[str, Any], final: bool = False) -> None:
        """Sends whole deltas; a short tail waits for the next sentence unless ``final``."""
        if samples.size:
            self._on_audio()
        pending = np.concatenate((self._unsent, samples))
        whole = len(pending) if final else len(pending) - len(pending) % DELTA_SAMPLES
        for start in range(0, whole, DELTA_SAMPLES):
            chunk = pending[start : min(start + DELTA_SAMPLES, whole)]
            self._audio.extend(chunk.astype("<i2").tobytes())
            self._output_audio_ms += samples_to_ms(len(chunk))
            payload = encode_output(chunk, self.settings.output_format)
            self._emit(
                {
                    "type": self._name("response.output_audio.delta"),
                    **ids,
                    "delta": base64.b64encode(payload).decode("ascii"),
                }
            )
        self._unsent = pending[whole:]
