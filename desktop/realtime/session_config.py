"""Session and per-response configuration: one vocabulary in, one dialect out.

Callers may describe a session in the flat vocabulary (``voice``,
``input_audio_format="pcm16"``, ``turn_detection``, ``temperature``...), in the
GA nested shape (``audio.input``/``audio.output``, format objects,
``output_modalities``), or a mix. :func:`translate_session` folds both into the
GA shape, validates every value, then renders exactly the wire shape of the
requested dialect. Fields a dialect cannot carry are dropped with a logged
warning, never sent; invalid values raise :class:`SessionConfigError` before
anything reaches the socket.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection, Mapping
from typing import Any

from desktop.protocol import (
    AUDIO_FORMAT_FIELDS,
    BETA_TO_GA_AUDIO_FORMAT,
    BETA_TURN_DETECTION_FIELDS,
    GA_AUDIO_FORMAT_TO_BETA,
    OUTPUT_MODALITIES,
    PCM_RATE,
    SPEED_MAX,
    SPEED_MIN,
    TOOL_CHOICES,
    VOICES_BETA,
    VOICES_GA,
    Dialect,
)
from desktop.realtime.errors import SessionConfigError
from desktop.realtime.session_rules import (
    validate_max_tokens,
    validate_noise_reduction,
    validate_temperature,
    validate_transcription,
    validate_turn_detection,
    validate_voice,
)

log = logging.getLogger(__name__)

Config = dict[str, Any]

_GA_SESSION_KEYS = frozenset(
    {
        "type",
        "model",
        "instructions",
        "output_modalities",
        "audio",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "tracing",
        "truncation",
        "include",
        "prompt",
        "reasoning",
        "parallel_tool_calls",
    }
)
_FLAT_SESSION_KEYS = frozenset(
    {
        "voice",
        "speed",
        "input_audio_format",
        "output_audio_format",
        "turn_detection",
        "temperature",
        "max_response_output_tokens",
        "modalities",
        "input_audio_transcription",
        "input_audio_noise_reduction",
    }
)
_GA_RESPONSE_KEYS = frozenset(
    {
        "instructions",
        "output_modalities",
        "audio",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "conversation",
        "input",
        "metadata",
        "prompt",
        "reasoning",
        "parallel_tool_calls",
    }
)
_FLAT_RESPONSE_KEYS = frozenset(
    {"voice", "output_audio_format", "temperature", "max_response_output_tokens", "modalities"}
)
#: GA fields with no beta counterpart.
_GA_ONLY_KEYS = ("truncation", "include", "prompt", "reasoning", "parallel_tool_calls")
_BETA_TRANSCRIPTION_KEYS = ("model", "language", "prompt")


def translate_session(session: Mapping[str, Any], dialect: Dialect) -> Config:
    """The ``session`` object of a ``session.update`` in ``dialect``'s wire shape."""
    if not isinstance(session, Mapping):
        raise SessionConfigError(f"session must be an object, not {type(session).__name__}")
    if session.get("type") == "transcription":
        if dialect != "ga":
            raise SessionConfigError(
                "transcription sessions need the GA dialect (beta used transcription_session)"
            )
        return copy.deepcopy(dict(session))
    canonical = canonical_session(session)
    return render_ga(canonical, "session") if dialect == "ga" else render_beta(canonical, "session")


def translate_response(response: Mapping[str, Any], dialect: Dialect) -> Config:
    """The ``response`` object of a ``response.create`` in ``dialect``'s wire shape."""
    canonical = _canonical(response, _GA_RESPONSE_KEYS, _FLAT_RESPONSE_KEYS, "response")
    return (
        render_ga(canonical, "response") if dialect == "ga" else render_beta(canonical, "response")
    )


def canonical_session(session: Mapping[str, Any]) -> Config:
    """``session`` folded into the GA shape and validated (temperature kept aside)."""
    kind = session.get("type", "realtime")
    if kind != "realtime":
        raise SessionConfigError(
            f"session.type must be 'realtime' or 'transcription', not {kind!r}"
        )
    return _canonical(session, _GA_SESSION_KEYS, _FLAT_SESSION_KEYS, "session")


def requested_voice(config: Any) -> str | None:
    """The voice a session or response config asks for, in either vocabulary."""
    if not isinstance(config, Mapping):
        return None
    voice = config.get("voice")
    audio = config.get("audio")
    output = audio.get("output") if isinstance(audio, Mapping) else None
    if voice is None and isinstance(output, Mapping):
        voice = output.get("voice")
    if isinstance(voice, Mapping):
        return str(voice.get("id"))
    return voice if isinstance(voice, str) else None


def _canonical(
    source: Mapping[str, Any], ga_keys: frozenset[str], flat_keys: frozenset[str], what: str
) -> Config:
    if not isinstance(source, Mapping):
        raise SessionConfigError(f"{what} must be an object, not {type(source).__name__}")
    unknown = sorted(set(source) - ga_keys - flat_keys - {"type"})
    if unknown:
        raise SessionConfigError(f"unknown {what} field(s): {', '.join(unknown)}")
    out: Config = {k: copy.deepcopy(v) for k, v in source.items() if k in ga_keys and k != "audio"}
    out.pop("type", None)
    audio = source.get("audio") or {}
    if not isinstance(audio, Mapping):
        raise SessionConfigError(f"{what}.audio must be an object")
    audio_in = _audio_part(audio, "input", what)
    audio_out = _audio_part(audio, "output", what)
    moves = {
        "voice": (audio_out, "voice"),
        "speed": (audio_out, "speed"),
        "output_audio_format": (audio_out, "format"),
        "input_audio_format": (audio_in, "format"),
        "turn_detection": (audio_in, "turn_detection"),
        "input_audio_transcription": (audio_in, "transcription"),
        "input_audio_noise_reduction": (audio_in, "noise_reduction"),
        "max_response_output_tokens": (out, "max_output_tokens"),
        "modalities": (out, "output_modalities"),
        "temperature": (out, "temperature"),
    }
    for flat, (target, key) in moves.items():
        if flat in source:
            _put(target, key, copy.deepcopy(source[flat]), flat, what)
    for part in (audio_in, audio_out):
        if "format" in part:
            part["format"] = _format_object(part["format"])
    _validate(out, audio_in, audio_out)
    audio_config = {
        name: part for name, part in (("input", audio_in), ("output", audio_out)) if part
    }
    if audio_config:
        out["audio"] = audio_config
    return out


_AUDIO_PART_KEYS = {
    "input": frozenset({"format", "noise_reduction", "transcription", "turn_detection"}),
    "output": frozenset({"format", "voice", "speed"}),
}


def _audio_part(audio: Mapping[str, Any], name: str, what: str) -> Config:
    part = audio.get(name) or {}
    if not isinstance(part, Mapping):
        raise SessionConfigError(f"{what}.audio.{name} must be an object")
    unknown = sorted(set(part) - _AUDIO_PART_KEYS[name])
    if unknown or set(audio) - set(_AUDIO_PART_KEYS):
        extra = unknown or sorted(set(audio) - set(_AUDIO_PART_KEYS))
        raise SessionConfigError(f"unknown {what}.audio field(s): {', '.join(extra)}")
    return dict(copy.deepcopy(part))


def _put(target: Config, key: str, value: Any, flat: str, what: str) -> None:
    if key in target and target[key] != value:
        raise SessionConfigError(
            f"{what}.{flat} conflicts with the nested {key!r} given in the same {what}"
        )
    target[key] = value


def _format_object(value: Any) -> Config:
    if isinstance(value, str):
        if value not in BETA_TO_GA_AUDIO_FORMAT:
            raise SessionConfigError(
                f"unknown audio format {value!r}; use one of {', '.join(BETA_TO_GA_AUDIO_FORMAT)}"
            )
        return dict(BETA_TO_GA_AUDIO_FORMAT[value])
    if not isinstance(value, Mapping) or value.get("type") not in GA_AUDIO_FORMAT_TO_BETA:
        raise SessionConfigError(
            f"unknown audio format {value!r}; use one of {', '.join(GA_AUDIO_FORMAT_TO_BETA)}"
        )
    unknown = sorted(set(value) - AUDIO_FORMAT_FIELDS[value["type"]])
    if unknown:
        raise SessionConfigError(f"{value['type']} takes no option(s) {unknown}")
    if value["type"] == "audio/pcm":
        rate = value.get("rate", PCM_RATE)
        if rate != PCM_RATE:
            raise SessionConfigError(f"PCM audio must be {PCM_RATE} Hz, not {rate!r}")
        return {"type": "audio/pcm", "rate": PCM_RATE}
    return {"type": value["type"]}


def _validate(out: Config, audio_in: Config, audio_out: Config) -> None:
    if "voice" in audio_out:
        validate_voice(audio_out["voice"], VOICES_GA)
    if "speed" in audio_out:
        speed = audio_out["speed"]
        if (
            isinstance(speed, bool)
            or not isinstance(speed, int | float)
            or not SPEED_MIN <= speed <= SPEED_MAX
        ):
            raise SessionConfigError(
                f"speed must be a number from {SPEED_MIN:g} to {SPEED_MAX:g}, not {speed!r}"
            )
    if "turn_detection" in audio_in:
        validate_turn_detection(audio_in["turn_detection"])
    if "transcription" in audio_in:
        validate_transcription(audio_in["transcription"])
    if "noise_reduction" in audio_in:
        validate_noise_reduction(audio_in["noise_reduction"])
    if "max_output_tokens" in out:
        validate_max_tokens(out["max_output_tokens"])
    if "temperature" in out:
        validate_temperature(out["temperature"], None)
    if "output_modalities" in out:
        out["output_modalities"] = _ga_modalities(out["output_modalities"])
    if "instructions" in out and not isinstance(out["instructions"], str):
        raise SessionConfigError("instructions must be a string")
    if "tools" in out and not (
        isinstance(out["tools"], list) and all(isinstance(t, Mapping) for t in out["tools"])
    ):
        raise SessionConfigError("tools must be a list of tool objects")
    choice = out.get("tool_choice")
    if "tool_choice" in out and not (
        choice in TOOL_CHOICES or (isinstance(choice, Mapping) and "type" in choice)
    ):
        raise SessionConfigError(
            f"tool_choice must be auto, none, required or a tool selector, not {choice!r}"
        )


def _ga_modalities(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value or set(value) - set(OUTPUT_MODALITIES):
        raise SessionConfigError(
            f"modalities must be a list of 'text' and/or 'audio', not {value!r}"
        )
    # GA cannot produce both; audio output always carries a transcript, so audio wins.
    return ["audio"] if "audio" in value else ["text"]


def render_ga(canonical: Config, what: str) -> Config:
    out = copy.deepcopy(canonical)
    if "temperature" in out:
        out.pop("temperature")
        log.warning("%s.temperature dropped: the GA dialect has no temperature", what)
    if what == "response":
        output = out.get("audio", {}).get("output", {})
        if "speed" in output:
            output.pop("speed")
            log.warning("response speed dropped: the GA dialect sets speed per session only")
        if "input" in out.get("audio", {}):
            raise SessionConfigError("a response takes no audio input settings")
        return out
    return {"type": "realtime", **out}


def render_beta(canonical: Config, what: str) -> Config:
    ga = copy.deepcopy(canonical)
    out: Config = {}
    audio = ga.pop("audio", {})
    audio_in, audio_out = audio.get("input", {}), audio.get("output", {})
    for key in _GA_ONLY_KEYS:
        if key in ga:
            ga.pop(key)
            log.warning("%s.%s dropped: the beta dialect has no such field", what, key)
    if "output_modalities" in ga:
        modalities = ga.pop("output_modalities")
        # Beta audio responses always paired audio with text.
        out["modalities"] = ["text", "audio"] if "audio" in modalities else ["text"]
    if "max_output_tokens" in ga:
        out["max_response_output_tokens"] = ga.pop("max_output_tokens")
    if "temperature" in ga:
        out["temperature"] = validate_temperature(ga.pop("temperature"), "beta")
    if "tools" in ga:
        out["tools"] = _beta_tools(ga.pop("tools"), what)
    if "tool_choice" in ga:
        choice = ga.pop("tool_choice")
        if isinstance(choice, str):
            out["tool_choice"] = choice
        else:
            log.warning("%s.tool_choice %r dropped: beta takes only a string", what, choice)
    out.update(ga)
    if "voice" in audio_out:
        voice = audio_out.pop("voice")
        if isinstance(voice, str) and voice in VOICES_BETA:
            out["voice"] = voice
        else:
            log.warning("%s voice %r dropped: the beta dialect does not offer it", what, voice)
    if "speed" in audio_out:
        out["speed"] = audio_out.pop("speed")
    if "format" in audio_out:
        out["output_audio_format"] = GA_AUDIO_FORMAT_TO_BETA[audio_out.pop("format")["type"]]
    if "format" in audio_in:
        out["input_audio_format"] = GA_AUDIO_FORMAT_TO_BETA[audio_in.pop("format")["type"]]
    if "turn_detection" in audio_in:
        out["turn_detection"] = _beta_subset(
            audio_in.pop("turn_detection"), BETA_TURN_DETECTION_FIELDS, "turn_detection"
        )
    if "transcription" in audio_in:
        out["input_audio_transcription"] = _beta_subset(
            audio_in.pop("transcription"), _BETA_TRANSCRIPTION_KEYS, "transcription"
        )
    if "noise_reduction" in audio_in:
        out["input_audio_noise_reduction"] = _beta_subset(
            audio_in.pop("noise_reduction"), ("type",), "noise_reduction"
        )
    if what == "response" and "speed" in out:
        out.pop("speed")
        log.warning("response speed dropped: speed is a session setting")
    return out


def _beta_subset(value: Any, keys: Collection[str], what: str) -> Any:
    if value is None:
        return None
    dropped = sorted(set(value) - set(keys))
    if dropped:
        log.warning("%s field(s) %s dropped: the beta dialect has none", what, ", ".join(dropped))
    return {k: v for k, v in value.items() if k in keys}


def _beta_tools(tools: list[Any], what: str) -> list[Any]:
    kept = []
    for tool in tools:
        if tool.get("type", "function") == "function":
            kept.append(tool)
        else:
            log.warning(
                "%s tool of type %r dropped: beta supports functions only", what, tool.get("type")
            )
    return kept
