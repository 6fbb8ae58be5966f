"""Value rules shared by session and response configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.protocol import (
    BETA_TEMPERATURE_MAX,
    BETA_TEMPERATURE_MIN,
    EAGERNESS,
    MAX_OUTPUT_TOKENS,
    NOISE_REDUCTION_TYPES,
    NOISE_STRENGTH_MAX,
    NOISE_STRENGTH_MIN,
    NULLABLE_DURATIONS,
    TURN_DETECTION_DURATIONS,
    TURN_DETECTION_FIELDS,
    VAD_THRESHOLD_MAX,
    VAD_THRESHOLD_MIN,
    VAD_TYPES,
)
from desktop.realtime.errors import SessionConfigError


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
    low, high = BETA_TEMPERATURE_MIN, BETA_TEMPERATURE_MAX
    if dialect == "beta" and not low <= value <= high:
        raise SessionConfigError(f"temperature must be from {low} to {high}, not {value!r}")
    return float(value)


def validate_turn_detection(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise SessionConfigError(f"turn_detection must be an object or null, not {value!r}")
    kind = value.get("type", "server_vad")
    if kind not in VAD_TYPES:
        raise SessionConfigError(f"turn_detection.type must be one of {VAD_TYPES}, not {kind!r}")
    unknown = sorted(set(value) - TURN_DETECTION_FIELDS[kind])
    if unknown:
        raise SessionConfigError(f"turn_detection ({kind}) has unknown field(s): {unknown}")
    threshold = value.get("threshold", VAD_THRESHOLD_MIN)
    if not _is_number(threshold) or not VAD_THRESHOLD_MIN <= threshold <= VAD_THRESHOLD_MAX:
        raise SessionConfigError(
            f"turn_detection.threshold must be from {VAD_THRESHOLD_MIN:g} to "
            f"{VAD_THRESHOLD_MAX:g}, not {threshold!r}"
        )
    for key in TURN_DETECTION_DURATIONS:
        if key not in value or (value[key] is None and key in NULLABLE_DURATIONS):
            continue
        ms = value[key]
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise SessionConfigError(
                f"turn_detection.{key} must be a whole number >= 0, not {ms!r}"
            )
    for key in ("create_response", "interrupt_response"):
        if not isinstance(value.get(key, True), bool):
            raise SessionConfigError(f"turn_detection.{key} must be true or false")
    if value.get("eagerness", "auto") not in EAGERNESS:
        raise SessionConfigError(f"turn_detection.eagerness must be one of {EAGERNESS}")


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
    if not isinstance(value, Mapping) or value.get("type") not in NOISE_REDUCTION_TYPES:
        raise SessionConfigError(
            f"noise_reduction must be {{'type': 'near_field'|'far_field'}} or null, not {value!r}"
        )
    strength = value.get("strength", NOISE_STRENGTH_MIN)
    if not _is_number(strength) or not NOISE_STRENGTH_MIN <= strength <= NOISE_STRENGTH_MAX:
        raise SessionConfigError(
            f"noise_reduction.strength must be from {NOISE_STRENGTH_MIN:g} to "
            f"{NOISE_STRENGTH_MAX:g}, not {strength!r}"
        )
