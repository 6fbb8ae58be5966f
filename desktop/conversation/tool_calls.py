"""The function-call round trip: run each call, hold its output until the
response that asked for it is done, then hand back the events to send.

A call of a tool that answers at once is finished when it is made. A call of a
tool that works elsewhere (``Tool.start``, an MCP server's tool) is *running*
until its result is delivered (:meth:`ToolCallTracker.deliver`); a call of a tool
that asks first is *asking* until the user allows it (:meth:`ToolCallTracker.allow`)
or not (a delivered refusal). The outputs go back together once the response
that made the calls is done and every call has finished, so the model answers
with all of them at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.config.settings import ToolSettings
from desktop.conversation.tools import ToolRegistry, ToolResult

CallState = Literal["asking", "running", "done"]


@dataclass
class PendingCall:
    call_id: str
    name: str
    arguments: str
    result: ToolResult | None = None
    item_id: str = ""
    state: CallState = "done"
    #: The tool as the user knows it (for questions and messages).
    label: str = ""


@dataclass
class ToolCallTracker:
    """Runs calls through ``registry`` and keeps their outputs for ``response.done``."""

    registry: ToolRegistry
    names: dict[str, str] = field(default_factory=dict)
    pending: list[PendingCall] = field(default_factory=list)
    #: The response that made the pending calls is done: they go back once all finish.
    response_done: bool = False

    def note_item(self, item_id: str | None, name: str | None) -> None:
        """Beta servers name the function only on the output item."""
        if item_id and name:
            self.names[item_id] = name

    def run(
        self, item_id: str, call_id: str, name: str | None, arguments: str, tools: ToolSettings
    ) -> PendingCall:
        """Make the call: finished now, started elsewhere, or waiting for the user."""
        resolved = name or self.names.get(item_id, "")
        tool = self.registry.get(resolved)
        call = PendingCall(call_id, resolved, arguments, item_id=item_id, label=resolved)
        self.pending.append(call)
        self.response_done = False
        if tool is None or tool.start is None or not tool.enabled(tools):
            call.result = self.registry.run(resolved, arguments, tools)
            return call
        call.label = tool.label or resolved
        call.state = "asking" if tool.ask_first else "running"
        if call.state == "running":
            tool.start(call_id, arguments)
        return call

    def allow(self, call_id: str) -> PendingCall | None:
        """The user allowed an asking call: it starts now."""
        call = self.find(call_id)
        if call is None or call.state != "asking":
            return None
        tool = self.registry.get(call.name)
        if tool is None or tool.start is None:
            self.deliver(call_id, _failed(f"the tool {call.name} is no longer available"))
            return call
        call.state = "running"
        tool.start(call_id, call.arguments)
        return call

    def deliver(self, call_id: str, result: ToolResult) -> PendingCall | None:
        """The result of a call that was running or asking; None if no such call waits
        (it belonged to a session that has ended)."""
        call = self.find(call_id)
        if call is None or call.state == "done":
            return None
        call.result = result
        call.state = "done"
        return call

    def find(self, call_id: str) -> PendingCall | None:
        return next((call for call in self.pending if call.call_id == call_id), None)

    @property
    def busy(self) -> bool:
        """Some call is still running or waiting for the user."""
        return any(call.state != "done" for call in self.pending)

    def take_outputs(self) -> list[dict[str, Any]]:
        """The response that made the calls is done: the ``conversation.item.create``
        events for every call if all have finished, else none yet (see :meth:`ready_outputs`)."""
        self.response_done = True
        return self.ready_outputs()

    def ready_outputs(self) -> list[dict[str, Any]]:
        """The output events, once the calls' response is done and every call finished."""
        if not self.response_done or self.busy:
            return []
        events = [
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": call.call_id,
                    "output": call.result.as_text(),
                },
            }
            for call in self.pending
            if call.result is not None
        ]
        self.pending.clear()
        return events

    def reset(self) -> list[PendingCall]:
        """Forget every call (the session ended); the calls that had not finished."""
        unfinished = [call for call in self.pending if call.state != "done"]
        self.names.clear()
        self.pending.clear()
        self.response_done = False
        return unfinished


def _failed(message: str) -> ToolResult:
    return ToolResult({"error": message}, ok=False, message=message)
