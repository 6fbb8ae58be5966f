"""The event inspector's history: sanitised, folded and bounded. No Qt.

Audio payloads become their size, anything secret is redacted, and runs of
the same streaming event (deltas, audio appends) fold into one row with a
count, so a minute of conversation stays readable and memory stays bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from desktop.config.logging_setup import REDACTED, redact

Direction = Literal["client", "server"]
ARROWS: dict[str, str] = {"client": "→", "server": "←"}
DEFAULT_MAX_ROWS = 5000

_SECRET_KEY = re.compile(r"(?i)(api[-_]?key|authorization|password|secret|(^|[-_])token$|^token$)")
_AUDIO_KEYS = {"audio", "delta"}
_TEXT_DELTA_KEYS = ("delta", "transcript", "text")
#: Keys holding numbers named like tokens (usage counts) are not secrets.
_COUNT_SUFFIX = "_tokens"


def audio_size(data: str) -> int:
    """Decoded byte count of a base64 string, from its length (no decoding)."""
    if len(data) % 4:
        return len(data)  # not base64: show its length rather than guess
    return len(data) // 4 * 3 - (len(data) - len(data.rstrip("=")))


def _is_audio_field(event_type: str, key: str) -> bool:
    if key == "audio":
        return True
    return key == "delta" and "audio" in event_type and "transcript" not in event_type


def _is_secret_key(key: str, parent: str) -> bool:
    if key.endswith(_COUNT_SUFFIX):
        return False
    if key == "value":
        # ``client_secret: {"value": "ek_…"}``: the value is the secret.
        return "secret" in parent
    return bool(_SECRET_KEY.search(key))


def sanitise(value: Any, event_type: str = "", key: str = "", parent: str = "") -> Any:
    """A copy of ``value`` that is safe to show: audio as size, secrets redacted."""
    if isinstance(value, dict):
        return {
            str(k): (
                REDACTED
                if _is_secret_key(str(k), key) and v not in (None, "")
                else sanitise(v, event_type, str(k), key)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [sanitise(item, event_type, key, parent) for item in value]
    if isinstance(value, str):
        if key in _AUDIO_KEYS and _is_audio_field(event_type, key):
            return f"<audio {audio_size(value)} bytes>"
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(repr(value))


def sanitise_event(event: dict[str, Any]) -> dict[str, Any]:
    event_type = str(event.get("type", ""))
    cleaned = sanitise(event, event_type)
    return cleaned if isinstance(cleaned, dict) else {}


def local_now() -> datetime:
    return datetime.now().astimezone()


def is_foldable(event_type: str) -> bool:
    """Streaming events that arrive many times a second."""
    return event_type.endswith(".delta") or event_type == "input_audio_buffer.append"


@dataclass
class InspectorRow:
    direction: Direction
    type: str
    time: datetime
    _event: dict[str, Any]
    count: int = 1
    last_time: datetime | None = None
    folded_text: str = ""
    audio_bytes: int = 0
    _audio_seen: bool = field(default=False, repr=False)
    #: The newest folded event, sanitised only when someone looks (folds arrive 50 a second).
    _unsanitised: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def event(self) -> dict[str, Any]:
        """The (newest) event, safe to show: audio as size, secrets redacted."""
        if self._unsanitised is not None:
            self._event = sanitise_event(self._unsanitised)
            self._unsanitised = None
        return self._event

    def fold_in(self, event: dict[str, Any]) -> None:
        self._unsanitised = event

    def summary(self, limit: int = 160) -> str:
        if self.count > 1 and self._audio_seen:
            return f"<audio {self.audio_bytes} bytes in {self.count} events>"
        if self.count > 1 and self.folded_text:
            text = json.dumps(self.folded_text, ensure_ascii=False)
        else:
            shown = {k: v for k, v in self.event.items() if k not in ("type", "event_id")}
            text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "direction": self.direction,
            "type": self.type,
            "time": self.time.isoformat(timespec="milliseconds"),
            "count": self.count,
            "event": self.event,
        }
        if self.count > 1:
            if self.folded_text:
                data["folded_text"] = self.folded_text
            if self._audio_seen:
                data["audio_bytes"] = self.audio_bytes
        return data


def _raw_audio_bytes(event: dict[str, Any], event_type: str) -> int | None:
    for key in ("audio", "delta"):
        value = event.get(key)
        if isinstance(value, str) and _is_audio_field(event_type, key):
            return audio_size(value)
    return None


def _text_delta(event: dict[str, Any]) -> str:
    for key in _TEXT_DELTA_KEYS:
        value = event.get(key)
        if isinstance(value, str):
            return value
    return ""


class InspectorLog:
    """Every event in order, newest last, bounded to about ``max_rows`` rows.

    ``add_event`` says what changed so a view can update just that:
    ``("folded", row)`` or ``("appended", row)``. With ``trim=False`` the
    caller trims itself (``excess()`` then ``drop_oldest()``), which lets a Qt
    model announce the removal before it happens.
    """

    def __init__(
        self,
        max_rows: int = DEFAULT_MAX_ROWS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.max_rows = max(10, max_rows)
        self._clock = clock or local_now
        self.rows: list[InspectorRow] = []

    def would_fold(self, direction: str, event: Any) -> bool:
        if not self.rows or not isinstance(event, dict):
            return False
        event_type = str(event.get("type") or "(no type)")
        last = self.rows[-1]
        return (
            is_foldable(event_type)
            and last.type == event_type
            and last.direction == ("client" if direction == "client" else "server")
        )

    def add_event(
        self, direction: str, event: Any, trim: bool = True, at: datetime | None = None
    ) -> tuple[str, int]:
        """Log ``event`` (received at ``at``, default now); folds or appends a row."""
        side: Direction = "client" if direction == "client" else "server"
        if not isinstance(event, dict):
            event = {"type": "(not an object)", "value": repr(event)[:200]}
        event_type = str(event.get("type") or "(no type)")
        now = self._clock() if at is None else at
        audio = _raw_audio_bytes(event, event_type)
        if self.would_fold(side, event):
            last = self.rows[-1]
            last.count += 1
            last.last_time = now
            last.fold_in(event)
            if audio is not None:
                last.audio_bytes += audio
                last._audio_seen = True
            else:
                last.folded_text += redact(_text_delta(event))
            return "folded", len(self.rows) - 1
        row = InspectorRow(side, event_type, now, sanitise_event(event))
        if audio is not None:
            row.audio_bytes = audio
            row._audio_seen = True
        elif is_foldable(event_type):
            row.folded_text = redact(_text_delta(event))
        self.rows.append(row)
        if trim:
            self.drop_oldest(self.excess())
        return "appended", len(self.rows) - 1

    def excess(self) -> int:
        """How many of the oldest rows to drop now (in batches, so rarely)."""
        over = len(self.rows) - self.max_rows
        return max(over, self.max_rows // 10) if over > 0 else 0

    def drop_oldest(self, count: int) -> None:
        if count > 0:
            del self.rows[:count]

    def clear(self) -> None:
        self.rows.clear()


def filter_rows(rows: list[InspectorRow], text: str) -> list[InspectorRow]:
    """Rows whose type contains ``text`` (case-insensitive); all if empty."""
    needle = text.strip().lower()
    return [row for row in rows if needle in row.type.lower()] if needle else list(rows)


def rows_to_json(rows: list[InspectorRow]) -> str:
    return json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2)
