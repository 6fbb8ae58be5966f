"""The output items of a response, each as its sequence of events.

A message streams sentence by sentence, as text or as audio with its transcript;
a function call carries its arguments in one delta.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.local_engine.audio_formats import Int16Array, encode_output, samples_to_ms
from desktop.local_engine.conversation import new_id
from desktop.local_engine.tools_router import ToolCall

if TYPE_CHECKING:
    from desktop.local_engine.responses import Response

#: About 150 ms of audio per delta, in internal samples.
DELTA_SAMPLES = 3600
TOKENS_PER_WORD = 1.3
Emit = Callable[[dict[str, Any]], None]
Synthesize = Callable[[str, str, float], Awaitable[Int16Array]]


class AudioOutput:
    """Cuts synthesized audio into wire deltas and keeps what was sent."""

    def __init__(self, output_format: str, on_audio: Callable[[], None]) -> None:
        self._format = output_format
        self._on_audio = on_audio
        self._unsent: Int16Array = np.zeros(0, dtype=np.int16)
        self.sent = bytearray()
        self.sent_ms = 0

    def deltas(self, samples: Int16Array, final: bool = False) -> list[str]:
        """Base64 payloads of whole deltas; a short tail waits for more unless ``final``."""
        if samples.size:
            self._on_audio()
        pending = np.concatenate((self._unsent, samples))
        whole = len(pending) if final else len(pending) - len(pending) % DELTA_SAMPLES
        payloads = []
        for start in range(0, whole, DELTA_SAMPLES):
            chunk = pending[start : min(start + DELTA_SAMPLES, whole)]
            self.sent.extend(chunk.astype("<i2").tobytes())
            self.sent_ms += samples_to_ms(len(chunk))
            payload = encode_output(chunk, self._format)
            payloads.append(base64.b64encode(payload).decode("ascii"))
        self._unsent = pending[whole:]
        return payloads


def _word_limit(max_output_tokens: int | str) -> int | None:
    if isinstance(max_output_tokens, int):
        return max(1, int(max_output_tokens / TOKENS_PER_WORD))
    return None


def emit_function_call(response: Response, call: ToolCall) -> None:
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
    output_index = response.add_item(item)
    common = {
        "response_id": response.id,
        "item_id": item_id,
        "output_index": output_index,
        "call_id": call_id,
    }
    response.emit(
        {"type": "response.function_call_arguments.delta", **common, "delta": call.arguments}
    )
    item["arguments"] = call.arguments
    done: dict[str, Any] = {"type": "response.function_call_arguments.done", **common}
    if response.dialect == "ga":
        done["name"] = call.name
    done["arguments"] = call.arguments
    response.emit(done)
    response.output_text_tokens += max(1, len(call.arguments) // 4)
    response.finish_item("completed")


async def stream_message(response: Response, sentences: AsyncIterator[str]) -> bool:
    """Streams one assistant message; True when cut short by ``max_output_tokens``."""
    settings = response.settings
    audio = settings.audio_output
    limit = _word_limit(settings.max_output_tokens)
    word_count = 0
    truncated = False
    item_id = new_id("item")
    part_type = "audio" if audio else "text"
    text_key = "transcript" if audio else "text"
    content: dict[str, Any] = {"type": "output_audio" if audio else "output_text", text_key: ""}
    item: dict[str, Any] = {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    ids: dict[str, Any] = {
        "response_id": response.id,
        "item_id": item_id,
        "output_index": response.add_item(item),
        "content_index": 0,
    }
    item["content"].append(content)
    name = response.event_name
    empty_part = {"type": part_type, text_key: ""}
    response.emit({"type": "response.content_part.added", **ids, "part": empty_part})
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
            samples = await response.synthesize(sentence, settings.voice, settings.speed)
            spoken += delta
            content["transcript"] = spoken
            transcript_delta = name("response.output_audio_transcript.delta")
            response.emit({"type": transcript_delta, **ids, "delta": delta})
            _emit_audio(response, samples, ids)
        else:
            spoken += delta
            content["text"] = spoken
            response.emit({"type": name("response.output_text.delta"), **ids, "delta": delta})
        response.output_text_tokens += round(len(delta.split()) * TOKENS_PER_WORD)
        if truncated:
            break
    if audio:
        _emit_audio(response, np.zeros(0, dtype=np.int16), ids, final=True)
        response.emit({"type": name("response.output_audio.done"), **ids})
        transcript_done = name("response.output_audio_transcript.done")
        response.emit({"type": transcript_done, **ids, "transcript": spoken})
    else:
        response.emit({"type": name("response.output_text.done"), **ids, "text": spoken})
    final_part = {"type": part_type, text_key: spoken}
    response.emit({"type": "response.content_part.done", **ids, "part": final_part})
    response.finish_item("incomplete" if truncated else "completed")
    return truncated


def _emit_audio(
    response: Response, samples: Int16Array, ids: dict[str, Any], final: bool = False
) -> None:
    delta_type = response.event_name("response.output_audio.delta")
    for payload in response.audio.deltas(samples, final):
        response.emit({"type": delta_type, **ids, "delta": payload})
