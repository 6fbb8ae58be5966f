"""The session object as each dialect shows it (``session.created``/``updated``)."""

from __future__ import annotations

import copy
from typing import Any

from desktop.local_engine.session_model import SESSION_LIFETIME_S, SessionConfig, TurnDetection
from desktop.protocol import BETA_TO_GA_AUDIO_FORMAT, Dialect


def turn_detection_wire(detection: TurnDetection | None, dialect: Dialect) -> dict[str, Any] | None:
    if detection is None:
        return None
    if detection.type == "semantic_vad":
        return {
            "type": "semantic_vad",
            "eagerness": detection.eagerness,
            "create_response": detection.create_response,
            "interrupt_response": detection.interrupt_response,
        }
    wire: dict[str, Any] = {
        "type": "server_vad",
        "threshold": detection.threshold,
        "prefix_padding_ms": detection.prefix_padding_ms,
        "silence_duration_ms": detection.silence_duration_ms,
        "create_response": detection.create_response,
        "interrupt_response": detection.interrupt_response,
    }
    if dialect == "ga":
        wire["idle_timeout_ms"] = detection.idle_timeout_ms
    return wire


def ga_format_wire(flat_format: str) -> dict[str, Any]:
    return dict(BETA_TO_GA_AUDIO_FORMAT[flat_format])


def to_wire(config: SessionConfig, dialect: Dialect) -> dict[str, Any]:
    """The full effective session object in ``dialect``'s shape."""
    common: dict[str, Any] = {
        "id": config.session_id,
        "object": "realtime.session",
        "model": config.model,
        "instructions": config.instructions,
        "tools": [copy.deepcopy(tool) for tool in config.tools],
        "tool_choice": copy.deepcopy(config.tool_choice),
        "tracing": copy.deepcopy(config.tracing),
        "expires_at": config.created_at + SESSION_LIFETIME_S,
    }
    if dialect == "beta":
        return {
            **common,
            "modalities": ["text", "audio"] if config.audio_output else ["text"],
            "voice": config.voice,
            "speed": config.speed,
            "input_audio_format": config.input_format,
            "output_audio_format": config.output_format,
            "input_audio_transcription": copy.deepcopy(config.transcription),
            "input_audio_noise_reduction": copy.deepcopy(config.noise_reduction),
            "turn_detection": turn_detection_wire(config.turn_detection, "beta"),
            "temperature": config.temperature,
            "max_response_output_tokens": config.max_output_tokens,
        }
    return {
        "type": "realtime",
        **common,
        "output_modalities": ["audio"] if config.audio_output else ["text"],
        "audio": {
            "input": {
                "format": ga_format_wire(config.input_format),
                "transcription": copy.deepcopy(config.transcription),
                "noise_reduction": copy.deepcopy(config.noise_reduction),
                "turn_detection": turn_detection_wire(config.turn_detection, "ga"),
            },
            "output": {
                "format": ga_format_wire(config.output_format),
                "voice": config.voice,
                "speed": config.speed,
            },
        },
        "max_output_tokens": config.max_output_tokens,
        "truncation": copy.deepcopy(config.truncation),
        "prompt": None,
        "include": None,
    }
