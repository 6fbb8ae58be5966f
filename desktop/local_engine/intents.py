"""Built-in intents of the offline brain: time, date, help, repeat, arithmetic, fallback."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from desktop.local_engine.text_numbers import format_number, is_number, normalize_numbers

CAPABILITIES = (
    "I can tell you the time or the date, do simple arithmetic, count, repeat my last answer, "
    "and use the tools this app gives me."
)
#: Where in Parley's window the offline engine's language model is set.
LANGUAGE_MODEL_PLACE = "the Connection tab, under Offline engine"
MAX_COUNT = 200
FALLBACK = (
    "I'm the offline engine, so I can't answer that one. " + CAPABILITIES + " To let me "
    f"answer anything, connect a language model in {LANGUAGE_MODEL_PLACE}."
)
OPERATORS: dict[str, Callable[[float, float], float]] = {
    "plus": lambda a, b: a + b,
    "minus": lambda a, b: a - b,
    "times": lambda a, b: a * b,
    "over": lambda a, b: a / b,
}
SOUNDS_LIKE_NUMBER = {"for": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}
OPERATOR_ALIASES = {
    "+": "plus", "add": "plus", "and": "plus", "-": "minus", "less": "minus", "x": "times",
    "*": "times", "×": "times", "multiplied": "times", "/": "over", "divided": "over",
}  # fmt: skip


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9' ]+", " ", text.lower()) + " "


def time_reply(now: dt.datetime) -> str:
    hour = now.hour % 12 or 12
    return f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."


def date_reply(now: dt.datetime) -> str:
    return f"Today is {now:%A}, {now:%B} {now.day}, {now.year}."


def arithmetic_reply(text: str) -> str | None:
    tokens = [OPERATOR_ALIASES.get(t, t) for t in normalize_numbers(text) if t != "by"]
    for index in range(len(tokens) - 2):
        left, operator, right = tokens[index : index + 3]
        # Speech recognition writes "12 times for"; after an operator it can only be a number.
        right = SOUNDS_LIKE_NUMBER.get(right, right) if operator in OPERATORS else right
        if is_number(left) and operator in OPERATORS and is_number(right):
            spoken = f"{left} {operator.replace('over', 'divided by')} {right}"
            if operator == "over" and float(right) == 0:
                return f"{spoken} has no answer: you can't divide by zero."
            result = OPERATORS[operator](float(left), float(right))
            return f"{spoken} is {format_number(round(result, 4))}."
    return None


def counting_reply(text: str) -> str | None:
    """ "count to twenty": numbers in sentences of ten, so long replies stream in pieces."""
    tokens = normalize_numbers(text)
    for index in range(len(tokens) - 2):
        if tokens[index] == "count" and tokens[index + 1] == "to" and is_number(tokens[index + 2]):
            last = min(MAX_COUNT, max(1, int(float(tokens[index + 2]))))
            numbers = [str(n) for n in range(1, last + 1)]
            groups = [numbers[i : i + 10] for i in range(0, len(numbers), 10)]
            return " ".join(", ".join(group) + "." for group in groups)
    return None


def model_failed_reply(reason: str) -> str:
    """The fallback when a language model is set but did not answer."""
    return (
        f"Your language model did not answer ({reason}), and I can't answer that one on my "
        f"own. Check it in {LANGUAGE_MODEL_PLACE}."
    )


def builtin_reply(text: str, last_answer: str | None, now: dt.datetime | None = None) -> str:
    """The spoken reply to ``text`` from the built-in intents; never empty."""
    now = now or dt.datetime.now()
    words = _words(text)
    if re.search(r" (repeat|say (that|it) again|come again|pardon) ", words):
        return last_answer or "I haven't said anything yet. " + CAPABILITIES
    if re.search(r" (help|what can you do|what do you do) ", words):
        return "I'm the offline engine. " + CAPABILITIES
    counting = counting_reply(text)
    if counting is not None:
        return counting
    arithmetic = arithmetic_reply(text)
    if arithmetic is not None:
        return arithmetic
    if re.search(r" time ", words):
        return time_reply(now)
    if re.search(r" (date|what day|today) ", words):
        return date_reply(now)
    if re.search(r"^ (hello|hi|hey|good (morning|afternoon|evening)) ", words):
        return "Hello! " + CAPABILITIES
    if re.search(r" (thanks|thank you) ", words):
        return "You're welcome."
    return FALLBACK
