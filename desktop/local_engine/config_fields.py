"""Validation of single session and response fields, with the API's error messages."""

from __future__ import annotations

import copy
from typing import Any

from desktop.local_engine.errors import (
    invalid_type,
    invalid_value,
    missing_parameter,
    unknown_parameter,
)
from desktop.local_engine.session_model import TurnDetection
from desktop.protocol import (
    AUDIO_FORMAT_FIELDS,
    BETA_TO_GA_AUDIO_FORMAT,
    EAGERNESS,
    GA_AUDIO_FORMAT_TO_BETA,
    GA_ONLY_TURN_DETECTION_FIELDS,
    MAX_OUTPUT_TOKENS,
    NOISE_REDUCTION_TYPES,
    NOISE_STRENGTH_MAX,
    NOISE_STRENGTH_MIN,
    NULLABLE_DURATIONS,
    PCM_RATE,
    SPEED_MAX,
    SPEED_MIN,
    TOOL_CHOICES,
    TURN_DETECTION_DURATIONS,
    TURN_DETECTION_FIELDS,
    VAD_THRESHOLD_MAX,
    VAD_THRESHOLD_MIN,
    VAD_TYPES,
    VOICES_GA,
)


def validate_tools(tools: Any, param: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(tools, list):
        raise invalid_type(param, "an array")
    checked = []
    for index, tool in enumerate(tools):
        where = f"{param}[{index}]"
        if not isinstance(tool, dict):
            raise invalid_type(where, "an object")
        if tool.get("type", "function") != "function":
            raise invalid_value(f"{where}.type", "The offline engine supports function tools only.")
        if "name" not in tool:
            raise missing_parameter(f"{where}.name")
        parse_string(tool["name"], f"{where}.name")
        if "parameters" in tool and not isinstance(tool["parameters"], dict):
            raise invalid_type(f"{where}.parameters", "an object")
        checked.append({"type": "function", **copy.deepcopy(tool)})
    return tuple(checked)


def validate_tool_choice(choice: Any, param: str) -> str | dict[str, Any]:
    if choice in TOOL_CHOICES:
        return str(choice)
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "name": parse_string(choice["name"], f"{param}.name")}
    raise invalid_value(param, "tool_choice must be auto, none, required or a function selector.")


def parse_turn_detection(value: Any, param: str, ga: bool) -> TurnDetection | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    kind = value.get("type", "server_vad")
    if kind not in VAD_TYPES:
        raise invalid_value(
            f"{param}.type", "turn_detection.type must be server_vad or semantic_vad."
        )
    allowed = TURN_DETECTION_FIELDS[kind] - (set() if ga else GA_ONLY_TURN_DETECTION_FIELDS)
    for key in value:
        if key not in allowed:
            raise unknown_parameter(f"{param}.{key}")
    changes: dict[str, Any] = {"type": kind}
    if "threshold" in value:
        threshold = parse_number(value["threshold"], f"{param}.threshold")
        if not VAD_THRESHOLD_MIN <= threshold <= VAD_THRESHOLD_MAX:
            raise invalid_value(
                f"{param}.threshold",
                f"threshold must be between {VAD_THRESHOLD_MIN} and {VAD_THRESHOLD_MAX}.",
            )
        changes["threshold"] = threshold
    for key in TURN_DETECTION_DURATIONS:
        if key in value and not (key in NULLABLE_DURATIONS and value[key] is None):
            number = value[key]
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise invalid_value(f"{param}.{key}", f"{key} must be a non-negative integer.")
            changes[key] = number
    for key in ("create_response", "interrupt_response"):
        if key in value:
            if not isinstance(value[key], bool):
                raise invalid_type(f"{param}.{key}", "a boolean")
            changes[key] = value[key]
    if "eagerness" in value:
        if value["eagerness"] not in EAGERNESS:
            raise invalid_value(
                f"{param}.eagerness", "eagerness must be low, medium, high or auto."
            )
        changes["eagerness"] = value["eagerness"]
    return TurnDetection(**changes)


def parse_noise_reduction(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    for key in value:
        if key not in ("type", "strength"):
            raise unknown_parameter(f"{param}.{key}")
    if value.get("type") not in NOISE_REDUCTION_TYPES:
        raise invalid_value(
            f"{param}.type", "noise_reduction.type must be near_field or far_field."
        )
    if "strength" in value:
        strength = parse_number(value["strength"], f"{param}.strength")
        if not NOISE_STRENGTH_MIN <= strength <= NOISE_STRENGTH_MAX:
            raise invalid_value(
                f"{param}.strength",
                f"strength must be between {NOISE_STRENGTH_MIN} and {NOISE_STRENGTH_MAX}.",
            )
    return copy.deepcopy(value)


def parse_transcription(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    if "model" in value:
        parse_string(value["model"], f"{param}.model")
    return copy.deepcopy(value)


def parse_ga_format(value: Any, param: str) -> str:
    if not isinstance(value, dict) or value.get("type") not in GA_AUDIO_FORMAT_TO_BETA:
        raise invalid_value(
            f"{param}.type", "format.type must be audio/pcm, audio/pcmu or audio/pcma."
        )
    for key in value:
        if key not in AUDIO_FORMAT_FIELDS[value["type"]]:
            raise unknown_parameter(f"{param}.{key}")
    if value["type"] == "audio/pcm" and value.get("rate", PCM_RATE) != PCM_RATE:
        raise invalid_value(f"{param}.rate", "Only a 24kHz sample rate is supported.")
    return GA_AUDIO_FORMAT_TO_BETA[value["type"]]


def parse_beta_format(value: Any, param: str) -> str:
    if value not in BETA_TO_GA_AUDIO_FORMAT:
        raise invalid_value(param, "The format must be pcm16, g711_ulaw or g711_alaw.")
    return str(value)


def parse_voice(value: Any, param: str) -> str:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        for key in value:
            if key != "id":
                raise unknown_parameter(f"{param}.{key}")
        return str(value["id"])
    if value not in VOICES_GA:
        raise invalid_value(param, f"Unsupported voice; expected one of {', '.join(VOICES_GA)}.")
    return str(value)


def parse_speed(value: Any, param: str) -> float:
    speed = parse_number(value, param)
    if not SPEED_MIN <= speed <= SPEED_MAX:
        raise invalid_value(param, f"speed must be between {SPEED_MIN} and {SPEED_MAX}.")
    return speed


def parse_max_tokens(value: Any, param: str) -> int | str:
    if value == "inf":
        return "inf"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTPUT_TOKENS:
        raise invalid_value(
            param, f"Expected an integer between 1 and {MAX_OUTPUT_TOKENS}, or 'inf'."
        )
    return value


def parse_string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(param, "a string")
    return value


def parse_number(value: Any, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(param, "a number")
    return float(value)
