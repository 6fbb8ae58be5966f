"""One spoken sentence about a function's output, for common result shapes.

The engine has no language model of its own, so after a ``function_call_output``
it reads the JSON and picks a sentence by shape: errors, times and dates, timers,
a single result value, lists, plain text. Fields meant for programs (ids, ISO
timestamps, flags) are never read aloud. The wording is fixed, so the same output
always gives the same sentence.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Fields whose value is the answer itself.
RESULT_KEYS = ("result", "value", "answer", "total", "output")
#: Fields whose value is already a sentence.
TEXT_KEYS = ("message", "summary", "text", "description")
#: Per-item fields that name an entry of a list.
ITEM_NAME_KEYS = ("name", "title", "label", "text", "summary")
#: Duration fields of a timer result, with their length in seconds.
TIMER_DURATION_KEYS = {
    "seconds": 1, "duration_seconds": 1, "remaining_seconds": 1, "duration": 1,
    "duration_s": 1, "minutes": 60, "duration_minutes": 60, "hours": 3600,
}  # fmt: skip
MACHINE_KEYS = frozenset(
    {"id", "iso", "uuid", "url", "href", "timestamp", "epoch", "unix", "ok", "success", "code",
     "status_code", "object", "type"}
)  # fmt: skip
LIST_PREVIEW = 5
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OPAQUE_TOKEN = re.compile(r"^[0-9a-fA-F-]{16,}$")
_DURATION_UNITS = (("hour", 3600), ("minute", 60), ("second", 1))


def summarize_output(tool_name: str, output: str) -> str:
    """A short, natural sentence about ``output`` (the JSON or text a function returned)."""
    try:
        parsed: Any = json.loads(output)
    except (json.JSONDecodeError, TypeError):
        parsed = output
    if isinstance(parsed, dict):
        return _summarize_object(tool_name, parsed)
    if isinstance(parsed, list):
        return _summarize_list(parsed)
    if isinstance(parsed, bool):
        return "Done." if parsed else "That didn't work."
    if isinstance(parsed, int | float):
        return f"The result is {_number(parsed)}."
    text = str(parsed if parsed is not None else "").strip()
    return _sentence(text[:300]) if text else "Done."


def _summarize_object(tool_name: str, fields: dict[str, Any]) -> str:
    error = _error_message(fields)
    if error is not None:
        return f"That didn't work: {_strip_end(error)}." if error else "That didn't work."
    when = _time_sentence(fields)
    if when is not None:
        return when
    if "timer" in tool_name.lower() or "timer" in fields:
        return _timer_sentence(fields)
    for key in RESULT_KEYS:
        if _is_scalar(fields.get(key)):
            return f"The result is {_spoken(fields[key])}."
    for key in TEXT_KEYS:
        if isinstance(fields.get(key), str) and fields[key].strip():
            return _sentence(fields[key].strip())
    for value in fields.values():
        if isinstance(value, list):
            return _summarize_list(value)
    readable = [
        f"{str(key).replace('_', ' ')} {_spoken(value)}"
        for key, value in fields.items()
        if _is_scalar(value) and _is_human(str(key), value)
    ][:4]
    if not readable:
        return "Done."
    return _sentence(f"Here's what I got: {_join(readable)}")


def _error_message(fields: dict[str, Any]) -> str | None:
    """The error's message ("" when there is no message), or None if this is no error."""
    error = fields.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or ""
    if error not in (None, False, ""):
        return str(error).strip() if error is not True else ""
    if fields.get("ok") is False or fields.get("success") is False:
        reason = fields.get("message") or fields.get("reason") or ""
        return str(reason).strip()
    return None


def _time_sentence(fields: dict[str, Any]) -> str | None:
    time, date = fields.get("time"), fields.get("date")
    time = time if isinstance(time, str) and time.strip() else None
    date = date if isinstance(date, str) and date.strip() else None
    if time and date:
        return f"It's {time.strip()} on {_strip_end(date.strip())}."
    if time or date:
        return f"It's {_strip_end((time or date or '').strip())}."
    return None


def _timer_sentence(fields: dict[str, Any]) -> str:
    seconds = next(
        (
            float(fields[key]) * scale
            for key, scale in TIMER_DURATION_KEYS.items()
            if _is_number(fields.get(key))
        ),
        None,
    )
    label = fields.get("label") or fields.get("name")
    labelled = isinstance(label, str) and bool(label.strip())
    subject = f"The {str(label).strip()} timer is set" if labelled else "Timer set"
    if seconds is None or seconds <= 0:
        return f"{subject}."
    return f"{subject} for {duration_words(seconds)}."


def duration_words(seconds: float) -> str:
    """``5400`` -> "1 hour and 30 minutes"; fractions of a second are rounded."""
    remaining = max(1, round(seconds))
    parts = []
    for unit, size in _DURATION_UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count} {unit}" + ("s" if count != 1 else ""))
    return _join(parts)


def _summarize_list(values: list[Any]) -> str:
    if not values:
        return "I found nothing."
    names = [name for name in (_item_name(value) for value in values) if name]
    count = len(values)
    noun = "item" if count == 1 else "items"
    if len(names) != count:
        return f"I found {count} {noun}."
    if count > LIST_PREVIEW:
        return f"I found {count} {noun}, including {_join(names[:LIST_PREVIEW])}."
    return f"I found {count} {noun}: {_join(names)}."


def _item_name(value: Any) -> str | None:
    if _is_scalar(value):
        return _spoken(value)
    if isinstance(value, dict):
        for key in ITEM_NAME_KEYS:
            if _is_scalar(value.get(key)):
                return _spoken(value[key])
    return None


def _is_human(key: str, value: Any) -> bool:
    lowered = key.lower()
    if (
        lowered in MACHINE_KEYS
        or lowered.endswith(("_id", "_iso", "_url"))
        or isinstance(value, bool)
    ):
        return False
    text = str(value)
    return not (_ISO_TIMESTAMP.match(text) or _OPAQUE_TOKEN.match(text))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return _is_number(value) or (isinstance(value, str) and bool(value.strip()))


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(round(value, 6) if isinstance(value, float) else value)


def _spoken(value: Any) -> str:
    return _number(value) if _is_number(value) else _strip_end(str(value).strip())


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _strip_end(text: str) -> str:
    return text.rstrip(".!? ")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."
