"""Built-in tools the assistant may call: local time, a calculator, timers.

Each tool has a JSON schema (sent in ``session.update``) and a pure function
that turns the model's JSON arguments into a JSON-serialisable result. Timers
only *describe* the timer here; the controller schedules the notification.
Nothing here raises on bad arguments: errors become ``{"error": ...}`` results
the model can read aloud.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.config.settings import ToolSettings

LOCAL_TIME = "get_local_time"
CALCULATOR = "calculate"
TIMER = "set_timer"
MAX_TIMER_SECONDS = 24 * 3600

_SCHEMAS: dict[str, dict[str, Any]] = {
    LOCAL_TIME: {
        "type": "function",
        "name": LOCAL_TIME,
        "description": "Get the current local time and date (what time is it, what day or "
        "date is it today) on the user's computer.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    CALCULATOR: {
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
    },
    TIMER: {
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
    },
}
_SETTING_FOR_TOOL = {LOCAL_TIME: "local_time", CALCULATOR: "calculator", TIMER: "timers"}


@dataclass(frozen=True)
class TimerRequest:
    seconds: float
    label: str


@dataclass
class ToolResult:
    output: dict[str, Any]
    timer: TimerRequest | None = None
    ok: bool = field(default=True)

    def as_text(self) -> str:
        return json.dumps(self.output, ensure_ascii=False)


def enabled_tool_schemas(tools: ToolSettings) -> list[dict[str, Any]]:
    """The schemas of the tools switched on, for ``session.tools``."""
    return [
        json.loads(json.dumps(schema))
        for name, schema in _SCHEMAS.items()
        if getattr(tools, _SETTING_FOR_TOOL[name])
    ]


def run_tool(
    name: str, arguments: str, tools: ToolSettings, now: dt.datetime | None = None
) -> ToolResult:
    """Run tool ``name`` with JSON ``arguments``; never raises."""
    if name not in _SCHEMAS:
        return _error(f"unknown tool {name!r}")
    if not getattr(tools, _SETTING_FOR_TOOL[name]):
        return _error(f"the {name} tool is switched off in Parley's settings")
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return _error("the arguments are not valid JSON")
    if not isinstance(args, dict):
        return _error("the arguments must be a JSON object")
    if name == LOCAL_TIME:
        return ToolResult(local_time(now))
    if name == CALCULATOR:
        expression = args.get("expression")
        if not isinstance(expression, str):
            return _error("'expression' must be a string")
        try:
            value = calculate(expression)
        except CalculatorError as exc:
            return _error(str(exc))
        return ToolResult({"expression": expression, "result": _tidy(value)})
    return _timer(args)


def _error(message: str) -> ToolResult:
    return ToolResult({"error": message}, ok=False)


def local_time(now: dt.datetime | None = None) -> dict[str, Any]:
    moment = (now or dt.datetime.now()).astimezone()
    return {
        "time": moment.strftime("%H:%M"),
        "date": moment.strftime("%A %d %B %Y"),
        "timezone": moment.tzname() or "",
        "iso": moment.isoformat(timespec="seconds"),
    }


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


class CalculatorError(ValueError):
    """The expression is not plain arithmetic, or has no finite answer."""


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
_MAX_EXPRESSION = 500
_MAX_EXPONENT = 1000
_MAX_MAGNITUDE = 1e300


def calculate(expression: str) -> float:
    """Evaluate arithmetic by walking its syntax tree: no names, calls or
    attributes beyond the whitelist, so nothing but arithmetic can run."""
    text = expression.strip().replace("^", "**").replace("×", "*").replace("÷", "/")
    if not text:
        raise CalculatorError("the expression is empty")
    if len(text) > _MAX_EXPRESSION:
        raise CalculatorError("the expression is too long")
    text = _percentages(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise CalculatorError(f"cannot read {expression!r} as arithmetic") from None
    try:
        value = _evaluate(tree.body)
    except ZeroDivisionError:
        raise CalculatorError("division by zero") from None
    except (OverflowError, ValueError, TypeError) as exc:
        raise CalculatorError(f"no finite answer ({exc})") from None
    if isinstance(value, complex) or not math.isfinite(value) or abs(value) > _MAX_MAGNITUDE:
        raise CalculatorError("no finite real answer")
    return float(value) if not isinstance(value, int) else value


def _percentages(text: str) -> str:
    # "15% of 80" and "15%" read as fractions; '%' between numbers stays modulo.
    text = text.replace("% of", "/100*")
    stripped = text.rstrip()
    if stripped.endswith("%"):
        text = stripped[:-1] + "/100"
    return text


def _power_too_large(base: Any, exponent: Any) -> bool:
    if isinstance(base, complex) or isinstance(exponent, complex):
        return False  # rejected as "no finite real answer" afterwards
    if abs(exponent) > _MAX_EXPONENT:
        return True
    if exponent <= 0 or abs(base) <= 1:
        return False
    # Estimate the size from logarithms before computing anything.
    return bool(exponent * math.log10(abs(base)) > math.log10(_MAX_MAGNITUDE))


def _evaluate(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and _power_too_large(left, right):
            raise CalculatorError("the result would be too large")
        result = _BINARY[type(node.op)](left, right)
        # Check every step, not only the answer: exact integers grow without bound.
        if isinstance(result, int | float) and abs(result) > _MAX_MAGNITUDE:
            raise CalculatorError("the result would be too large")
        return result
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and 0 < len(node.args) <= 4
    ):
        return _FUNCTIONS[node.func.id](*(_evaluate(arg) for arg in node.args))
    raise CalculatorError("only numbers, + - * / // % ** and sqrt/abs/round/min/max are allowed")
