"""One client connection: the Realtime state machine and client-event dispatch.

Handlers run on the event loop and never block: transcription and synthesis go
to the engine's worker threads, responses run as tasks. Every outgoing event is
enqueued in order and written by a single writer task.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop.local_engine import vad
from desktop.local_engine.audio_formats import (
    Int16Array,
    decode_input,
)
from desktop.local_engine.brain import TurnContext, think
from desktop.local_engine.chat_brain import chat_messages, chat_request
from desktop.local_engine.chat_client import ChatEndpoint, stream_chat_async
from desktop.local_engine.conversation import (
    Conversation,
    item_wire,
    message_text,
    new_id,
    normalize_client_item,
)
from desktop.local_engine.errors import (
    ProtocolError,
    invalid_type,
    invalid_value,
    missing_parameter,
)
from desktop.local_engine.input_audio import InputAudioBuffer
from desktop.local_engine.responses import Response, resolve_settings
from desktop.local_engine.session_config import (
    SessionConfig,
    apply_update,
    looks_beta,
    to_wire,
)
from desktop.local_engine.stt import SpeechRecognizer
from desktop.local_engine.transcription import InputTranscriber
from desktop.local_engine.tts import Synthesizer
from desktop.realtime.names import Dialect

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 15 * 1024 * 1024
MIN_COMMIT_MS = 100


@dataclass
class EngineServices:
    """What every session shares: the loaded models and their worker threads."""

    recognizer: SpeechRecognizer
    synthesizer: Synthesizer
    stt_executor: Executor
    tts_executor: Executor
    chat: ChatEndpoint | None = None


class Session:
    def __init__(self, dialect: Dialect, services: EngineServices) -> None:
        self.dialect: Dialect = dialect
        self._services = services
        self._config = SessionConfig()
        self._dialect_settled = dialect == "beta"
        self._conversation = Conversation()
        self._input = InputAudioBuffer(self._config.turn_detection)
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._active: Response | None = None
        self._active_task: asyncio.Task[None] | None = None
        self._voice_locked = False
        self._speech_item_id: str | None = None
        self._speech_start_ms = 0
        self._speculation: tuple[int, asyncio.Future[str]] | None = None
        self._transcriber = InputTranscriber(
            services.recognizer,
            services.stt_executor,
            self.emit,
            lambda: self._config.transcription is not None,
        )
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "session.update": self._on_session_update,
            "input_audio_buffer.append": self._on_audio_append,
            "input_audio_buffer.commit": self._on_audio_commit,
            "input_audio_buffer.clear": self._on_audio_clear,
            "conversation.item.create": self._on_item_create,
            "conversation.item.truncate": self._on_item_truncate,
            "conversation.item.delete": self._on_item_delete,
            "conversation.item.retrieve": self._on_item_retrieve,
            "response.create": self._on_response_create,
            "response.cancel": self._on_response_cancel,
        }

    # --- outgoing -----------------------------------------------------------------

    def emit(self, event: dict[str, Any]) -> None:
        self._outbox.put_nowait(json.dumps({"event_id": new_id("event"), **event}))

    async def next_outgoing(self) -> str | None:
        """The next frame to send; None once the session is closed."""
        return await self._outbox.get()

    def open(self) -> None:
        self._emit_session("session.created")
        self.emit(
            {
                "type": "conversation.created",
                "conversation": {"id": self._conversation.id, "object": "realtime.conversation"},
            }
        )

    def close(self) -> None:
        if self._active_task is not None:
            self._active_task.cancel()
        self._transcriber.close()
        self._outbox.put_nowait(None)

    def _emit_session(self, event_type: str) -> None:
        self.emit({"type": event_type, "session": to_wire(self._config, self.dialect)})

    # --- incoming -----------------------------------------------------------------

    def handle_binary(self, size: int) -> None:
        self.emit(
            ProtocolError(
                "invalid_message_format",
                f"Binary frames are not supported ({size} bytes received); "
                "send each event as a UTF-8 JSON text frame.",
            ).to_event(None)
        )

    def handle_text(self, frame: str) -> None:
        if len(frame) > MAX_EVENT_BYTES:
            self.emit(
                ProtocolError(
                    "message_too_large",
                    f"Event of {len(frame)} bytes exceeds the 15 MiB limit; "
                    "send audio in smaller appends.",
                ).to_event(None)
            )
            return
        try:
            event = json.loads(frame)
        except json.JSONDecodeError as exc:
            message = f"The event is not valid JSON ({exc.msg} at position {exc.pos})."
            self.emit(ProtocolError("invalid_json", message).to_event(None))
            return
        client_event_id = event.get("event_id") if isinstance(event, dict) else None
        if not isinstance(client_event_id, str):
            client_event_id = None
        try:
            if not isinstance(event, dict):
                raise ProtocolError("invalid_json", "Each event must be a JSON object.")
            event_type = event.get("type")
            if event_type is None:
                raise missing_parameter("type")
            handler = self._handlers.get(event_type) if isinstance(event_type, str) else None
            if handler is None:
                raise invalid_value(
                    "type", f"Invalid value: '{event_type}'. Unsupported event type."
                )
            handler(event)
        except ProtocolError as error:
            self.emit(error.to_event(client_event_id))
        except Exception:  # a bug here must cost one event, not the connection
            log.exception("failed to handle a client event")
            failure = ProtocolError(
                "internal_error", "The engine failed to handle this event.", None, "server_error"
            )
            self.emit(failure.to_event(client_event_id))

    # --- session ----------------------------------------------------------------------

    def _on_session_update(self, event: dict[str, Any]) -> None:
        session = event.get("session")
        if session is None:
            raise missing_parameter("session")
        if not isinstance(session, dict):
            raise invalid_type("session", "an object")
        dialect = self.dialect
        if not self._dialect_settled and looks_beta(session):
            dialect = "beta"
        self._config = apply_update(self._config, session, dialect, self._voice_locked)
        self._dialect_settled = True
        self.dialect = dialect
        self._input.configure(self._config.turn_detection)
        self._emit_session("session.updated")

    # --- input audio ------------------------------------------------------------------

    def _on_audio_append(self, event: dict[str, Any]) -> None:
        audio = event.get("audio")
        if audio is None:
            raise missing_parameter("audio")
        if not isinstance(audio, str):
            raise invalid_type("audio", "a base64 string")
        samples = np.frombuffer(self._decode_audio(audio, "audio"), dtype="<i2").astype(np.int16)
        for vad_event in self._input.append(samples):
            self._on_vad_event(vad_event)

    def _on_vad_event(self, event: vad.VadEvent) -> None:
        detection = self._config.turn_detection
        if detection is None:
            return
        if isinstance(event, vad.SpeechStarted):
            self._speech_item_id = new_id("item")
            self._speech_start_ms = event.audio_start_ms
            self._speculation = None
            self._input.start_at(event.audio_start_ms)
            self.emit(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": event.audio_start_ms,
                    "item_id": self._speech_item_id,
                }
            )
            if detection.interrupt_response and self._active is not None:
                self._cancel_active("turn_detected")
        elif isinstance(event, vad.SilenceProbe):
            if self._transcriber.available:
                samples = self._input.samples_between(self._speech_start_ms, event.segment_end_ms)
                self._speculation = (self._speech_start_ms, self._transcriber.start(samples))
        elif isinstance(event, vad.SpeechResumed):
            self._speculation = None
        elif isinstance(event, vad.SpeechStopped):
            item_id = self._speech_item_id or new_id("item")
            self.emit(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": event.audio_end_ms,
                    "item_id": item_id,
                }
            )
            speculation = self._speculation
            self._speculation = None
            reuse = (
                speculation[1] if speculation and speculation[0] == self._speech_start_ms else None
            )
            self._commit(item_id, reuse)
            self._speech_item_id = None
            if detection.create_response and self._active is None:
                self._start_response(None, auto=True)

    def _on_audio_commit(self, event: dict[str, Any]) -> None:
        if self._input.duration_ms < MIN_COMMIT_MS:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                f"Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {self._input.duration_ms}ms "
                "of audio.",
            )
        self._commit(self._speech_item_id or new_id("item"), None)
        self._speech_item_id = None

    def _on_audio_clear(self, event: dict[str, Any]) -> None:
        self._input.clear()
        self._speculation = None
        self._speech_item_id = None
        self.emit({"type": "input_audio_buffer.cleared"})

    def _commit(self, item_id: str, transcription: asyncio.Future[str] | None) -> None:
        samples = self._input.take()
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = self._conversation.insert(item)
        self._conversation.audio[item_id] = samples.astype("<i2").tobytes()
        self.emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        self._emit_item_added(item, previous)
        self._transcriber.track(item, samples, transcription)

    # --- conversation -------------------------------------------------------------------

    def _emit_item_added(self, item: dict[str, Any], previous: str | None) -> None:
        wire = item_wire(item, self.dialect)
        if self.dialect == "beta":
            self.emit(
                {"type": "conversation.item.created", "previous_item_id": previous, "item": wire}
            )
            return
        self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": wire})
        self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": wire})

    def _on_item_create(self, event: dict[str, Any]) -> None:
        item = normalize_client_item(event.get("item"))
        previous_item_id = event.get("previous_item_id")
        if previous_item_id is not None and not isinstance(previous_item_id, str):
            raise invalid_type("previous_item_id", "a string")
        audio_parts = [p for p in item.get("content", []) if p["type"] == "input_audio"]
        clip = b"".join(
            self._decode_audio(p.pop("audio"), "item.content.audio")
            for p in audio_parts
            if p.get("audio")
        )
        previous = self._conversation.insert(item, previous_item_id)
        self._emit_item_added(item, previous)
        if clip and audio_parts[0].get("transcript") is None:
            # Client-sent audio is transcribed like a committed buffer, so the brain hears it.
            self._conversation.audio[item["id"]] = clip
            self._transcriber.track(item, np.frombuffer(clip, dtype="<i2").astype(np.int16))

    def _decode_audio(self, audio: str, param: str) -> bytes:
        """Base64 client audio in the session's input format, as 24 kHz PCM16 bytes."""
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_value(param, f"{param} is not valid base64.") from exc
        return decode_input(data, self._config.input_format).astype("<i2").tobytes()

    def _on_item_truncate(self, event: dict[str, Any]) -> None:
        for key in ("item_id", "content_index", "audio_end_ms"):
            if key not in event:
                raise missing_parameter(key)
        if event["content_index"] != 0:
            raise invalid_value("content_index", "content_index must be 0.")
        self._conversation.truncate(event["item_id"], event["audio_end_ms"])
        self.emit(
            {
                "type": "conversation.item.truncated",
                "item_id": event["item_id"],
                "content_index": 0,
                "audio_end_ms": event["audio_end_ms"],
            }
        )

    def _on_item_delete(self, event: dict[str, Any]) -> None:
        if "item_id" not in event:
            raise missing_parameter("item_id")
        self._conversation.delete(event["item_id"])
        self.emit({"type": "conversation.item.deleted", "item_id": event["item_id"]})

    def _on_item_retrieve(self, event: dict[str, Any]) -> None:
        if "item_id" not in event:
            raise missing_parameter("item_id")
        item = self._conversation.get(event["item_id"])
        wire = item_wire(item, self.dialect)
        audio = self._conversation.audio.get(item["id"])
        if audio is not None and wire.get("content"):
            wire["content"][0]["audio"] = base64.b64encode(audio).decode("ascii")
        self.emit({"type": "conversation.item.retrieved", "item": wire})

    # --- responses ----------------------------------------------------------------------

    def _on_response_create(self, event: dict[str, Any]) -> None:
        if self._active is not None:
            raise ProtocolError(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self._active.id}. "
                "Wait until the response is finished before creating a new one.",
            )
        self._start_response(event.get("response"), auto=False)

    def _on_response_cancel(self, event: dict[str, Any]) -> None:
        active = self._active
        requested = event.get("response_id")
        if active is not None and not active.announced:
            # An automatic response still waiting for its transcript: the client has not
            # seen it, so it is dropped silently and, to the client, nothing was active.
            self._cancel_active("client_cancelled")
            active = None
        if active is None or (requested is not None and requested != active.id):
            raise ProtocolError(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
            )
        self._cancel_active("client_cancelled")

    def _cancel_active(self, reason: str) -> None:
        response, task = self._active, self._active_task
        self._active = None
        self._active_task = None
        if task is not None:
            task.cancel()
        if response is not None:
            response.finish_cancelled(reason)

    def _lock_voice(self) -> None:
        self._voice_locked = True

    def _start_response(self, request: Any, auto: bool) -> None:
        settings = resolve_settings(self._config, request, self.dialect)
        words = sum(len(message_text(item).split()) for item in self._conversation.items)
        response = Response(
            settings,
            self.dialect,
            self._conversation,
            self.emit,
            self._synthesize,
            self._lock_voice,
            input_tokens=round(words * 1.3) + len(settings.instructions.split()),
        )
        self._active = response
        if not auto:
            response.announce()
        self._active_task = asyncio.ensure_future(self._drive(response, auto))

    async def _drive(self, response: Response, auto: bool) -> None:
        try:
            context = await self._turn_context(response)
            if auto and not context.user_text:
                response.finished = True  # nothing was heard: no response, as the API does
                return
            reply = think(context)
            chat = self._services.chat
            if chat is None:
                await response.run(reply)
                return
            settings = response.settings
            messages = chat_messages(self._conversation.items, settings.instructions)
            body = chat_request(chat.model, messages, settings.tools, settings.tool_choice)
            await response.run_streamed(stream_chat_async(chat, body), fallback=reply)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("response generation failed")
            response.finished = True
            details = {
                "type": "failed",
                "error": {"type": "server_error", "code": "internal_error"},
            }
            self.emit({"type": "response.done", "response": response.wire("failed", details)})
        finally:
            if self._active is response:
                self._active = None
                self._active_task = None

    async def _turn_context(self, response: Response) -> TurnContext:
        settings = response.settings
        common: dict[str, Any] = {
            "tools": settings.tools,
            "tool_choice": settings.tool_choice,
            "last_answer": self._conversation.last_assistant_text(),
        }
        last = self._conversation.items[-1] if self._conversation.items else None
        if last is None or last.get("role") == "assistant":
            return TurnContext(**common)
        if last["type"] == "function_call_output":
            name = self._conversation.function_name(last["call_id"])
            return TurnContext(tool_name=name, tool_output=last["output"], **common)
        if last["type"] != "message":
            return TurnContext(**common)
        await self._transcriber.wait(last["id"])
        return TurnContext(user_text=message_text(last), **common)

    async def _synthesize(self, text: str, voice: str, speed: float) -> Int16Array:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._services.tts_executor, self._services.synthesizer.synthesize, text, voice, speed
        )
