"""The function-call round trip: run each call, hold its output until the
response that asked for it is done, then hand back the events to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.config.settings import ToolSettings
from desktop.conversation.tools import ToolRegistry, ToolResult


@dataclass
class PendingCall:
    call_id: str
    name: str
    arguments: str
    result: ToolResult


@dataclass
class ToolCallTracker:
    """Runs calls through ``registry`` and keeps their outputs for ``response.done``."""

    registry: ToolRegistry
    names: dict[str, str] = field(default_factory=dict)
    pending: list[PendingCall] = field(default_factory=list)

    def note_item(self, item_id: str | None, name: str | None) -> None:
        """Beta servers name the function only on the output item."""
        if item_id and name:
            self.names[item_id] = name

    def run(
        self, item_id: str, call_id: str, name: str | None, arguments: str, tools: ToolSettings
    ) -> PendingCall:
        resolved = name or self.names.get(item_id, "")
        call = PendingCall(
            call_id, resolved, arguments, self.registry.run(resolved, arguments, tools)
        )
        self.pending.append(call)
        return call

    def take_outputs(self) -> list[dict[str, Any]]:
        """The ``conversation.item.create`` events for every finished call."""
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
        ]
        self.pending.clear()
        return events

    def reset(self) -> None:
        self.names.clear()
        self.pending.clear()
