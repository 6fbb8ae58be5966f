"""The synchronous connection: resources, send, recv, iteration, close.

Thread model: one thread may block in :meth:`RealtimeConnection.recv` while
others call :meth:`send` or the resources; :meth:`close` from any thread wakes
a blocked reader, which then raises :class:`ConnectionClosed`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import websocket
from pydantic import BaseModel

from desktop.protocol import Dialect
from desktop.realtime import client_events as build
from desktop.realtime.client_events import Event, EventIdRegistry
from desktop.realtime.endpoints import Endpoint
from desktop.realtime.errors import (
    ConnectionClosed,
    DialectMismatchError,
    RecvTimeout,
    SessionConfigError,
    VoiceLockedError,
)
from desktop.realtime.events import (
    ErrorEvent,
    ResponseOutputAudioDeltaEvent,
    ServerEvent,
    SessionCreatedEvent,
)
from desktop.realtime.parsing import parse_server_event, protocol_error
from desktop.realtime.resources import (
    ConversationResource,
    InputAudioBufferResource,
    ResponseResource,
    SessionResource,
)
from desktop.realtime.session_config import requested_voice
from desktop.realtime.transport import parse_close_frame, wait_readable

log = logging.getLogger(__name__)

DIALECT_CLOSE_CODE = 4000
BETA_DISABLED_CODE = "beta_api_shape_disabled"
_LOST = 1006
_INVALID_FRAME = -1


class RealtimeConnection:
    """An open Realtime session over one WebSocket."""

    def __init__(self, ws: websocket.WebSocket, endpoint: Endpoint) -> None:
        self._ws = ws
        self.endpoint = endpoint
        self.dialect: Dialect = endpoint.dialect
        self._ids = EventIdRegistry()
        self._state_lock = threading.Lock()
        self._voice: str | None = None
        self._audio_started = False
        self._dialect_rejected = False
        self._closed: ConnectionClosed | None = None
        self.session = SessionResource(self)
        self.input_audio_buffer = InputAudioBufferResource(self)
        self.conversation = ConversationResource(self)
        self.response = ResponseResource(self)

    # -- sending -------------------------------------------------------------------------

    def send(self, event: Mapping[str, Any] | BaseModel) -> Event:
        """Send one client event and return it as sent (with its ``event_id``).

        ``session.update`` and ``response.create`` are translated to the
        connection's dialect, so the flat vocabulary works here too.
        """
        if isinstance(event, BaseModel):
            event = event.model_dump(exclude_unset=True, by_alias=True)
        kind = event.get("type")
        if not isinstance(kind, str) or not kind:
            raise SessionConfigError(f"a client event needs a string 'type', not {kind!r}")
        if kind == "session.update":
            self._check_voice(event.get("session") or {})
            wire = {**build.session_update(event.get("session") or {}, self.dialect)}
        elif kind == "response.create":
            self._check_voice(event.get("response") or {})
            wire = build.response_create(event.get("response"), self.dialect)
        else:
            wire = dict(event)
        wire["event_id"] = event.get("event_id") or self._ids.new_id()
        try:
            text = json.dumps(wire, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise SessionConfigError(f"{kind} is not valid JSON: {error}") from None
        self._ids.remember(wire)
        self.send_raw(text)
        if kind == "session.update":
            voice = requested_voice(event.get("session") or {})
            if voice is not None:
                with self._state_lock:
                    self._voice = voice
        return wire

    def send_raw(self, data: str | bytes) -> None:
        """Send one frame as-is (text for ``str``, binary for ``bytes``)."""
        if self._closed is not None:
            raise self._closed
        try:
            if isinstance(data, str):
                self._ws.send(data)
            else:
                self._ws.send_bytes(data)
        except (websocket.WebSocketException, OSError) as error:
            raise self._mark_closed(_LOST, "connection lost while sending") from error

    def _check_voice(self, config: Mapping[str, Any]) -> None:
        voice = requested_voice(config)
        with self._state_lock:
            current, locked = self._voice, self._audio_started
        if locked and voice is not None and current is not None and voice != current:
            raise VoiceLockedError(current, voice)

    # -- receiving -----------------------------------------------------------------------

    def recv_bytes(self, timeout: float | None = None) -> bytes:
        """The next data frame's payload (text frames UTF-8 encoded)."""
        while True:
            opcode, data = self._recv_frame(timeout)
            if opcode != _INVALID_FRAME:
                return data
            log.warning("skipped an invalid frame: %s", data.decode())

    def recv(self, timeout: float | None = None) -> ServerEvent:
        """The next server event, typed. Raises ConnectionClosed or RecvTimeout."""
        opcode, data = self._recv_frame(timeout)
        if opcode == _INVALID_FRAME:
            return protocol_error(f"invalid frame: {data.decode()}")
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return protocol_error(f"unexpected binary frame of {len(data)} bytes", data)
        return self.parse_event(data)

    def parse_event(self, raw: str | bytes) -> ServerEvent:
        """Parse one frame and update the connection state it implies."""
        event = parse_server_event(raw)
        if isinstance(event, ResponseOutputAudioDeltaEvent):
            if not self._audio_started:
                with self._state_lock:
                    self._audio_started = True
        elif isinstance(event, ErrorEvent):
            event.caused_by = self._ids.lookup(event.error.event_id)
            if event.error.code == BETA_DISABLED_CODE:
                self._dialect_rejected = True
        elif isinstance(event, SessionCreatedEvent) and event.voice is not None:
            with self._state_lock:
                self._voice = event.voice
        return event

    def _recv_frame(self, timeout: float | None) -> tuple[int, bytes]:
        while True:
            if self._closed is not None:
                raise self._closed
            try:
                wait_readable(self._ws, timeout)
            except RecvTimeout:
                raise
            except (OSError, ValueError):
                # close() from another thread took the socket away mid-wait.
                raise self._mark_closed(_LOST, "connection lost") from None
            try:
                opcode, data = self._ws.recv_data()
            except (websocket.WebSocketTimeoutException, TimeoutError):
                # Only with a socket timeout in the connection options; the frame
                # reader keeps partial input, so a later recv resumes cleanly.
                raise RecvTimeout("no frame within the socket timeout") from None
            except websocket.WebSocketPayloadException as error:
                # The bad frame is consumed whole, so the stream stays in sync.
                return _INVALID_FRAME, str(error).encode()
            except (websocket.WebSocketException, OSError, ValueError):
                raise self._mark_closed(_LOST, "connection lost") from None
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise self._mark_closed(*parse_close_frame(data))
            if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                return opcode, data if isinstance(data, bytes) else bytes(data)

    def _mark_closed(self, code: int | None, reason: str) -> ConnectionClosed:
        with self._state_lock:
            if self._closed is None:
                if self._dialect_rejected or code == DIALECT_CLOSE_CODE:
                    self._closed = DialectMismatchError(code, reason)
                else:
                    self._closed = ConnectionClosed(code, reason)
                self._shutdown()
            return self._closed

    def __iter__(self) -> Iterator[ServerEvent]:
        """Events until the connection closes; a normal close ends the loop quietly."""
        while True:
            try:
                yield self.recv()
            except ConnectionClosed as closed:
                if closed.code in (1000, 1005) and not isinstance(closed, DialectMismatchError):
                    return
                raise

    @property
    def voice(self) -> str | None:
        """The session's voice as last reported by the server or sent by this client."""
        return self._voice

    @property
    def voice_locked(self) -> bool:
        """True once the session has produced audio: the voice can no longer change."""
        return self._audio_started

    # -- closing -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def close_error(self) -> ConnectionClosed | None:
        """Why the connection closed, once it has."""
        return self._closed

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (idempotent); wakes a reader blocked in ``recv``."""
        with self._state_lock:
            if self._closed is not None:
                return
            self._closed = ConnectionClosed(
                code, reason, message="the connection was closed locally"
            )
        try:
            self._ws.send_close(code, reason.encode())
        except (websocket.WebSocketException, OSError):
            log.debug("close frame not sent; the socket is already gone")
        self._shutdown()

    def _shutdown(self) -> None:
        self._ws.abort()  # type: ignore[no-untyped-call]
        self._ws.shutdown()  # type: ignore[no-untyped-call]
