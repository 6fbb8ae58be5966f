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
from desktop.local_engine.session_model import EAGERNESS, VAD_TYPES, TurnDetection
from desktop.protocol import (
    BETA_TO_GA_AUDIO_FORMAT,
    GA_AUDIO_FORMAT_TO_BETA,
    PCM_RATE,
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
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "name": parse_string(choice["name"], f"{param}.name")}
    raise invalid_value(param, "tool_choice must be auto, none, required or a function selector.")


def parse_turn_detection(value: Any, param: str, ga: bool) -> TurnDetection | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    allowed = {
        "type", "threshold", "prefix_padding_ms", "silence_duration_ms", "create_response",
        "interrupt_response", "eagerness",
    } | ({"idle_timeout_ms"} if ga else set())  # fmt: skip
    for key in value:
        if key not in allowed:
            raise unknown_parameter(f"{param}.{key}")
    kind = value.get("type", "server_vad")
    if kind not in VAD_TYPES:
        raise invalid_value(
            f"{param}.type", "turn_detection.type must be server_vad or semantic_vad."
        )
    changes: dict[str, Any] = {"type": kind}
    if "threshold" in value:
        threshold = parse_number(value["threshold"], f"{param}.threshold")
        if not 0.0 <= threshold <= 1.0:
            raise invalid_value(f"{param}.threshold", "threshold must be between 0.0 and 1.0.")
        changes["threshold"] = threshold
    for key in ("prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"):
        if key in value and not (key == "idle_timeout_ms" and value[key] is None):
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


def parse_ga_format(value: Any, param: str) -> str:
    if not isinstance(value, dict) or value.get("type") not in GA_AUDIO_FORMAT_TO_BETA:
        raise invalid_value(
            f"{param}.type", "format.type must be audio/pcm, audio/pcmu or audio/pcma."
        )
    if value["type"] == "audio/pcm" and value.get("rate", PCM_RATE) != PCM_RATE:
        raise invalid_value(f"{param}.rate", "Only a 24kHz sample rate is supported.")
    return GA_AUDIO_FORMAT_TO_BETA[value["type"]]


def parse_beta_format(value: Any, param: str) -> str:
    if value not in BETA_TO_GA_AUDIO_FORMAT:
        raise invalid_value(param, "The format must be pcm16, g711_ulaw or g711_alaw.")
    return str(value)


def parse_voice(value: Any, param: str) -> str:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    if value not in VOICES_GA:
        raise invalid_value(param, f"Unsupported voice; expected one of {', '.join(VOICES_GA)}.")
    return str(value)


def parse_speed(value: Any, param: str) -> float:
    speed = parse_number(value, param)
    if not 0.25 <= speed <= 1.5:
        raise invalid_value(param, "speed must be between 0.25 and 1.5.")
    return speed


def parse_max_tokens(value: Any, param: str) -> int | str:
    if value == "inf":
        return "inf"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
        raise invalid_value(param, "Expected an integer between 1 and 4096, or 'inf'.")
    return value


def parse_optional_object(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    return copy.deepcopy(value)


def parse_string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(param, "a string")
    return value


def parse_number(value: Any, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(param, "a number")
    return float(value)
