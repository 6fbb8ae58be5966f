"""The settings of one response: the session's, overridden by ``response.create``."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from desktop.local_engine.errors import invalid_type, invalid_value, unknown_parameter
from desktop.local_engine.session_config import (
    SessionConfig,
    validate_tool_choice,
    validate_tools,
)
from desktop.protocol import BETA_TO_GA_AUDIO_FORMAT, OUTPUT_MODALITIES, VOICES_GA, Dialect


@dataclass(frozen=True)
class ResponseSettings:
    audio_output: bool
    voice: str
    speed: float
    output_format: str
    instructions: str
    tools: tuple[dict[str, Any], ...]
    tool_choice: str | dict[str, Any]
    max_output_tokens: int | str
    temperature: float
    in_conversation: bool
    metadata: dict[str, Any] | None


def resolve_settings(config: SessionConfig, request: Any, dialect: Dialect) -> ResponseSettings:
    """Session defaults overridden by ``response.create``'s ``response`` object."""
    request = request or {}
    if not isinstance(request, dict):
        raise invalid_type("response", "an object")
    settings: dict[str, Any] = {
        "audio_output": config.audio_output,
        "voice": config.voice,
        "speed": config.speed,
        "output_format": config.output_format,
        "instructions": config.instructions,
        "tools": config.tools,
        "tool_choice": config.tool_choice,
        "max_output_tokens": config.max_output_tokens,
        "temperature": config.temperature,
        "in_conversation": request.get("conversation", "auto") != "none",
        "metadata": copy.deepcopy(request.get("metadata")),
    }
    known = {
        "conversation", "metadata", "instructions", "tools", "tool_choice", "input", "prompt",
        "output_modalities", "audio", "max_output_tokens", "modalities", "voice",
        "output_audio_format", "temperature", "max_response_output_tokens",
    }  # fmt: skip
    for key in request:
        if key not in known:
            raise unknown_parameter(f"response.{key}")
    if "instructions" in request:
        settings["instructions"] = str(request["instructions"])
    if "tools" in request:
        settings["tools"] = validate_tools(request["tools"], "response.tools")
    if "tool_choice" in request:
        settings["tool_choice"] = validate_tool_choice(
            request["tool_choice"], "response.tool_choice"
        )
    modalities = request.get("output_modalities", request.get("modalities"))
    if modalities is not None:
        if not isinstance(modalities, list) or not set(modalities) <= set(OUTPUT_MODALITIES):
            raise invalid_value("response.output_modalities", "Expected ['audio'] or ['text'].")
        settings["audio_output"] = "audio" in modalities
    voice = request.get("voice") or (request.get("audio") or {}).get("output", {}).get("voice")
    if voice is not None:
        if voice not in VOICES_GA:
            raise invalid_value("response.voice", "Unsupported voice.")
        settings["voice"] = voice
    output_format = request.get("output_audio_format")
    if output_format is not None:
        if output_format not in BETA_TO_GA_AUDIO_FORMAT:
            raise invalid_value("response.output_audio_format", "Unsupported format.")
        settings["output_format"] = output_format
    limit = request.get("max_output_tokens", request.get("max_response_output_tokens"))
    if limit is not None:
        settings["max_output_tokens"] = limit
    return ResponseSettings(**settings)
