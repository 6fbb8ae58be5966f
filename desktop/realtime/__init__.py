"""Realtime protocol client (no Qt): OpenAI, Azure OpenAI and compatible servers.

Shaped like the official SDK's realtime client::

    from desktop.realtime import RealtimeClient, ResponseOutputAudioDeltaEvent, ErrorEvent

    client = RealtimeClient(api_key=key)                  # OpenAI, GA dialect
    # RealtimeClient(api_key=key, azure_endpoint="https://res.openai.azure.com")
    # RealtimeClient(base_url="ws://127.0.0.1:8765/v1")  # offline engine
    with client.connect(model="gpt-realtime") as connection:
        connection.session.update(session={"voice": "alloy", "instructions": "Be concise.",
            "turn_detection": {"type": "server_vad", "threshold": 0.5}})
        connection.input_audio_buffer.append(audio=pcm16_bytes_or_base64)
        for event in connection:                          # GA event names, typed
            if isinstance(event, ResponseOutputAudioDeltaEvent):
                play(event.audio_bytes())
            elif isinstance(event, ErrorEvent):
                log(event.code, event.message, event.caused_by)

A reader thread may block in ``connection.recv(timeout=...)`` while other
threads send; ``connection.close()`` from any thread wakes it.
``AsyncRealtimeClient`` offers the same with ``async with`` / ``await`` /
``async for``.
"""

from __future__ import annotations

from desktop.protocol import Dialect
from desktop.realtime.async_connection import (
    AsyncRealtimeClient,
    AsyncRealtimeConnection,
    AsyncRealtimeConnectionManager,
)
from desktop.realtime.client import RealtimeClient, RealtimeConnectionManager
from desktop.realtime.connection import RealtimeConnection
from desktop.realtime.endpoints import Endpoint, redact_text, redact_url
from desktop.realtime.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionClosed,
    DialectMismatchError,
    HandshakeError,
    RealtimeError,
    RecvTimeout,
    SessionConfigError,
    VoiceLockedError,
)
from desktop.realtime.events import (
    EVENT_MODELS,
    PROTOCOL_ERROR_TYPE,
    ContentPart,
    ConversationCreatedEvent,
    ConversationItem,
    ConversationItemAddedEvent,
    ConversationItemDeletedEvent,
    ConversationItemDoneEvent,
    ConversationItemRetrievedEvent,
    ConversationItemTruncatedEvent,
    ErrorDetail,
    ErrorEvent,
    InputAudioBufferClearedEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    InputAudioBufferTimeoutTriggeredEvent,
    InputAudioTranscriptionCompletedEvent,
    InputAudioTranscriptionDeltaEvent,
    InputAudioTranscriptionFailedEvent,
    ProtocolErrorEvent,
    RateLimit,
    RateLimitsUpdatedEvent,
    Response,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioDoneEvent,
    ResponseOutputAudioTranscriptDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent,
    ServerEvent,
    SessionCreatedEvent,
    SessionUpdatedEvent,
    UnknownEvent,
    Usage,
)
from desktop.realtime.parsing import parse_server_event
from desktop.realtime.session_config import translate_response, translate_session

__all__ = [
    "EVENT_MODELS",
    "PROTOCOL_ERROR_TYPE",
    "AsyncRealtimeClient",
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionClosed",
    "ContentPart",
    "ConversationCreatedEvent",
    "ConversationItem",
    "ConversationItemAddedEvent",
    "ConversationItemDeletedEvent",
    "ConversationItemDoneEvent",
    "ConversationItemRetrievedEvent",
    "ConversationItemTruncatedEvent",
    "Dialect",
    "DialectMismatchError",
    "Endpoint",
    "ErrorDetail",
    "ErrorEvent",
    "HandshakeError",
    "InputAudioBufferClearedEvent",
    "InputAudioBufferCommittedEvent",
    "InputAudioBufferSpeechStartedEvent",
    "InputAudioBufferSpeechStoppedEvent",
    "InputAudioBufferTimeoutTriggeredEvent",
    "InputAudioTranscriptionCompletedEvent",
    "InputAudioTranscriptionDeltaEvent",
    "InputAudioTranscriptionFailedEvent",
    "ProtocolErrorEvent",
    "RateLimit",
    "RateLimitsUpdatedEvent",
    "RealtimeClient",
    "RealtimeConnection",
    "RealtimeConnectionManager",
    "RealtimeError",
    "RecvTimeout",
    "Response",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseDoneEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseOutputAudioDeltaEvent",
    "ResponseOutputAudioDoneEvent",
    "ResponseOutputAudioTranscriptDeltaEvent",
    "ResponseOutputAudioTranscriptDoneEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseOutputTextDeltaEvent",
    "ResponseOutputTextDoneEvent",
    "ServerEvent",
    "SessionConfigError",
    "SessionCreatedEvent",
    "SessionUpdatedEvent",
    "UnknownEvent",
    "Usage",
    "VoiceLockedError",
    "parse_server_event",
    "redact_text",
    "redact_url",
    "translate_response",
    "translate_session",
]
