"""One client connection: the Realtime state machine and client-event dispatch.

Handlers run on the event loop and never block: transcription and synthesis go
to the engine's worker threads, responses run as tasks. Every outgoing event is
enqueued in order and written by a single writer task. The handlers live in
three groups: input audio (:mod:`input_handlers`), conversation items
(:mod:`item_handlers`) and responses (:mod:`response_control`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from desktop.local_engine.errors import (
    ProtocolError,
    invalid_type,
    invalid_value,
    missing_parameter,
)
from desktop.local_engine.input_audio import InputAudioBuffer
from desktop.local_engine.input_handlers import InputHandlers
from desktop.local_engine.item_handlers import ItemHandlers
from desktop.local_engine.response_control import ResponseControl
from desktop.local_engine.session_config import apply_update, looks_beta, to_wire
from desktop.local_engine.session_state import (
    ClientEvent,
    EngineServices,
    Handler,
    SessionState,
)
from desktop.local_engine.transcription import InputTranscriber
from desktop.protocol import Dialect

__all__ = ["EngineServices", "Session"]

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 15 * 1024 * 1024


class Session:
    def __init__(self, dialect: Dialect, services: EngineServices) -> None:
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._state = SessionState(dialect, self._outbox.put_nowait)
        self._dialect_settled = dialect == "beta"
        self._input = InputAudioBuffer(self._state.config.turn_detection)
        self._transcriber = InputTranscriber(
            services.recognizer,
            services.stt_executor,
            self._state.emit,
            lambda: self._state.config.transcription is not None,
        )
        self._input_handlers = InputHandlers(self._state, self._input, self._transcriber)
        self._responses = ResponseControl(
            self._state,
            services,
            self._transcriber,
            clock_ms=lambda: self._input.clock_ms,
            on_finished=self._input_handlers.on_response_finished,
        )
        self._input_handlers.attach(self._responses)
        self._handlers: dict[str, Handler] = {
            "session.update": self._on_session_update,
            **self._input_handlers.handlers(),
            **ItemHandlers(self._state, self._transcriber).handlers(),
            **self._responses.handlers(),
        }

    @property
    def dialect(self) -> Dialect:
        return self._state.dialect

    # --- outgoing -----------------------------------------------------------------

    def emit(self, event: dict[str, Any]) -> None:
        self._state.emit(event)

    async def next_outgoing(self) -> str | None:
        """The next frame to send; None once the session is closed."""
        return await self._outbox.get()

    def open(self) -> None:
        self._emit_session("session.created")
        conversation_id = self._state.conversation.id
        self.emit(
            {
                "type": "conversation.created",
                "conversation": {"id": conversation_id, "object": "realtime.conversation"},
            }
        )

    def close(self) -> None:
        self._responses.close()
        self._transcriber.close()
        self._outbox.put_nowait(None)

    def _emit_session(self, event_type: str) -> None:
        self.emit({"type": event_type, "session": to_wire(self._state.config, self.dialect)})

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

    def _on_session_update(self, event: ClientEvent) -> None:
        session = event.get("session")
        if session is None:
            raise missing_parameter("session")
        if not isinstance(session, dict):
            raise invalid_type("session", "an object")
        state = self._state
        dialect = state.dialect
        if not self._dialect_settled and looks_beta(session):
            dialect = "beta"
        state.config = apply_update(state.config, session, dialect, state.voice_locked)
        self._dialect_settled = True
        state.dialect = dialect
        self._input.configure(state.config.turn_detection)
        self._emit_session("session.updated")
