"""Response lifecycle for a session: ``response.create``/``cancel`` and running replies.

At most one response is active. It runs as an asyncio task; its audio is measured
against the input stream's clock so the session knows when the assistant will
have finished speaking (the idle timeout counts from there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from desktop.local_engine.audio_formats import Int16Array
from desktop.local_engine.brain import SpokenReply, TurnContext, think
from desktop.local_engine.chat_brain import chat_messages, chat_request
from desktop.local_engine.chat_client import stream_chat_async
from desktop.local_engine.conversation import message_text
from desktop.local_engine.errors import ProtocolError
from desktop.local_engine.intents import stated_name
from desktop.local_engine.response_settings import resolve_settings
from desktop.local_engine.responses import Response
from desktop.local_engine.session_state import ClientEvent, EngineServices, Handler, SessionState
from desktop.local_engine.transcription import InputTranscriber

log = logging.getLogger(__name__)

#: What the assistant says when the user has been silent for ``idle_timeout_ms``.
IDLE_PROMPT = "Are you still there?"


class ResponseControl:
    """Starts, drives and cancels responses.

    ``clock_ms`` reads the input stream's clock; ``on_finished`` receives the stream
    time at which the finished response's audio ends playing (at least "now").
    """

    def __init__(
        self,
        state: SessionState,
        services: EngineServices,
        transcriber: InputTranscriber,
        clock_ms: Callable[[], int],
        on_finished: Callable[[int], None],
    ) -> None:
        self._state = state
        self._services = services
        self._transcriber = transcriber
        self._clock_ms = clock_ms
        self._on_finished = on_finished
        self._active: Response | None = None
        self._active_task: asyncio.Task[None] | None = None
        self._audio_started_ms: int | None = None

    def handlers(self) -> dict[str, Handler]:
        return {
            "response.create": self._on_response_create,
            "response.cancel": self._on_response_cancel,
        }

    @property
    def active(self) -> bool:
        return self._active is not None

    def close(self) -> None:
        if self._active_task is not None:
            self._active_task.cancel()

    def start(self, request: Any, auto: bool, idle: bool = False) -> None:
        """Starts a response; an ``auto`` one is announced once it has something to say."""
        state = self._state
        settings = resolve_settings(state.config, request, state.dialect)
        words = sum(len(message_text(item).split()) for item in state.conversation.items)
        response = Response(
            settings,
            state.dialect,
            state.conversation,
            state.emit,
            self._synthesize,
            self._on_response_audio,
            input_tokens=round(words * 1.3) + len(settings.instructions.split()),
        )
        self._active = response
        self._audio_started_ms = None
        if not auto:
            response.announce()
        self._active_task = asyncio.ensure_future(self._drive(response, auto, idle))

    def cancel(self, reason: str) -> None:
        response, task = self._active, self._active_task
        self._active = None
        self._active_task = None
        if task is not None:
            task.cancel()
        if response is not None:
            response.finish_cancelled(reason)
            self._finished(response)

    def _on_response_create(self, event: ClientEvent) -> None:
        if self._active is not None:
            raise ProtocolError(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self._active.id}. "
                "Wait until the response is finished before creating a new one.",
            )
        self.start(event.get("response"), auto=False)

    def _on_response_cancel(self, event: ClientEvent) -> None:
        active = self._active
        requested = event.get("response_id")
        if active is not None and not active.announced:
            # An automatic response still waiting for its transcript: the client has not
            # seen it, so it is dropped silently and, to the client, nothing was active.
            self.cancel("client_cancelled")
            active = None
        if active is None or (requested is not None and requested != active.id):
            raise ProtocolError(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
            )
        self.cancel("client_cancelled")

    def _on_response_audio(self) -> None:
        self._state.voice_locked = True
        if self._audio_started_ms is None:
            self._audio_started_ms = self._clock_ms()

    def _finished(self, response: Response) -> None:
        now = self._clock_ms()
        started = self._audio_started_ms
        playback_end = now if started is None else max(now, started + response.audio_ms)
        self._on_finished(playback_end)

    async def _drive(self, response: Response, auto: bool, idle: bool) -> None:
        try:
            if idle:
                await response.run(SpokenReply(IDLE_PROMPT))
                return
            context = await self._turn_context(response)
            if auto and not context.user_text:
                response.finished = True  # nothing was heard: no response, as the API does
                return
            reply = think(context)
            chat = self._services.chat.get()
            if chat is None:
                await response.run(reply)
                return
            settings = response.settings
            messages = chat_messages(self._state.conversation.items, settings.instructions)
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
            self._state.emit(
                {"type": "response.done", "response": response.wire("failed", details)}
            )
        finally:
            if self._active is response:
                self._active = None
                self._active_task = None
                self._finished(response)

    async def _turn_context(self, response: Response) -> TurnContext:
        settings = response.settings
        conversation = self._state.conversation
        common: dict[str, Any] = {
            "tools": settings.tools,
            "tool_choice": settings.tool_choice,
            "last_answer": conversation.last_assistant_text(),
            "user_name": stated_name(
                message_text(item) for item in conversation.items if item.get("role") == "user"
            ),
        }
        last = conversation.items[-1] if conversation.items else None
        if last is None or last.get("role") == "assistant":
            return TurnContext(**common)
        if last["type"] == "function_call_output":
            name = conversation.function_name(last["call_id"])
            return TurnContext(tool_name=name, tool_output=last["output"], **common)
        if last["type"] != "message":
            return TurnContext(**common)
        await self._transcriber.wait(last["id"])
        return TurnContext(user_text=message_text(last), **common)

    async def _synthesize(self, text: str, voice: str, speed: float) -> Int16Array:
        loop = asyncio.get_running_loop()
        services = self._services
        return await loop.run_in_executor(
            services.tts_executor, services.synthesizer.synthesize, text, voice, speed
        )
