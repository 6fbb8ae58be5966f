"""Typed server events, in the GA vocabulary whichever dialect the server speaks.

Dispatch with ``isinstance`` (or on ``event.type``, always the GA name). Types
this module does not model arrive as :class:`UnknownEvent` with the raw payload;
frames that are not a JSON object arrive as :class:`ProtocolErrorEvent`.
"""

from __future__ import annotations

import base64
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_ERROR_TYPE = "client.protocol_error"


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class ServerEvent(_Model):
    """Common base: every server event has a ``type`` and usually an ``event_id``."""

    type: str
    event_id: str | None = None


class ContentPart(_Model):
    """One content part of an item; assistant types are ``output_text``/``output_audio``."""

    type: str
    text: str | None = None
    audio: str | None = None
    transcript: str | None = None


class ConversationItem(_Model):
    id: str | None = None
    type: str
    role: str | None = None
    status: str | None = None
    content: list[ContentPart] = Field(default_factory=list)
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class Usage(_Model):
    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_token_details: dict[str, Any] | None = None
    output_token_details: dict[str, Any] | None = None


class Response(_Model):
    id: str | None = None
    status: str | None = None
    status_details: dict[str, Any] | None = None
    output: list[ConversationItem] = Field(default_factory=list)
    usage: Usage | None = None
    conversation_id: str | None = None
    metadata: dict[str, Any] | None = None


class ErrorDetail(_Model):
    type: str = ""
    code: str | None = None
    message: str = ""
    param: str | None = None
    event_id: str | None = None


class RateLimit(_Model):
    name: str
    limit: int | None = None
    remaining: float | None = None
    reset_seconds: float | None = None


class SessionCreatedEvent(ServerEvent):
    """``session`` is the effective configuration in the server's own shape."""

    session: dict[str, Any]

    @property
    def voice(self) -> str | None:
        return session_voice(self.session)


class SessionUpdatedEvent(SessionCreatedEvent):
    pass


def session_voice(session: dict[str, Any]) -> str | None:
    """The voice of a server session object, GA or beta shaped."""
    audio = session.get("audio")
    output = audio.get("output") if isinstance(audio, dict) else None
    voice = output.get("voice") if isinstance(output, dict) else session.get("voice")
    if isinstance(voice, dict):
        return str(voice.get("id"))
    return voice if isinstance(voice, str) else None


class ConversationCreatedEvent(ServerEvent):
    conversation: dict[str, Any] = Field(default_factory=dict)


class InputAudioBufferSpeechStartedEvent(ServerEvent):
    audio_start_ms: int
    item_id: str


class InputAudioBufferSpeechStoppedEvent(ServerEvent):
    audio_end_ms: int
    item_id: str


class InputAudioBufferCommittedEvent(ServerEvent):
    item_id: str
    previous_item_id: str | None = None


class InputAudioBufferClearedEvent(ServerEvent):
    pass


class InputAudioBufferTimeoutTriggeredEvent(ServerEvent):
    audio_start_ms: int
    audio_end_ms: int
    item_id: str


class ConversationItemAddedEvent(ServerEvent):
    """GA ``conversation.item.added``; beta ``conversation.item.created`` also maps here."""

    item: ConversationItem
    previous_item_id: str | None = None


class ConversationItemDoneEvent(ServerEvent):
    item: ConversationItem
    previous_item_id: str | None = None


class ConversationItemRetrievedEvent(ServerEvent):
    item: ConversationItem


class ConversationItemTruncatedEvent(ServerEvent):
    item_id: str
    content_index: int = 0
    audio_end_ms: int


class ConversationItemDeletedEvent(ServerEvent):
    item_id: str


class InputAudioTranscriptionDeltaEvent(ServerEvent):
    item_id: str
    content_index: int = 0
    delta: str = ""


class InputAudioTranscriptionCompletedEvent(ServerEvent):
    item_id: str
    content_index: int = 0
    transcript: str
    usage: dict[str, Any] | None = None


class InputAudioTranscriptionFailedEvent(ServerEvent):
    item_id: str
    content_index: int = 0
    error: ErrorDetail


class ResponseCreatedEvent(ServerEvent):
    response: Response


class ResponseDoneEvent(ServerEvent):
    """``response.status``: completed, cancelled, failed or incomplete; ``response.usage``."""

    response: Response


class ResponseOutputItemAddedEvent(ServerEvent):
    response_id: str
    output_index: int = 0
    item: ConversationItem


class ResponseOutputItemDoneEvent(ResponseOutputItemAddedEvent):
    pass


class ResponseContentPartAddedEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int = 0
    content_index: int = 0
    part: ContentPart


class ResponseContentPartDoneEvent(ResponseContentPartAddedEvent):
    pass


class _ResponseContentEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int = 0
    content_index: int = 0


class ResponseOutputAudioDeltaEvent(_ResponseContentEvent):
    """``delta`` is base64 audio in the session's output format."""

    delta: str

    def audio_bytes(self) -> bytes:
        return base64.b64decode(self.delta)


class ResponseOutputAudioDoneEvent(_ResponseContentEvent):
    pass


class ResponseOutputAudioTranscriptDeltaEvent(_ResponseContentEvent):
    delta: str


class ResponseOutputAudioTranscriptDoneEvent(_ResponseContentEvent):
    transcript: str = ""


class ResponseOutputTextDeltaEvent(_ResponseContentEvent):
    delta: str


class ResponseOutputTextDoneEvent(_ResponseContentEvent):
    text: str = ""


class ResponseFunctionCallArgumentsDeltaEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int = 0
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDoneEvent(ServerEvent):
    """``name`` is None from beta servers; take it from the output item then."""

    response_id: str
    item_id: str
    output_index: int = 0
    call_id: str
    name: str | None = None
    arguments: str


class RateLimitsUpdatedEvent(ServerEvent):
    rate_limits: list[RateLimit] = Field(default_factory=list)


class ErrorEvent(ServerEvent):
    """A server-reported error; the session normally stays usable.

    ``caused_by`` is the client event (as sent) whose ``event_id`` the server
    named, when it is still among the recently sent events.
    """

    error: ErrorDetail
    caused_by: dict[str, Any] | None = None

    @property
    def code(self) -> str | None:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def param(self) -> str | None:
        return self.error.param


class UnknownEvent(ServerEvent):
    """A well-formed event this client does not model; ``raw`` is the payload."""

    raw: dict[str, Any]


class ProtocolErrorEvent(ServerEvent):
    """A frame that is not a JSON object (``type`` is ``client.protocol_error``)."""

    detail: str
    raw: str = ""


#: GA type name -> model. Beta names are renamed before lookup (see ``parsing``).
EVENT_MODELS: dict[str, type[ServerEvent]] = {
    "session.created": SessionCreatedEvent,
    "session.updated": SessionUpdatedEvent,
    "conversation.created": ConversationCreatedEvent,
    "input_audio_buffer.speech_started": InputAudioBufferSpeechStartedEvent,
    "input_audio_buffer.speech_stopped": InputAudioBufferSpeechStoppedEvent,
    "input_audio_buffer.committed": InputAudioBufferCommittedEvent,
    "input_audio_buffer.cleared": InputAudioBufferClearedEvent,
    "input_audio_buffer.timeout_triggered": InputAudioBufferTimeoutTriggeredEvent,
    "conversation.item.added": ConversationItemAddedEvent,
    "conversation.item.done": ConversationItemDoneEvent,
    "conversation.item.retrieved": ConversationItemRetrievedEvent,
    "conversation.item.truncated": ConversationItemTruncatedEvent,
    "conversation.item.deleted": ConversationItemDeletedEvent,
    "conversation.item.input_audio_transcription.delta": InputAudioTranscriptionDeltaEvent,
    "conversation.item.input_audio_transcription.completed": InputAudioTranscriptionCompletedEvent,
    "conversation.item.input_audio_transcription.failed": InputAudioTranscriptionFailedEvent,
    "response.created": ResponseCreatedEvent,
    "response.done": ResponseDoneEvent,
    "response.output_item.added": ResponseOutputItemAddedEvent,
    "response.output_item.done": ResponseOutputItemDoneEvent,
    "response.content_part.added": ResponseContentPartAddedEvent,
    "response.content_part.done": ResponseContentPartDoneEvent,
    "response.output_audio.delta": ResponseOutputAudioDeltaEvent,
    "response.output_audio.done": ResponseOutputAudioDoneEvent,
    "response.output_audio_transcript.delta": ResponseOutputAudioTranscriptDeltaEvent,
    "response.output_audio_transcript.done": ResponseOutputAudioTranscriptDoneEvent,
    "response.output_text.delta": ResponseOutputTextDeltaEvent,
    "response.output_text.done": ResponseOutputTextDoneEvent,
    "response.function_call_arguments.delta": ResponseFunctionCallArgumentsDeltaEvent,
    "response.function_call_arguments.done": ResponseFunctionCallArgumentsDoneEvent,
    "rate_limits.updated": RateLimitsUpdatedEvent,
    "error": ErrorEvent,
}
