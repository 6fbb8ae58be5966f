"""Built-in intents of the offline brain: time, date, help, repeat, the user's name,
arithmetic, fallback."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from desktop.local_engine.text_numbers import format_number, is_number, normalize_numbers

CAPABILITIES = (
    "I can tell you the time or the date, do simple arithmetic, count, repeat my last answer, "
    "and use the tools this app gives me."
)
#: Where in Parley's window the offline engine's language model is set.
LANGUAGE_MODEL_PLACE = "the Connection tab, under Offline engine"
MAX_COUNT = 200
#: "my name is Ada", "my name's Ada", "call me Ada": the name is the next word.
NAME_STATEMENT = re.compile(
    r"\b(?:my name is|my name's|call me)\s+(?!not\b)([^\W\d_][\w'-]*)", re.IGNORECASE
)
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


def stated_name(user_texts: Iterable[str]) -> str | None:
    """The name the user last gave ("my name is Ada", "call me Ada"), if any."""
    name = None
    for text in user_texts:
        for match in NAME_STATEMENT.finditer(text):
            name = match.group(1)
    return name[:1].upper() + name[1:] if name else None


def model_failed_reply(reason: str) -> str:
    """The fallback when a language model is set but did not answer."""
    return (
        f"Your language model did not answer ({reason}), and I can't answer that one on my "
        f"own. Check it in {LANGUAGE_MODEL_PLACE}."
    )


def builtin_reply(
    text: str,
    last_answer: str | None,
    now: dt.datetime | None = None,
    user_name: str | None = None,
) -> str:
    """The spoken reply to ``text`` from the built-in intents; never empty.
    ``user_name`` is the name the user gave earlier in the conversation."""
    now = now or dt.datetime.now()
    words = _words(text)
    if re.search(r" (repeat|say (that|it) again|come again|pardon) ", words):
        return last_answer or "I haven't said anything yet. " + CAPABILITIES
    if re.search(r" (what's|what is|do you know|tell me) my name | who am i ", words):
        return f"Your name is {user_name}." if user_name else "You haven't told me your name yet."
    if (name := stated_name([text])) is not None:
        return f"Nice to meet you, {name}."
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
