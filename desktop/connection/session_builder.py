"""The session configuration sent with ``session.update``, built from Settings.

The dict uses the GA nested vocabulary; the protocol client renders it for the
connection's dialect. Which settings groups affect the session is declared
here too, so the controller knows when a live ``session.update`` is due.
"""

from __future__ import annotations

from typing import Any

from desktop.barge_in.echo_policy import echo_policy, server_creates_responses, server_interrupts
from desktop.config.settings import Settings
from desktop.protocol import BETA_TO_GA_AUDIO_FORMAT

#: Settings groups whose changes must reach the server as a session.update.
SESSION_GROUPS: frozenset[str] = frozenset(
    {"voice", "instructions", "turn_detection", "transcription", "audio", "response", "tools"}
)


def turn_detection_config(settings: Settings, hold_replies: bool = False) -> dict[str, Any] | None:
    """Server turn detection, or None for manual turns (push-to-talk or 'off').
    ``hold_replies``: the server must not answer the user's turns on its own (the next
    one answers a question the app asked)."""
    vad = settings.turn_detection
    if settings.ui.talk_mode == "ptt" or vad.mode == "off":
        return None
    common = {
        "create_response": server_creates_responses(settings) and not hold_replies,
        "interrupt_response": server_interrupts(settings),
    }
    if vad.mode == "semantic_vad":
        return {"type": "semantic_vad", "eagerness": vad.eagerness, **common}
    return {
        "type": "server_vad",
        "threshold": vad.threshold,
        "prefix_padding_ms": vad.prefix_padding_ms,
        "silence_duration_ms": vad.silence_duration_ms,
        **common,
    }


def transcription_config(settings: Settings) -> dict[str, Any] | None:
    spec = settings.transcription
    if not spec.enabled:
        return None
    config: dict[str, Any] = {"model": spec.model}
    if spec.language:
        config["language"] = spec.language
    return config


def build_session(
    settings: Settings, tools: list[dict[str, Any]], hold_replies: bool = False
) -> dict[str, Any]:
    """The full session object for ``session.update`` (``hold_replies``: see
    :func:`turn_detection_config`)."""
    audio_format = dict(BETA_TO_GA_AUDIO_FORMAT[settings.audio.format])
    noise = echo_policy(settings).noise_reduction
    return {
        "type": "realtime",
        "instructions": settings.instructions.instructions,
        "output_modalities": [settings.response.output_modality],
        "max_output_tokens": settings.response.max_output_tokens,
        "tools": tools,
        "tool_choice": "auto" if tools else "none",
        "audio": {
            "input": {
                "format": audio_format,
                "turn_detection": turn_detection_config(settings, hold_replies),
                "transcription": transcription_config(settings),
                "noise_reduction": None if noise is None else {"type": noise},
            },
            "output": {
                "format": dict(audio_format),
                "voice": settings.voice.voice,
                "speed": settings.voice.speed,
            },
        },
    }


def without_voice(session: dict[str, Any]) -> dict[str, Any]:
    """``session`` minus the voice: what may still be sent once the voice is locked."""
    audio = dict(session.get("audio") or {})
    output = {k: v for k, v in (audio.get("output") or {}).items() if k != "voice"}
    return {**session, "audio": {**audio, "output": output}}
