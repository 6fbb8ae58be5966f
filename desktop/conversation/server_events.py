"""What each server event means for the conversation, on the GUI thread.

The receiver thread has already handled what cannot wait (output audio,
barge-in, echo turns); every other event arrives here as a typed
``ServerEvent`` and goes to one handler by its type: transcript entries go to
the conversation record, VAD events move the turn, response events pass
through the response gate, function calls go to the tool flow (which also hears
the spoken answers to its questions), and errors end the session when no retry
can fix them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from desktop.config.places import place
from desktop.connection.lifecycle import SessionLifecycle
from desktop.conversation.record import ConversationRecord
from desktop.conversation.response_gate import ResponseGate
from desktop.conversation.tool_flow import ToolFlow
from desktop.conversation.turn_machine import TurnMachine, TurnState
from desktop.conversation.usage import TokenCounts
from desktop.realtime import (
    ConversationItemAddedEvent,
    ConversationItemTruncatedEvent,
    ErrorEvent,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    InputAudioTranscriptionCompletedEvent,
    InputAudioTranscriptionDeltaEvent,
    InputAudioTranscriptionFailedEvent,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseOutputAudioTranscriptDeltaEvent,
    ResponseOutputAudioTranscriptDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent,
)
from desktop.realtime.events import ConversationItem, ProtocolErrorEvent, ServerEvent

log = logging.getLogger(__name__)

#: Error codes no retry can fix; the advice says what the user should do.
FATAL_ERRORS: dict[str, str] = {
    "invalid_api_key": "The API key was rejected. Check your API key ('API key…').",
    "insufficient_quota": "Your account has no quota left. Check your plan and billing.",
    "billing_hard_limit_reached": "The billing limit is reached. Raise it in your account.",
    "account_deactivated": "This account is deactivated. Contact the provider.",
    "organization_deactivated": "This organization is deactivated. Contact the provider.",
    "beta_api_shape_disabled": "This server no longer accepts the beta dialect; choose GA in "
    f"{place('connection.dialect')}.",
}
#: Errors that are expected in normal use and need no status message.
_QUIET_ERRORS = frozenset({"response_cancel_not_active", "item_truncate_invalid_item_id"})


class ServerEventHandler:
    """Turns server events into changes of the record, the turn, the gate and the tools."""

    def __init__(
        self,
        session: SessionLifecycle,
        turns: TurnMachine,
        gate: ResponseGate,
        record: ConversationRecord,
        tools: ToolFlow,
        status: Callable[[str], None],
    ) -> None:
        self._session = session
        self._turns = turns
        self._gate = gate
        self._record = record
        self._tools = tools
        self._status = status
        self._handlers: dict[type[ServerEvent], Callable[[Any], None]] = {
            InputAudioBufferSpeechStartedEvent: self._on_speech_started,
            InputAudioBufferSpeechStoppedEvent: self._on_speech_stopped,
            InputAudioBufferCommittedEvent: self._on_committed,
            ConversationItemAddedEvent: self._on_item_added,
            InputAudioTranscriptionDeltaEvent: self._on_transcription_delta,
            InputAudioTranscriptionCompletedEvent: self._on_transcription_completed,
            InputAudioTranscriptionFailedEvent: self._on_transcription_failed,
            ResponseCreatedEvent: self._on_response_created,
            ResponseOutputItemAddedEvent: self._on_output_item,
            ResponseOutputItemDoneEvent: self._on_output_item,  # the same item, complete
            ResponseOutputAudioTranscriptDeltaEvent: self._on_assistant_delta,
            ResponseOutputTextDeltaEvent: self._on_assistant_delta,
            ResponseOutputAudioTranscriptDoneEvent: self._on_audio_transcript_done,
            ResponseOutputTextDoneEvent: self._on_text_done,
            ResponseFunctionCallArgumentsDoneEvent: self._on_function_call,
            ConversationItemTruncatedEvent: self._on_item_truncated,
            ResponseDoneEvent: self._on_response_done,
            ErrorEvent: self._on_error,
            ProtocolErrorEvent: self._on_protocol_error,
        }

    def handle(self, event: ServerEvent) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    # -- the user's speech -------------------------------------------------------------------

    def _on_speech_started(self, event: InputAudioBufferSpeechStartedEvent) -> None:
        self._turns.set(TurnState.LISTENING)
        self._record.ensure(event.item_id, "user")

    def _on_speech_stopped(self, event: InputAudioBufferSpeechStoppedEvent) -> None:
        self._turns.set(TurnState.THINKING)

    def _on_committed(self, event: InputAudioBufferCommittedEvent) -> None:
        self._record.ensure(event.item_id, "user")
        answers_a_question = self._tools.claim_turn(event.item_id)
        if self._turns.answers_voice_turns() and not answers_a_question:
            self._gate.request()

    def _on_item_added(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        if item.type == "function_call":
            self._tools.note_item(item.id, item.name)
        elif item.type == "message" and item.id:
            kinds = {part.type for part in item.content}
            if item.role == "user" and "input_audio" in kinds:
                self._record.ensure(item.id, "user")
            elif item.role == "assistant":
                self._record.ensure(item.id, "assistant")

    def _on_transcription_delta(self, event: InputAudioTranscriptionDeltaEvent) -> None:
        self._record.append_text(event.item_id, "user", event.delta)

    def _on_transcription_completed(self, event: InputAudioTranscriptionCompletedEvent) -> None:
        text = event.transcript.strip()
        if text:
            self._record.finish(event.item_id, "user", text)
        else:
            self._record.finish(event.item_id, "user", "no speech recognised", "failed")
        self._tools.on_transcript(event.item_id, text or None)

    def _on_transcription_failed(self, event: InputAudioTranscriptionFailedEvent) -> None:
        reason = event.error.message or "transcription failed"
        self._record.finish(event.item_id, "user", reason, "failed")
        self._tools.on_transcript(event.item_id, None)

    # -- the assistant's reply ---------------------------------------------------------------

    def _on_response_created(self, event: ResponseCreatedEvent) -> None:
        self._gate.created(event.response.id or "unknown")
        if self._turns.state is not TurnState.LISTENING:
            self._turns.set(TurnState.THINKING)

    def _on_output_item(self, event: ResponseOutputItemAddedEvent) -> None:
        item: ConversationItem = event.item
        if item.type == "function_call" and item.id:
            self._tools.note_item(item.id, item.name)
            self._record.update(item.id, "tool", created_as="pending", tool_name=item.name or "")
        elif item.type == "message" and item.id:
            self._record.ensure(item.id, "assistant")

    def _on_assistant_delta(
        self, event: ResponseOutputAudioTranscriptDeltaEvent | ResponseOutputTextDeltaEvent
    ) -> None:
        self._record.append_text(event.item_id, "assistant", event.delta)

    def _on_audio_transcript_done(self, event: ResponseOutputAudioTranscriptDoneEvent) -> None:
        self._finish_assistant(event.item_id, event.transcript)

    def _on_text_done(self, event: ResponseOutputTextDoneEvent) -> None:
        self._finish_assistant(event.item_id, event.text)

    def _finish_assistant(self, item_id: str, text: str) -> None:
        entry = self._record.transcript.get(item_id)
        interrupted = entry is not None and entry.status == "interrupted"
        self._record.finish(
            item_id, "assistant", text or None, "interrupted" if interrupted else "done"
        )

    def _on_item_truncated(self, event: ConversationItemTruncatedEvent) -> None:
        entry = self._record.transcript.get(event.item_id)
        if entry is not None:
            self._record.update(entry.id, entry.role, status="interrupted")

    def _on_function_call(self, event: ResponseFunctionCallArgumentsDoneEvent) -> None:
        self._tools.on_call(event.item_id, event.call_id, event.name, event.arguments)

    def _on_response_done(self, event: ResponseDoneEvent) -> None:
        response = event.response
        if response.usage is not None:
            self._record.add_usage(TokenCounts.from_usage(response.usage))
        for item in response.output:
            entry = self._record.transcript.get(item.id or "")
            if entry is not None and entry.status == "streaming":
                status = "interrupted" if response.status == "cancelled" else "done"
                self._record.update(entry.id, entry.role, status=status)
        if response.status in ("failed", "incomplete"):
            details = response.status_details or {}
            error = details.get("error") or {}
            reason = error.get("message") or details.get("reason") or response.status
            self._status(f"The response ended early: {reason}")
        if not self._gate.finished(self._tools.response_done()):
            self._turns.on_response_finished()

    # -- errors ------------------------------------------------------------------------------

    def _on_error(self, event: ErrorEvent) -> None:
        code = event.code or ""
        log.info("server error %s: %s", code, event.message)
        if code in FATAL_ERRORS:
            self._status(FATAL_ERRORS[code])
            self._session.fatal(FATAL_ERRORS[code])
            return
        if code == "conversation_already_has_active_response":
            self._gate.refused()
            return
        if (event.caused_by or {}).get("type") == "response.create":
            self._gate.create_failed()
            self._turns.on_response_create_failed()
        if code in _QUIET_ERRORS:
            return
        self._status(f"Server error: {event.message or code}")

    def _on_protocol_error(self, event: ProtocolErrorEvent) -> None:
        self._status(f"Ignored a malformed message from the server: {event.detail}")
