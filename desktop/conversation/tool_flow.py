"""The model's function calls, from its request to the output it reads, on the GUI thread.

Calls run through the :class:`~desktop.conversation.tool_calls.ToolCallTracker`.
A tool that asks first puts a question in the transcript (its entry's ``consent``
is "asking"), one question at a time. The user answers with the entry's buttons,
by typing yes or no, or by saying it: while a question is open, the user's next
spoken turn is the answer. That turn gets no reply of its own: the session's turn
detection stops creating responses while a question is open (the controller
follows :attr:`ToolFlow.listening_changed`), the app does not ask for one, and
the item is deleted from the server's conversation once its words are known.

Results that arrive later (an MCP server's) come in through :meth:`ToolFlow.deliver`.
Once the response that made the calls is done and every call has finished, the
outputs go out with the next ``response.create`` through the response gate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.config.settings import Settings
from desktop.connection.receiver import ConnectionWorker
from desktop.conversation.record import ConversationRecord
from desktop.conversation.response_gate import ResponseGate
from desktop.conversation.tool_calls import PendingCall, ToolCallTracker
from desktop.conversation.tool_timers import ToolTimers
from desktop.conversation.tools import ToolRegistry, ToolResult
from desktop.conversation.yes_no import yes_or_no

SESSION_ENDED = "the session ended before the tool finished"
SESSION_ENDED_ASKING = "the session ended before you answered"
#: What the model reads when the user says no (the transcript says it its own way).
REFUSED = ToolResult({"error": "the user did not allow this tool to run"}, ok=False)


class ToolFlow(QObject):
    """Runs the model's calls, asks the user where a tool says so, returns the outputs.

    Signals:
        listening_changed(): whether the user's next spoken turn answers a question
            changed (:attr:`holds_replies`); the session's turn detection follows.
        turn_unanswered(): the user's turn answered no question clearly and gets no
            reply; the floor is free again.
        status_message(str): a short message for the status bar.
    """

    listening_changed = Signal()
    turn_unanswered = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        settings: Settings,
        registry: ToolRegistry,
        record: ConversationRecord,
        gate: ResponseGate,
        worker: Callable[[], ConnectionWorker | None],
        timers: ToolTimers,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._record = record
        self._gate = gate
        self._worker = worker
        self._timers = timers
        self.calls = ToolCallTracker(registry)
        self._questions: list[PendingCall] = []
        self._answer_item: str | None = None
        self._holding = False

    # -- the model's calls -------------------------------------------------------------------

    def note_item(self, item_id: str | None, name: str | None) -> None:
        self.calls.note_item(item_id, name)

    def on_call(self, item_id: str, call_id: str, name: str | None, arguments: str) -> None:
        """The model asked for a call (its arguments are complete)."""
        call = self.calls.run(item_id, call_id, name, arguments, self._settings.tools)
        if call.state == "done":
            self._show_result(call)
            return
        self._record.update(
            item_id, "tool", tool_name=call.name, tool_arguments=arguments, status="pending"
        )
        if call.state == "asking":
            self._questions.append(call)
            if len(self._questions) == 1:
                self._open_question()

    def response_done(self) -> list[dict[str, Any]]:
        """The response is done: the outputs to send now (none while calls are unfinished)."""
        return self.calls.take_outputs()

    def deliver(self, call_id: str, result: ToolResult) -> None:
        """The result of a call that finished elsewhere."""
        call = self.calls.deliver(call_id, result)
        if call is None:
            return  # its session has ended; the model will not ask for it any more
        self._show_result(call)
        self._send_ready()

    @property
    def busy(self) -> bool:
        """A call is running or waiting for the user (no time to renew the session)."""
        return self.calls.busy

    # -- questions ---------------------------------------------------------------------------

    @property
    def question(self) -> PendingCall | None:
        """The call whose question is open (the first of those waiting)."""
        return self._questions[0] if self._questions else None

    @property
    def holds_replies(self) -> bool:
        """A question is open and the user's next spoken turn will be heard as its answer."""
        return self.question is not None and self._settings.transcription.enabled

    def answer(self, which: str, allowed: bool) -> bool:
        """The user's answer to the open question, named by its call id or by its
        transcript entry's id; False if that question is not open."""
        call = self.question
        if call is None or which not in (call.call_id, call.item_id):
            return False
        call_id = call.call_id
        self._questions.pop(0)
        self._answer_item = None
        if allowed:
            self._record.update(call.item_id, "tool", consent="allowed")
            self.calls.allow(call_id)
        else:
            self._record.update(call.item_id, "tool", consent="denied")
            self.deliver(call_id, REFUSED)
        if self._questions:
            self._open_question()
        self._follow_holding()
        self._send_ready()
        return True

    def answer_typed(self, text: str) -> bool:
        """A typed message while a question is open: True when it was the answer."""
        call = self.question
        verdict = yes_or_no(text) if call is not None else None
        if call is None or verdict is None:
            return False
        self._record.add_user_text(text.strip())
        return self.answer(call.call_id, verdict)

    def claim_turn(self, item_id: str) -> bool:
        """A spoken turn was committed: True when it is the open question's answer."""
        if not self.holds_replies or self._answer_item is not None:
            return False
        self._answer_item = item_id
        return True

    def on_transcript(self, item_id: str, text: str | None) -> bool:
        """The words of a spoken turn (None: none were recognised); True when they
        were meant as an answer (which then gets no reply of its own)."""
        call = self.question
        if item_id != self._answer_item or call is None:
            return False
        self._answer_item = None
        worker = self._worker()
        if worker is not None:  # the answer is not part of the conversation with the model
            worker.send_event({"type": "conversation.item.delete", "item_id": item_id})
        verdict = yes_or_no(text or "")
        if verdict is None:
            self.status_message.emit(
                f"Say yes or no: may {call.label} run? Or choose Allow or Deny."
            )
            self.turn_unanswered.emit()
            return True
        self.answer(call.call_id, verdict)
        return True

    # -- sessions ----------------------------------------------------------------------------

    def end_session(self) -> None:
        """The session is gone: unfinished calls fail, open questions close."""
        for call in self.calls.reset():
            if call.state == "asking":  # the question goes with the session
                self._record.update(call.item_id, "tool", status="failed", consent="",
                                    text=SESSION_ENDED_ASKING)  # fmt: skip
            else:
                self._record.update(call.item_id, "tool", status="failed", text=SESSION_ENDED)
        self._questions.clear()
        self._answer_item = None
        self._follow_holding()

    def reset(self) -> None:
        """The conversation was reset: nothing of it is pending any more."""
        self.calls.reset()
        self._questions.clear()
        self._answer_item = None
        self._follow_holding()

    # -- inside ------------------------------------------------------------------------------

    def _open_question(self) -> None:
        call = self._questions[0]
        self._record.update(call.item_id, "tool", consent="asking")
        self.status_message.emit(f"May {call.label} run? Say yes or no, or choose Allow or Deny.")
        self._follow_holding()

    def _follow_holding(self) -> None:
        holding = self.holds_replies
        if holding != self._holding:
            self._holding = holding
            self.listening_changed.emit()

    def _show_result(self, call: PendingCall) -> None:
        result = call.result
        if result is None:
            return
        self._record.update(
            call.item_id,
            "tool",
            tool_name=call.name,
            tool_arguments=call.arguments,
            tool_result=result.as_text(),
            status="done" if result.ok else "failed",
            text=result.message,
        )
        if result.timer is not None:
            self._timers.start(result.timer.seconds, result.timer.label)
        if not result.ok and result.message:
            self.status_message.emit(result.message)

    def _send_ready(self) -> None:
        events = self.calls.ready_outputs()
        if events:
            self._gate.follow_up(events)
