"""Matches an utterance to one of the session's function tools and fills its arguments.

Matching is by words: those of the tool's name weigh double, those of its
description once. Arguments come from the tool's JSON-schema properties: numbers,
durations (converted to the unit the property names), enum values, quoted
strings, on/off booleans, and otherwise the phrase after a preposition.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from desktop.local_engine.text_numbers import is_number, normalize_numbers

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "these",
        "those",
        "your",
        "my",
        "me",
        "you",
        "i",
        "we",
        "can",
        "will",
        "should",
        "please",
        "current",
        "currently",
        "get",
        "gets",
        "given",
        "returns",
        "return",
        "value",
        "values",
        "use",
        "used",
        "using",
        "when",
        "what",
        "which",
        "who",
        "how",
        "do",
        "does",
    ]
)
MIN_SCORE = 2
DURATION_UNITS_S = {
    "ms": 0.001, "millisecond": 0.001, "second": 1, "sec": 1, "minute": 60, "min": 60,
    "hour": 3600, "hr": 3600, "day": 86400,
}  # fmt: skip
NAMING_WORDS = ("called", "named", "saying", "titled")
SLOT_PREPOSITIONS = ("about", "for", "to", "in", "of", "at", "from", "with", "on")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<![\w])'([^']+)'(?![\w])")


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _content_words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ").replace("-", " ")
    return {_stem(word) for word in re.findall(r"[a-z]+", spaced.lower()) if word not in STOPWORDS}


def _score(utterance_words: set[str], tool: dict[str, Any]) -> int:
    name_words = _content_words(str(tool.get("name", "")))
    description_words = _content_words(str(tool.get("description", ""))) - name_words
    return 2 * len(utterance_words & name_words) + len(utterance_words & description_words)


def choose_tool(
    utterance: str, tools: tuple[dict[str, Any], ...], tool_choice: str | dict[str, Any]
) -> dict[str, Any] | None:
    if not tools or tool_choice == "none":
        return None
    if isinstance(tool_choice, dict):
        return next((t for t in tools if t.get("name") == tool_choice.get("name")), None)
    words = _content_words(utterance)
    scored = [(_score(words, tool), index, tool) for index, tool in enumerate(tools)]
    best_score, _, best = max(scored, key=lambda entry: (entry[0], -entry[1]))
    if best_score >= MIN_SCORE or tool_choice == "required":
        return best
    return None


def route(
    utterance: str, tools: tuple[dict[str, Any], ...], tool_choice: str | dict[str, Any]
) -> ToolCall | None:
    tool = choose_tool(utterance, tools, tool_choice)
    if tool is None:
        return None
    tool_words = _content_words(f"{tool.get('name', '')} {tool.get('description', '')}")
    arguments = extract_arguments(utterance, tool.get("parameters") or {}, tool_words)
    return ToolCall(name=str(tool["name"]), arguments=json.dumps(arguments))


def _unit_seconds(word: str) -> float | None:
    singular = word[:-1] if word.endswith("s") else word
    return DURATION_UNITS_S.get(word, DURATION_UNITS_S.get(singular))


def _durations(tokens: list[str]) -> list[float]:
    found = []
    for index in range(len(tokens) - 1):
        unit = _unit_seconds(tokens[index + 1])
        if is_number(tokens[index]) and unit is not None:
            found.append(float(tokens[index]) * unit)
    return found


def _duration_unit(hint: str) -> float | None:
    for word in re.findall(r"[a-z]+", hint):
        unit = _unit_seconds(word)
        if unit is not None:
            return unit
    return 1.0 if re.search(r"duration|delay|timeout|interval", hint) else None


def _free_text(utterance: str, tool_words: set[str], used: set[str]) -> str:
    """The slot phrase: after "called"/"named", else after the first preposition."""
    words = [w for w in utterance.strip().rstrip(".?!").split() if w.lower() not in used]
    lowered = [w.lower().strip(",.?!") for w in words]
    starts = [i for i, w in enumerate(lowered[:-1]) if w in NAMING_WORDS]
    starts = starts or [i for i, w in enumerate(lowered[:-1]) if w in SLOT_PREPOSITIONS]
    if starts:
        phrase: list[str] = []
        for word, low in zip(words[starts[0] + 1 :], lowered[starts[0] + 1 :], strict=True):
            if low in SLOT_PREPOSITIONS and phrase:
                break
            if phrase or low not in ("the", "a", "an"):
                phrase.append(word.strip(",.?!"))
        if phrase:
            return " ".join(phrase)
    rest = [
        word
        for word, low in zip(words, lowered, strict=True)
        if low not in STOPWORDS and _stem(low) not in tool_words and low != "please"
    ]
    return " ".join(rest) if rest else utterance.strip()


def _as_number(value: float, schema_type: str) -> float | int:
    return round(value) if schema_type == "integer" else value


def extract_arguments(
    utterance: str, schema: dict[str, Any], tool_words: set[str] | None = None
) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    quoted = [next(g for g in match if g) for match in _QUOTED.findall(utterance)]
    tokens = normalize_numbers(utterance)
    durations = _durations(tokens)
    numbers = [float(t) for t in tokens if is_number(t)]
    lowered = utterance.lower()
    arguments: dict[str, Any] = {}
    used: set[str] = set()
    deferred: list[str] = []
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        kind = str(prop.get("type", "string"))
        hint = f"{name.replace('_', ' ')} {prop.get('description', '')}".lower()
        unit = _duration_unit(hint)
        value: Any = None
        if isinstance(prop.get("enum"), list):
            value = next((v for v in prop["enum"] if str(v).lower() in lowered), None)
            if value is not None:
                used.add(str(value).lower())
        elif kind in ("integer", "number"):
            if unit is not None and durations:
                value = _as_number(durations.pop(0) / unit, kind)
            elif numbers:
                value = _as_number(numbers.pop(0), kind)
        elif kind == "boolean":
            if re.search(r"\b(on|enable|enabled|yes|true|start)\b", lowered):
                value = True
            elif re.search(r"\b(off|disable|disabled|no|false|stop)\b", lowered):
                value = False
        elif kind == "string":
            if quoted:
                value = quoted.pop(0)
            elif unit is not None and durations:
                value = f"{durations.pop(0):g} seconds"
            elif name in required or len(properties) == 1:
                deferred.append(name)
                continue
        if value is not None:
            arguments[name] = value
    # Free-text slots go last, so words claimed by enums and numbers are not reused.
    for name in deferred:
        arguments[name] = _free_text(utterance, tool_words or set(), used)
    return {name: arguments[name] for name in properties if name in arguments}
