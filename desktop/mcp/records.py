"""What the MCP host reports: servers' states, their tools, and finished calls.

Every record is immutable, so the host thread can hand it to the GUI thread as is.
"""

from __future__ import annotations

import copy
import enum
import json
from dataclasses import dataclass, field
from typing import Any

#: Long tool descriptions cost the model's context on every turn.
MAX_DESCRIPTION = 2000


class ServerState(enum.Enum):
    OFF = "off"  # switched off in the settings
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"  # did not start, or stopped on its own; can be restarted
    STOPPED = "stopped"  # stopped by Parley


@dataclass(frozen=True)
class McpTool:
    """One tool of one server, as the model is offered it.

    ``function_name`` is unique among every server's tools and follows the function
    naming rules (letters, digits, ``_`` and ``-``, at most 64 characters).
    """

    function_name: str
    server: str
    tool_name: str
    title: str
    description: str
    input_schema: dict[str, Any] = field(hash=False, compare=False)
    read_only: bool = False
    destructive: bool = True

    def function_tool(self) -> dict[str, Any]:
        """The Realtime ``session.tools`` entry for this tool."""
        parameters = {
            key: copy.deepcopy(value)
            for key, value in self.input_schema.items()
            if key != "$schema"
        }
        parameters.setdefault("type", "object")
        parameters.setdefault("properties", {})
        about = self.description.strip() or self.title or self.tool_name
        description = f"[{self.server}] {about}"[:MAX_DESCRIPTION]
        return {
            "type": "function",
            "name": self.function_name,
            "description": description,
            "parameters": parameters,
        }


@dataclass(frozen=True)
class ServerStatus:
    """A server's state; ``message`` is a sentence for the user, ``stderr_tail`` the last
    lines the server printed on its error output (stdio servers)."""

    name: str
    state: ServerState
    message: str
    stderr_tail: str = ""
    tools: tuple[McpTool, ...] = ()


@dataclass(frozen=True)
class CallOutcome:
    """A finished tool call.

    ``output`` is the ``function_call_output`` text for the model (an ``{"error": ...}``
    JSON object when ``ok`` is False); ``user_message`` is a line for the transcript
    when something went wrong.
    """

    call_id: str
    function_name: str
    server: str
    tool_name: str
    output: str
    ok: bool
    user_message: str | None = None
    elapsed_s: float = 0.0


def error_output(message: str) -> str:
    """A failed call's ``function_call_output``: the shape Parley's built-in tools use."""
    return json.dumps({"error": message}, ensure_ascii=False)
