"""Value rules shared by session and response configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.realtime.errors import SessionConfigError

MAX_OUTPUT_TOKENS = 4096
#: Beta's documented temperature range; GA has no temperature at all.
BETA_TEMPERATURE_RANGE = (0.6, 1.2)
_VAD_TYPES = ("server_vad", "semantic_vad")
_EAGERNESS = ("low", "medium", "high", "auto")
_TURN_KEYS = {
    "server_vad": {
        "type",
        "threshold",
        "prefix_padding_ms",
        "silence_duration_ms",
        "create_response",
        "interrupt_response",
        "idle_timeout_ms",
    },
    "semantic_vad": {"type", "eagerness", "create_response", "interrupt_response"},
}
_NOISE_TYPES = ("near_field", "far_field")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_voice(voice: Any, voices: tuple[str, ...]) -> None:
    if isinstance(voice, Mapping) and isinstance(voice.get("id"), str) and set(voice) == {"id"}:
        return
    if voice not in voices:
        raise SessionConfigError(f"unknown voice {voice!r}; use one of {', '.join(voices)}")


def validate_max_tokens(value: Any) -> None:
    if value == "inf":
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTPUT_TOKENS:
        raise SessionConfigError(
            f"max output tokens must be an integer from 1 to {MAX_OUTPUT_TOKENS} or 'inf', "
            f"not {value!r}"
        )


def validate_temperature(value: Any, dialect: str | None) -> float:
    """Check ``value``; with a dialect, also check that dialect's range."""
    if not _is_number(value):
        raise SessionConfigError(f"temperature must be a number, not {value!r}")
    low, high = BETA_TEMPERATURE_RANGE
    if dialect == "beta" and not low <= value <= high:
        raise SessionConfigError(f"temperature must be from {low} to {high}, not {value!r}")
    return float(value)


def validate_turn_detection(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise SessionConfigError(f"turn_detection must be an object or null, not {value!r}")
    kind = value.get("type", "server_vad")
    if kind not in _VAD_TYPES:
        raise SessionConfigError(f"turn_detection.type must be one of {_VAD_TYPES}, not {kind!r}")
    unknown = sorted(set(value) - _TURN_KEYS[kind])
    if unknown:
        raise SessionConfigError(f"turn_detection ({kind}) has unknown field(s): {unknown}")
    threshold = value.get("threshold", 0.5)
    if not _is_number(threshold) or not 0.0 <= threshold <= 1.0:
        raise SessionConfigError(f"turn_detection.threshold must be from 0 to 1, not {threshold!r}")
    for key in ("prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"):
        ms = value.get(key, 0)
        if ms is not None and (isinstance(ms, bool) or not isinstance(ms, int) or ms < 0):
            raise SessionConfigError(
                f"turn_detection.{key} must be a whole number >= 0, not {ms!r}"
            )
    for key in ("create_response", "interrupt_response"):
        if not isinstance(value.get(key, True), bool):
            raise SessionConfigError(f"turn_detection.{key} must be true or false")
    if value.get("eagerness", "auto") not in _EAGERNESS:
        raise SessionConfigError(f"turn_detection.eagerness must be one of {_EAGERNESS}")


def validate_transcription(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping) or not isinstance(value.get("model", ""), str):
        raise SessionConfigError(
            f"input transcription must be {{'model': ...}} or null, not {value!r}"
        )


def validate_noise_reduction(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping) or value.get("type") not in _NOISE_TYPES:
        raise SessionConfigError(
            f"noise_reduction must be {{'type': 'near_field'|'far_field'}} or null, not {value!r}"
        )
    strength = value.get("strength", 0.5)
    if not _is_number(strength) or not 0.0 <= strength <= 1.0:
        raise SessionConfigError(f"noise_reduction.strength must be from 0 to 1, not {strength!r}")
