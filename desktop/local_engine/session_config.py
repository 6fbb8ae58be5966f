"""Partial ``session.update``s in either dialect, validated in full before anything changes.

One internal model (:class:`SessionConfig`) is read from the flat beta ``session``
object or the nested GA one, and shown in either (:mod:`session_wire`). A rejected
``session.update`` leaves the session as it was, as the hosted API does.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from desktop.local_engine.config_fields import (
    parse_beta_format,
    parse_ga_format,
    parse_max_tokens,
    parse_noise_reduction,
    parse_number,
    parse_speed,
    parse_string,
    parse_transcription,
    parse_turn_detection,
    parse_voice,
    validate_tool_choice,
    validate_tools,
)
from desktop.local_engine.errors import (
    ProtocolError,
    invalid_type,
    invalid_value,
    missing_parameter,
    unknown_parameter,
)
from desktop.local_engine.session_model import SessionConfig, TurnDetection
from desktop.local_engine.session_wire import ga_format_wire, to_wire, turn_detection_wire
from desktop.protocol import BETA_TEMPERATURE_MAX, BETA_TEMPERATURE_MIN, Dialect

__all__ = [
    "SessionConfig",
    "TurnDetection",
    "apply_update",
    "ga_format_wire",
    "looks_beta",
    "to_wire",
    "turn_detection_wire",
    "validate_tool_choice",
    "validate_tools",
]

GA_SESSION_KEYS = frozenset(
    {
        "type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice",
        "max_output_tokens", "tracing", "truncation", "include", "prompt", "reasoning",
        "parallel_tool_calls",
    }
)  # fmt: skip
BETA_SESSION_KEYS = frozenset(
    {
        "model", "modalities", "instructions", "voice", "input_audio_format",
        "output_audio_format", "input_audio_transcription", "turn_detection", "tools",
        "tool_choice", "temperature", "max_response_output_tokens", "speed", "tracing",
        "input_audio_noise_reduction", "client_secret", "include",
    }
)  # fmt: skip
#: Top-level keys that only a beta-shaped session object carries.
BETA_SHAPE_MARKERS = frozenset(
    {"modalities", "input_audio_format", "output_audio_format", "turn_detection", "voice",
     "input_audio_transcription", "temperature", "max_response_output_tokens"}
)  # fmt: skip

#: Where each dialect keeps transcription, noise reduction and turn detection.
GA_INPUT_OPTION_KEYS = ("transcription", "noise_reduction", "turn_detection")
BETA_INPUT_OPTION_KEYS = (
    "input_audio_transcription",
    "input_audio_noise_reduction",
    "turn_detection",
)


def looks_beta(session: dict[str, Any]) -> bool:
    """Whether a ``session.update`` payload is shaped like the beta dialect."""
    return "type" not in session and bool(BETA_SHAPE_MARKERS & session.keys())


def apply_update(
    config: SessionConfig, session: Any, dialect: Dialect, voice_locked: bool
) -> SessionConfig:
    """The config after ``session.update``; raises :class:`ProtocolError` and changes nothing."""
    if not isinstance(session, dict):
        raise invalid_type("session", "an object")
    updated = _apply_ga(config, session) if dialect == "ga" else _apply_beta(config, session)
    if voice_locked and updated.voice != config.voice:
        param = "session.audio.output.voice" if dialect == "ga" else "session.voice"
        raise ProtocolError(
            "cannot_update_voice",
            "Cannot update a conversation's voice if assistant audio is present.",
            param,
        )
    return updated


def _apply_ga(config: SessionConfig, session: dict[str, Any]) -> SessionConfig:
    for key in session:
        if key not in GA_SESSION_KEYS:
            raise unknown_parameter(f"session.{key}")
    if "type" not in session:
        raise missing_parameter("session.type")
    if session["type"] != "realtime":
        raise invalid_value(
            "session.type", "Only 'realtime' sessions are supported by the offline engine."
        )
    changes: dict[str, Any] = {}
    if "model" in session:
        changes["model"] = parse_string(session["model"], "session.model")
    if "instructions" in session:
        changes["instructions"] = parse_string(session["instructions"], "session.instructions")
    if "output_modalities" in session:
        changes["audio_output"] = _ga_modalities(session["output_modalities"])
    if "audio" in session:
        changes.update(_ga_audio(session["audio"], config))
    changes.update(_common_tools(session))
    if "max_output_tokens" in session:
        changes["max_output_tokens"] = parse_max_tokens(
            session["max_output_tokens"], "session.max_output_tokens"
        )
    for key in ("tracing", "truncation"):
        if key in session:
            changes[key] = copy.deepcopy(session[key])
    return replace(config, **changes)


def _ga_modalities(value: Any) -> bool:
    if not isinstance(value, list) or value not in (["audio"], ["text"]):
        raise invalid_value(
            "session.output_modalities",
            "output_modalities must be ['audio'] or ['text'] (not both).",
        )
    return value == ["audio"]


def _ga_audio(audio: Any, config: SessionConfig) -> dict[str, Any]:
    if not isinstance(audio, dict):
        raise invalid_type("session.audio", "an object")
    changes: dict[str, Any] = {}
    for key in audio:
        if key not in ("input", "output"):
            raise unknown_parameter(f"session.audio.{key}")
    audio_in = audio.get("input")
    if audio_in is not None:
        if not isinstance(audio_in, dict):
            raise invalid_type("session.audio.input", "an object")
        for key in audio_in:
            if key not in ("format", "transcription", "noise_reduction", "turn_detection"):
                raise unknown_parameter(f"session.audio.input.{key}")
        if "format" in audio_in:
            changes["input_format"] = parse_ga_format(
                audio_in["format"], "session.audio.input.format"
            )
        changes.update(
            _input_options(audio_in, "session.audio.input.", GA_INPUT_OPTION_KEYS, ga=True)
        )
    audio_out = audio.get("output")
    if audio_out is not None:
        if not isinstance(audio_out, dict):
            raise invalid_type("session.audio.output", "an object")
        for key in audio_out:
            if key not in ("format", "voice", "speed"):
                raise unknown_parameter(f"session.audio.output.{key}")
        if "format" in audio_out:
            changes["output_format"] = parse_ga_format(
                audio_out["format"], "session.audio.output.format"
            )
        if "voice" in audio_out:
            changes["voice"] = parse_voice(audio_out["voice"], "session.audio.output.voice")
        if "speed" in audio_out:
            changes["speed"] = parse_speed(audio_out["speed"], "session.audio.output.speed")
    return changes


def _apply_beta(config: SessionConfig, session: dict[str, Any]) -> SessionConfig:
    for key in session:
        if key not in BETA_SESSION_KEYS:
            raise unknown_parameter(f"session.{key}")
    changes: dict[str, Any] = {}
    if "model" in session:
        changes["model"] = parse_string(session["model"], "session.model")
    if "instructions" in session:
        changes["instructions"] = parse_string(session["instructions"], "session.instructions")
    if "modalities" in session:
        modalities = session["modalities"]
        if (
            not isinstance(modalities, list)
            or not modalities
            or any(m not in ("text", "audio") for m in modalities)
        ):
            raise invalid_value(
                "session.modalities", "modalities must be ['text'] or ['text', 'audio']."
            )
        changes["audio_output"] = "audio" in modalities
    if "voice" in session:
        changes["voice"] = parse_voice(session["voice"], "session.voice")
    for key, target in (
        ("input_audio_format", "input_format"),
        ("output_audio_format", "output_format"),
    ):
        if key in session:
            changes[target] = parse_beta_format(session[key], f"session.{key}")
    changes.update(_input_options(session, "session.", BETA_INPUT_OPTION_KEYS, ga=False))
    changes.update(_common_tools(session))
    if "temperature" in session:
        temperature = parse_number(session["temperature"], "session.temperature")
        if not BETA_TEMPERATURE_MIN <= temperature <= BETA_TEMPERATURE_MAX:
            raise invalid_value(
                "session.temperature",
                f"temperature must be between {BETA_TEMPERATURE_MIN} and {BETA_TEMPERATURE_MAX}.",
            )
        changes["temperature"] = temperature
    if "max_response_output_tokens" in session:
        changes["max_output_tokens"] = parse_max_tokens(
            session["max_response_output_tokens"], "session.max_response_output_tokens"
        )
    if "speed" in session:
        changes["speed"] = parse_speed(session["speed"], "session.speed")
    if "tracing" in session:
        changes["tracing"] = copy.deepcopy(session["tracing"])
    return replace(config, **changes)


def _input_options(
    source: dict[str, Any], prefix: str, keys: tuple[str, str, str], ga: bool
) -> dict[str, Any]:
    transcription, noise_reduction, turn_detection = keys
    changes: dict[str, Any] = {}
    if transcription in source:
        changes["transcription"] = parse_transcription(
            source[transcription], prefix + transcription
        )
    if noise_reduction in source:
        changes["noise_reduction"] = parse_noise_reduction(
            source[noise_reduction], prefix + noise_reduction
        )
    if turn_detection in source:
        changes["turn_detection"] = parse_turn_detection(
            source[turn_detection], prefix + turn_detection, ga=ga
        )
    return changes


def _common_tools(session: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "tools" in session:
        changes["tools"] = validate_tools(session["tools"], "session.tools")
    if "tool_choice" in session:
        changes["tool_choice"] = validate_tool_choice(session["tool_choice"], "session.tool_choice")
    return changes
