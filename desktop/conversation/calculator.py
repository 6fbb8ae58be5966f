"""Exact arithmetic for the calculator tool, evaluated without ``eval``.

The expression is parsed and its syntax tree walked: numbers, + - * / // % **,
a few functions and constants, nothing else; sizes are checked at every step,
so no expression can take the app's time or memory.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any


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
