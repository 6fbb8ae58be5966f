"""What each server event means for the conversation, on the GUI thread.

Split from the controller so that the lifecycle (connect, retry, turns) and
the event semantics (transcript, tools, usage, errors) each stay readable.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from desktop.connection.state import TurnState
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
    ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent,
)
from desktop.realtime.events import ConversationItem, ProtocolErrorEvent, ServerEvent

AssistantTextDelta = ResponseOutputAudioTranscriptDeltaEvent | ResponseOutputTextDeltaEvent

if TYPE_CHECKING:
    from desktop.conversation.controller import ConversationController

log = logging.getLogger(__name__)

#: Error codes no retry can fix; the advice says what the user should do.
FATAL_ERRORS: dict[str, str] = {
    "invalid_api_key": "The API key was rejected. Check your API key ('API key…').",
    "insufficient_quota": "Your account has no quota left. Check your plan and billing.",
    "billing_hard_limit_reached": "The billing limit is reached. Raise it in your account.",
    "account_deactivated": "This account is deactivated. Contact the provider.",
    "organization_deactivated": "This organization is deactivated. Contact the provider.",
    "beta_api_shape_disabled": "This server no longer accepts the beta dialect; choose GA.",
}
#: Errors that are expected in normal use and need no status message.
_QUIET_ERRORS = frozenset({"response_cancel_not_active", "item_truncate_invalid_item_id"})


class ServerEventHandler:
    def __init__(self, controller: ConversationController) -> None:
        self._c = controller

    def handle(self, event: object) -> None:
        if not isinstance(event, ServerEvent):
            return
        c = self._c
        if isinstance(event, InputAudioBufferSpeechStartedEvent):
            c.set_turn(TurnState.LISTENING)
            c.emit_entry(c.transcript.ensure(event.item_id, "user"))
        elif isinstance(event, InputAudioBufferSpeechStoppedEvent):
            c.set_turn(TurnState.THINKING)
        elif isinstance(event, InputAudioBufferCommittedEvent):
            c.emit_entry(c.transcript.ensure(event.item_id, "user"))
            if c.answers_voice_turns():
                c.request_response()
        elif isinstance(event, ConversationItemAddedEvent):
            self._on_item_added(event.item)
        elif isinstance(event, InputAudioTranscriptionDeltaEvent):
            c.emit_entry(c.transcript.append_text(event.item_id, "user", event.delta))
        elif isinstance(event, InputAudioTranscriptionCompletedEvent):
            text = event.transcript.strip()
            if text:
                c.emit_entry(c.transcript.finish(event.item_id, "user", text))
            else:
                entry = c.transcript.finish(event.item_id, "user", "no speech recognised", "failed")
                c.emit_entry(entry)
        elif isinstance(event, InputAudioTranscriptionFailedEvent):
            reason = event.error.message or "transcription failed"
            c.emit_entry(c.transcript.finish(event.item_id, "user", reason, "failed"))
        elif isinstance(event, ResponseCreatedEvent):
            c.response_created(event.response.id or "unknown")
            if c.turn_state is not TurnState.LISTENING:
                c.set_turn(TurnState.THINKING)
        elif isinstance(event, ResponseOutputItemAddedEvent):
            self._on_output_item(event.item)
        elif isinstance(
            event, ResponseOutputAudioTranscriptDeltaEvent | ResponseOutputTextDeltaEvent
        ):
            c.emit_entry(c.transcript.append_text(event.item_id, "assistant", event.delta))
        elif isinstance(event, ResponseOutputAudioTranscriptDoneEvent):
            self._finish_assistant(event.item_id, event.transcript)
        elif isinstance(event, ResponseOutputTextDoneEvent):
            self._finish_assistant(event.item_id, event.text)
        elif isinstance(event, ResponseFunctionCallArgumentsDoneEvent):
            self._on_function_call(event)
        elif isinstance(event, ConversationItemTruncatedEvent):
            if c.transcript.get(event.item_id) is not None:
                c.emit_entry(c.transcript.finish(event.item_id, "assistant", None, "interrupted"))
        elif isinstance(event, ResponseDoneEvent):
            self._on_response_done(event)
        elif isinstance(event, ErrorEvent):
            self._on_error(event)
        elif isinstance(event, ProtocolErrorEvent):
            c.status_message.emit(f"Ignored a malformed message from the server: {event.detail}")

    def _on_item_added(self, item: ConversationItem) -> None:
        c = self._c
        if item.type == "function_call":
            c.tool_calls.note_item(item.id, item.name)
        elif item.type == "message" and item.id:
            kinds = {part.type for part in item.content}
            if item.role == "user" and "input_audio" in kinds:
                c.emit_entry(c.transcript.ensure(item.id, "user"))
            elif item.role == "assistant":
                c.emit_entry(c.transcript.ensure(item.id, "assistant"))

    def _on_output_item(self, item: ConversationItem) -> None:
        c = self._c
        if item.type == "function_call" and item.id:
            c.tool_calls.note_item(item.id, item.name)
            c.transcript.ensure(item.id, "tool", status="pending")
            c.emit_entry(c.transcript.update(item.id, "tool", tool_name=item.name or ""))
        elif item.type == "message" and item.id:
            c.emit_entry(c.transcript.ensure(item.id, "assistant"))

    def _finish_assistant(self, item_id: str, text: str) -> None:
        c = self._c
        entry = c.transcript.get(item_id)
        interrupted = entry is not None and entry.status == "interrupted"
        c.emit_entry(
            c.transcript.finish(
                item_id, "assistant", text or None, "interrupted" if interrupted else "done"
            )
        )

    def _on_function_call(self, event: ResponseFunctionCallArgumentsDoneEvent) -> None:
        c = self._c
        call = c.tool_calls.run(
            event.item_id, event.call_id, event.name, event.arguments, c.settings.tools
        )
        entry = c.transcript.update(
            event.item_id,
            "tool",
            tool_name=call.name,
            tool_arguments=call.arguments,
            tool_result=call.result.as_text(),
            status="done" if call.result.ok else "failed",
        )
        c.emit_entry(entry)
        if call.result.timer is not None:
            c.start_timer(call.result.timer.seconds, call.result.timer.label)

    def _on_response_done(self, event: ResponseDoneEvent) -> None:
        c = self._c
        response = event.response
        if response.usage is not None:
            c.add_usage(TokenCounts.from_usage(response.usage))
        for item in response.output:
            entry = c.transcript.get(item.id or "")
            if entry is not None and entry.status == "streaming":
                status = "interrupted" if response.status == "cancelled" else "done"
                c.emit_entry(c.transcript.update(entry.id, entry.role, status=status))
        if response.status in ("failed", "incomplete"):
            details = response.status_details or {}
            error = details.get("error") or {}
            reason = error.get("message") or details.get("reason") or response.status
            c.status_message.emit(f"The response ended early: {reason}")
        c.response_done()

    def _on_error(self, event: ErrorEvent) -> None:
        c = self._c
        code = event.code or ""
        log.info("server error %s: %s", code, event.message)
        if code in FATAL_ERRORS:
            c.status_message.emit(FATAL_ERRORS[code])
            c.fatal(FATAL_ERRORS[code])
            return
        if code == "conversation_already_has_active_response":
            c.response_refused()
            return
        if (event.caused_by or {}).get("type") == "response.create":
            c.response_create_failed()
        if code in _QUIET_ERRORS:
            return
        c.status_message.emit(f"Server error: {event.message or code}")
