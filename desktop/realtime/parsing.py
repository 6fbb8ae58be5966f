"""Turn raw frames into typed events, normalised to the GA vocabulary.

Nothing a server sends raises out of :func:`parse_server_event`: malformed
JSON and non-object frames become :class:`ProtocolErrorEvent`, unmodelled or
ill-typed events become :class:`UnknownEvent` (logged).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError

from desktop.protocol import (
    BETA_TO_GA_CONTENT,
    BETA_TO_GA_SERVER_EVENTS,
    LEGACY_SERVER_EVENTS,
)
from desktop.realtime.events import (
    EVENT_MODELS,
    PROTOCOL_ERROR_TYPE,
    ProtocolErrorEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioTranscriptDeltaEvent,
    ResponseOutputTextDeltaEvent,
    ServerEvent,
    UnknownEvent,
)

log = logging.getLogger(__name__)

_RENAMES = {**BETA_TO_GA_SERVER_EVENTS, **LEGACY_SERVER_EVENTS}
#: Frequent flat events, validated straight from the frame (one pass in pydantic-core)
#: when their quoted wire type appears near the start of the frame:
#: (quoted wire type, wire type, GA type, model).
_FAST_DELTAS: tuple[tuple[str, str, str, type[ServerEvent]], ...] = tuple(
    (f'"{wire}"', wire, _RENAMES.get(wire, wire), model)
    for wire, model in (
        ("response.output_audio.delta", ResponseOutputAudioDeltaEvent),
        ("response.audio.delta", ResponseOutputAudioDeltaEvent),
        ("response.output_audio_transcript.delta", ResponseOutputAudioTranscriptDeltaEvent),
        ("response.audio_transcript.delta", ResponseOutputAudioTranscriptDeltaEvent),
        ("response.output_text.delta", ResponseOutputTextDeltaEvent),
        ("response.text.delta", ResponseOutputTextDeltaEvent),
    )
)
_FAST_HEAD_CHARS = 160
_RAW_PREVIEW_CHARS = 200


def protocol_error(detail: str, raw: str | bytes = b"") -> ProtocolErrorEvent:
    text = raw if isinstance(raw, str) else raw[:_RAW_PREVIEW_CHARS].decode("utf-8", "replace")
    return ProtocolErrorEvent(
        type=PROTOCOL_ERROR_TYPE, detail=detail, raw=text[:_RAW_PREVIEW_CHARS]
    )


def parse_server_event(raw: str | bytes) -> ServerEvent:
    """Parse one text frame into a typed event (never raises)."""
    fast = _parse_delta(raw)
    if fast is not None:
        return fast
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as error:
        log.warning("malformed JSON frame from the server: %s", error)
        return protocol_error(f"malformed JSON: {error}", raw)
    if not isinstance(payload, dict):
        return protocol_error(f"expected a JSON object, got {type(payload).__name__}", raw)
    return event_from_payload(payload)


def event_from_payload(payload: dict[str, Any]) -> ServerEvent:
    """Build the typed event for one decoded JSON object (never raises)."""
    kind = payload.get("type")
    if not isinstance(kind, str):
        return protocol_error("event without a string 'type'", json.dumps(payload)[:200])
    kind = _RENAMES.get(kind, kind)
    payload["type"] = kind
    model = EVENT_MODELS.get(kind)
    if model is None:
        return UnknownEvent(type=kind, event_id=_str_or_none(payload.get("event_id")), raw=payload)
    try:
        _normalise_content(payload)
        return model.model_validate(payload)
    except (ValidationError, AttributeError, TypeError, RecursionError) as error:
        log.warning("server event %r does not match its schema, kept as unknown: %s", kind, error)
        return UnknownEvent(type=kind, event_id=_str_or_none(payload.get("event_id")), raw=payload)


def _parse_delta(raw: str | bytes) -> ServerEvent | None:
    """The delta event in ``raw`` via the one-pass path, or None to take the general one."""
    head = raw[:_FAST_HEAD_CHARS]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    if 'delta"' not in head:
        return None
    for marker, wire, ga_name, model in _FAST_DELTAS:
        if marker in head:
            try:
                event = model.model_validate_json(raw)
            except ValidationError:
                return None
            if event.type != wire:  # the marker was some other field's value
                return None
            event.type = ga_name
            return event
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _normalise_content(payload: dict[str, Any]) -> None:
    """Beta assistant content types ``text``/``audio`` become ``output_text``/``output_audio``."""
    _normalise_item(payload.get("item"))
    _normalise_part(payload.get("part"))
    response = payload.get("response")
    if isinstance(response, dict) and isinstance(response.get("output"), list):
        for item in response["output"]:
            _normalise_item(item)


def _normalise_item(item: Any) -> None:
    if isinstance(item, dict) and isinstance(item.get("content"), list):
        for part in item["content"]:
            _normalise_part(part)


def _normalise_part(part: Any) -> None:
    if isinstance(part, dict):
        kind = part.get("type")
        if isinstance(kind, str) and kind in BETA_TO_GA_CONTENT:
            part["type"] = BETA_TO_GA_CONTENT[kind]
