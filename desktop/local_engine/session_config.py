"""The session configuration: validation, partial updates and the two dialect shapes.

One internal model (:class:`SessionConfig`) is read from and written to either the
flat beta ``session`` object or the nested GA one. Updates are validated in full
before anything changes, so a rejected ``session.update`` leaves the session as it
was, as the hosted API does.
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.local_engine.errors import (
    ProtocolError,
    invalid_type,
    invalid_value,
    missing_parameter,
    unknown_parameter,
)
from desktop.realtime.names import (
    BETA_TO_GA_AUDIO_FORMAT,
    GA_AUDIO_FORMAT_TO_BETA,
    VOICES_GA,
    Dialect,
)

DEFAULT_MODEL = "gpt-realtime"
SESSION_LIFETIME_S = 3600
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
VAD_TYPES = ("server_vad", "semantic_vad")
EAGERNESS = ("low", "medium", "high", "auto")


@dataclass(frozen=True)
class TurnDetection:
    type: str = "server_vad"
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    create_response: bool = True
    interrupt_response: bool = True
    idle_timeout_ms: int | None = None
    eagerness: str = "auto"

    @property
    def effective_silence_ms(self) -> int:
        """Semantic VAD has no model here; its eagerness picks a silence window."""
        if self.type == "semantic_vad":
            return {"low": 1000, "high": 300}.get(self.eagerness, 600)
        return self.silence_duration_ms


@dataclass(frozen=True)
class SessionConfig:
    session_id: str = field(default_factory=lambda: f"sess_{uuid.uuid4().hex[:20]}")
    created_at: int = field(default_factory=lambda: int(time.time()))
    model: str = DEFAULT_MODEL
    instructions: str = ""
    audio_output: bool = True
    voice: str = "alloy"
    speed: float = 1.0
    input_format: str = "pcm16"
    output_format: str = "pcm16"
    transcription: dict[str, Any] | None = None
    noise_reduction: dict[str, Any] | None = None
    turn_detection: TurnDetection | None = field(default_factory=TurnDetection)
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] = "auto"
    max_output_tokens: int | str = "inf"
    temperature: float = 0.8
    tracing: Any = None
    truncation: Any = "auto"


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
        changes["model"] = _string(session["model"], "session.model")
    if "instructions" in session:
        changes["instructions"] = _string(session["instructions"], "session.instructions")
    if "output_modalities" in session:
        changes["audio_output"] = _ga_modalities(session["output_modalities"])
    if "audio" in session:
        changes.update(_ga_audio(session["audio"], config))
    changes.update(_common_tools(session))
    if "max_output_tokens" in session:
        changes["max_output_tokens"] = _max_tokens(
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
            changes["input_format"] = _ga_format(audio_in["format"], "session.audio.input.format")
        if "transcription" in audio_in:
            changes["transcription"] = _optional_object(
                audio_in["transcription"], "session.audio.input.transcription"
            )
        if "noise_reduction" in audio_in:
            changes["noise_reduction"] = _optional_object(
                audio_in["noise_reduction"], "session.audio.input.noise_reduction"
            )
        if "turn_detection" in audio_in:
            changes["turn_detection"] = _turn_detection(
                audio_in["turn_detection"], "session.audio.input.turn_detection", ga=True
            )
    audio_out = audio.get("output")
    if audio_out is not None:
        if not isinstance(audio_out, dict):
            raise invalid_type("session.audio.output", "an object")
        for key in audio_out:
            if key not in ("format", "voice", "speed"):
                raise unknown_parameter(f"session.audio.output.{key}")
        if "format" in audio_out:
            changes["output_format"] = _ga_format(
                audio_out["format"], "session.audio.output.format"
            )
        if "voice" in audio_out:
            changes["voice"] = _voice(audio_out["voice"], "session.audio.output.voice")
        if "speed" in audio_out:
            changes["speed"] = _speed(audio_out["speed"], "session.audio.output.speed")
    return changes


def _apply_beta(config: SessionConfig, session: dict[str, Any]) -> SessionConfig:
    for key in session:
        if key not in BETA_SESSION_KEYS:
            raise unknown_parameter(f"session.{key}")
    changes: dict[str, Any] = {}
    if "model" in session:
        changes["model"] = _string(session["model"], "session.model")
    if "instructions" in session:
        changes["instructions"] = _string(session["instructions"], "session.instructions")
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
        changes["voice"] = _voice(session["voice"], "session.voice")
    for key, target in (
        ("input_audio_format", "input_format"),
        ("output_audio_format", "output_format"),
    ):
        if key in session:
            changes[target] = _beta_format(session[key], f"session.{key}")
    if "input_audio_transcription" in session:
        changes["transcription"] = _optional_object(
            session["input_audio_transcription"], "session.input_audio_transcription"
        )
    if "input_audio_noise_reduction" in session:
        changes["noise_reduction"] = _optional_object(
            session["input_audio_noise_reduction"], "session.input_audio_noise_reduction"
        )
    if "turn_detection" in session:
        changes["turn_detection"] = _turn_detection(
            session["turn_detection"], "session.turn_detection", ga=False
        )
    changes.update(_common_tools(session))
    if "temperature" in session:
        temperature = _number(session["temperature"], "session.temperature")
        if not 0.6 <= temperature <= 1.2:
            raise invalid_value("session.temperature", "temperature must be between 0.6 and 1.2.")
        changes["temperature"] = temperature
    if "max_response_output_tokens" in session:
        changes["max_output_tokens"] = _max_tokens(
            session["max_response_output_tokens"], "session.max_response_output_tokens"
        )
    if "speed" in session:
        changes["speed"] = _speed(session["speed"], "session.speed")
    if "tracing" in session:
        changes["tracing"] = copy.deepcopy(session["tracing"])
    return replace(config, **changes)


def _common_tools(session: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "tools" in session:
        changes["tools"] = validate_tools(session["tools"], "session.tools")
    if "tool_choice" in session:
        changes["tool_choice"] = validate_tool_choice(session["tool_choice"], "session.tool_choice")
    return changes


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
        _string(tool["name"], f"{where}.name")
        if "parameters" in tool and not isinstance(tool["parameters"], dict):
            raise invalid_type(f"{where}.parameters", "an object")
        checked.append({"type": "function", **copy.deepcopy(tool)})
    return tuple(checked)


def validate_tool_choice(choice: Any, param: str) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "name": _string(choice["name"], f"{param}.name")}
    raise invalid_value(param, "tool_choice must be auto, none, required or a function selector.")


def _turn_detection(value: Any, param: str, ga: bool) -> TurnDetection | None:
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
        threshold = _number(value["threshold"], f"{param}.threshold")
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


def _ga_format(value: Any, param: str) -> str:
    if not isinstance(value, dict) or value.get("type") not in GA_AUDIO_FORMAT_TO_BETA:
        raise invalid_value(
            f"{param}.type", "format.type must be audio/pcm, audio/pcmu or audio/pcma."
        )
    if value["type"] == "audio/pcm" and value.get("rate", 24000) != 24000:
        raise invalid_value(f"{param}.rate", "Only a 24kHz sample rate is supported.")
    return GA_AUDIO_FORMAT_TO_BETA[value["type"]]


def _beta_format(value: Any, param: str) -> str:
    if value not in BETA_TO_GA_AUDIO_FORMAT:
        raise invalid_value(param, "The format must be pcm16, g711_ulaw or g711_alaw.")
    return str(value)


def _voice(value: Any, param: str) -> str:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    if value not in VOICES_GA:
        raise invalid_value(param, f"Unsupported voice; expected one of {', '.join(VOICES_GA)}.")
    return str(value)


def _speed(value: Any, param: str) -> float:
    speed = _number(value, param)
    if not 0.25 <= speed <= 1.5:
        raise invalid_value(param, "speed must be between 0.25 and 1.5.")
    return speed


def _max_tokens(value: Any, param: str) -> int | str:
    if value == "inf":
        return "inf"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
        raise invalid_value(param, "Expected an integer between 1 and 4096, or 'inf'.")
    return value


def _optional_object(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(param, "an object or null")
    return copy.deepcopy(value)


def _string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(param, "a string")
    return value


def _number(value: Any, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(param, "a number")
    return float(value)


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
