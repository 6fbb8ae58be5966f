"""The tools the assistant may call, in one registry: built-in local time, calculator, timers.

A :class:`Tool` is a JSON schema (sent in ``session.update``) and a function
that turns the model's JSON arguments into a JSON-serialisable result. The
:class:`ToolRegistry` offers the tools that are switched on and runs a call by
name; other sources of tools (an MCP server, say) join by :meth:`ToolRegistry.add`.
A tool that works elsewhere has ``start`` instead of ``run``: it returns at once,
and the result arrives later through
:meth:`~desktop.conversation.tool_calls.ToolCallTracker.deliver`.
Timers only *describe* the timer here; the conversation schedules the
notification. Nothing here raises on bad arguments: errors become
``{"error": ...}`` results the model can read aloud.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.config.settings import ToolSettings
from desktop.conversation.calculator import CalculatorError, calculate

LOCAL_TIME = "get_local_time"
CALCULATOR = "calculate"
TIMER = "set_timer"
MAX_TIMER_SECONDS = 24 * 3600

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class TimerRequest:
    seconds: float
    label: str


@dataclass
class ToolResult:
    """A finished call. ``text``, when set, is the output as is (an MCP tool's text);
    otherwise ``output`` is sent as JSON. ``message`` is a line for the user when the
    call failed."""

    output: dict[str, Any]
    timer: TimerRequest | None = None
    ok: bool = field(default=True)
    text: str | None = None
    message: str = ""

    def as_text(self) -> str:
        if self.text is not None:
            return self.text
        return json.dumps(self.output, ensure_ascii=False)


#: Starts a call that finishes elsewhere: ``start(call_id, arguments)`` returns at once.
Starter = Callable[[str, str], None]


@dataclass(frozen=True)
class Tool:
    """One callable tool. ``setting`` names its switch in ToolSettings (None: always on).

    A tool has ``run`` (answers at once, on the GUI thread) or ``start`` (the answer
    comes later; see the module docstring). ``ask_first``: the user allows each call
    before it starts; ``label`` names the tool to the user.
    """

    name: str
    schema: dict[str, Any]
    run: Callable[[dict[str, Any]], ToolResult] | None = None
    setting: str | None = None
    start: Starter | None = None
    ask_first: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if (self.run is None) == (self.start is None):
            raise ValueError(f"the tool {self.name} needs either run or start")

    def enabled(self, settings: ToolSettings) -> bool:
        return self.setting is None or bool(getattr(settings, self.setting))


class ToolRegistry:
    """The tools by name, in the order they were added."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools or []:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        """Offer ``tool`` from the next session on; a tool of the same name is replaced."""
        self._tools[tool.name] = tool

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self, settings: ToolSettings) -> list[dict[str, Any]]:
        """The schemas of the tools switched on, for ``session.tools`` (copies)."""
        return [
            json.loads(json.dumps(t.schema)) for t in self._tools.values() if t.enabled(settings)
        ]

    def run(self, name: str, arguments: str, settings: ToolSettings) -> ToolResult:
        """Run tool ``name`` with JSON ``arguments``; never raises."""
        tool = self._tools.get(name)
        if tool is None:
            return _error(f"unknown tool {name!r}")
        if not tool.enabled(settings):
            return _error(f"the {name} tool is switched off in Parley's settings")
        try:
            args = json.loads(arguments or "{}")
        except ValueError:
            return _error("the arguments are not valid JSON")
        if not isinstance(args, dict):
            return _error("the arguments must be a JSON object")
        if tool.run is None:
            return _error(f"the {name} tool does not answer at once")
        return tool.run(args)


def builtin_tools(clock: Clock | None = None) -> ToolRegistry:
    """A registry of Parley's own tools; ``clock`` gives "now" for the local time."""
    return ToolRegistry(
        [
            Tool(
                LOCAL_TIME,
                _LOCAL_TIME_SCHEMA,
                lambda _args: ToolResult(local_time(clock)),
                "local_time",
            ),
            Tool(CALCULATOR, _CALCULATOR_SCHEMA, _calculator, "calculator"),
            Tool(TIMER, _TIMER_SCHEMA, _timer, "timers"),
        ]
    )


def enabled_tool_schemas(tools: ToolSettings) -> list[dict[str, Any]]:
    """The built-in tools' schemas that ``tools`` switches on."""
    return builtin_tools().schemas(tools)


def run_tool(
    name: str, arguments: str, tools: ToolSettings, now: dt.datetime | None = None
) -> ToolResult:
    """Run built-in tool ``name`` (with the local time at ``now``, if given); never raises."""
    return builtin_tools(None if now is None else lambda: now).run(name, arguments, tools)


def local_time(clock: Clock | None = None) -> dict[str, Any]:
    moment = (clock() if clock else dt.datetime.now()).astimezone()
    return {
        "time": moment.strftime("%H:%M"),
        "date": moment.strftime("%A %d %B %Y"),
        "timezone": moment.tzname() or "",
        "iso": moment.isoformat(timespec="seconds"),
    }


def _error(message: str) -> ToolResult:
    return ToolResult({"error": message}, ok=False)


def _calculator(args: dict[str, Any]) -> ToolResult:
    expression = args.get("expression")
    if not isinstance(expression, str):
        return _error("'expression' must be a string")
    try:
        value = calculate(expression)
    except CalculatorError as exc:
        return _error(str(exc))
    return ToolResult({"expression": expression, "result": _tidy(value)})


def _timer(args: dict[str, Any]) -> ToolResult:
    seconds = args.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return _error("'seconds' must be a number")
    if not 0 < seconds <= MAX_TIMER_SECONDS:
        return _error(f"'seconds' must be between 0 and {MAX_TIMER_SECONDS}")
    label = str(args.get("label") or "Timer")[:100]
    return ToolResult(
        {"ok": True, "seconds": _tidy(float(seconds)), "label": label},
        timer=TimerRequest(float(seconds), label),
    )


def _tidy(value: float) -> float | int:
    if isinstance(value, int):
        return value
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 12)


_LOCAL_TIME_SCHEMA: dict[str, Any] = {
    "type": "function",
    "name": LOCAL_TIME,
    "description": "Get the current local time and date (what time is it, what day or "
    "date is it today) on the user's computer.",
    "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
}
_CALCULATOR_SCHEMA: dict[str, Any] = {
    "type": "function",
    "name": CALCULATOR,
    "description": "Calculate an arithmetic expression exactly (add, subtract, multiply, "
    "divide, powers, square roots, percentages).",
    "parameters": {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "description": "The arithmetic, e.g. '(12.5 + 3) * 4' or 'sqrt(2)'.",
            }
        },
        "required": ["expression"],
        "additionalProperties": False,
    },
}
_TIMER_SCHEMA: dict[str, Any] = {
    "type": "function",
    "name": TIMER,
    "description": "Set a timer that notifies the user after a number of seconds "
    "(e.g. a timer for ten minutes is 600 seconds).",
    "parameters": {
        "type": "object",
        "properties": {
            "seconds": {"type": "number", "description": "Duration in seconds."},
            "label": {"type": "string", "description": "What the timer is for."},
        },
        "required": ["seconds"],
        "additionalProperties": False,
    },
}
