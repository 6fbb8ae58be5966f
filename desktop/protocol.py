"""The Realtime protocol's names and limits, declared once (no Qt, nothing of the app's).

Names: the event and content types that differ between the two wire dialects,
audio formats, voices. The app speaks GA names internally; the beta dialect is
renamed at the edge, by the protocol client (incoming events) and by the
offline engine (outgoing events).

Limits: the ranges and choices the API documents for session values. The
protocol client (``desktop.realtime``) refuses a value outside them before
sending, the offline engine (``desktop.local_engine``) answers it with the
API's error, and the settings model takes its bounds from here;
tests/integration/test_validators_agree.py proves the two validators agree.

This module imports nothing but ``typing``, so each of them can use it without
loading the others.
"""

from __future__ import annotations

from typing import Final, Literal

Dialect = Literal["ga", "beta"]
DIALECTS: Final[tuple[Dialect, ...]] = ("ga", "beta")

#: Server event types whose names differ between the dialects (beta -> GA).
BETA_TO_GA_SERVER_EVENTS: Final[dict[str, str]] = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "transcription_session.updated": "session.updated",
}
GA_TO_BETA_SERVER_EVENTS: Final[dict[str, str]] = {
    ga: beta
    for beta, ga in BETA_TO_GA_SERVER_EVENTS.items()
    if beta != "transcription_session.updated"
}

#: Assistant content part types (beta -> GA).
BETA_TO_GA_CONTENT: Final[dict[str, str]] = {"text": "output_text", "audio": "output_audio"}
GA_TO_BETA_CONTENT: Final[dict[str, str]] = {ga: beta for beta, ga in BETA_TO_GA_CONTENT.items()}

#: Flat (beta) audio format names and their GA format objects.
BETA_TO_GA_AUDIO_FORMAT: Final[dict[str, dict[str, object]]] = {
    "pcm16": {"type": "audio/pcm", "rate": 24000},
    "g711_ulaw": {"type": "audio/pcmu"},
    "g711_alaw": {"type": "audio/pcma"},
}
GA_AUDIO_FORMAT_TO_BETA: Final[dict[str, str]] = {
    "audio/pcm": "pcm16",
    "audio/pcmu": "g711_ulaw",
    "audio/pcma": "g711_alaw",
}

VOICES_BETA: Final[tuple[str, ...]] = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
)
VOICES_GA: Final[tuple[str, ...]] = (*VOICES_BETA, "marin", "cedar")

PCM_RATE: Final[int] = 24000
G711_RATE: Final[int] = 8000
#: The fields each GA audio format object takes.
AUDIO_FORMAT_FIELDS: Final[dict[str, frozenset[str]]] = {
    "audio/pcm": frozenset({"type", "rate"}),
    "audio/pcmu": frozenset({"type"}),
    "audio/pcma": frozenset({"type"}),
}


def ga_server_event_name(name: str) -> str:
    """The GA name of a server event type, whichever dialect it came in."""
    return BETA_TO_GA_SERVER_EVENTS.get(name, name)


def server_event_name_for(dialect: Dialect, ga_name: str) -> str:
    """The wire name of a GA server event type in ``dialect``."""
    if dialect == "beta":
        return GA_TO_BETA_SERVER_EVENTS.get(ga_name, ga_name)
    return ga_name


def bytes_per_ms(audio_format: str) -> int:
    """Bytes of audio per millisecond for a flat format name."""
    return 48 if audio_format == "pcm16" else 8


#: Legacy server event names that GA servers may still send, mapped onto the
#: GA event the app handles (beta ``conversation.item.created`` announced an
#: item the way GA ``conversation.item.added`` does).
LEGACY_SERVER_EVENTS: Final[dict[str, str]] = {
    "conversation.item.created": "conversation.item.added",
}


# -- Limits ------------------------------------------------------------------------------

#: ``audio.output.speed`` (beta ``speed``).
SPEED_MIN: Final[float] = 0.25
SPEED_MAX: Final[float] = 1.5
#: ``max_output_tokens`` (beta ``max_response_output_tokens``): 1 to this, or "inf".
MAX_OUTPUT_TOKENS: Final[int] = 4096
#: Beta's documented temperature range; GA has no temperature at all.
BETA_TEMPERATURE_MIN: Final[float] = 0.6
BETA_TEMPERATURE_MAX: Final[float] = 1.2

VAD_TYPES: Final[tuple[str, ...]] = ("server_vad", "semantic_vad")
EAGERNESS: Final[tuple[str, ...]] = ("low", "medium", "high", "auto")
#: The fields each turn detection type takes; a field of the other type is refused.
TURN_DETECTION_FIELDS: Final[dict[str, frozenset[str]]] = {
    "server_vad": frozenset(
        {
            "type",
            "threshold",
            "prefix_padding_ms",
            "silence_duration_ms",
            "create_response",
            "interrupt_response",
            "idle_timeout_ms",
        }
    ),
    "semantic_vad": frozenset({"type", "eagerness", "create_response", "interrupt_response"}),
}
#: Turn detection fields the beta dialect does not have.
GA_ONLY_TURN_DETECTION_FIELDS: Final[frozenset[str]] = frozenset({"idle_timeout_ms"})
#: Every turn detection field the beta dialect has, of either type.
BETA_TURN_DETECTION_FIELDS: Final[frozenset[str]] = (
    frozenset().union(*TURN_DETECTION_FIELDS.values()) - GA_ONLY_TURN_DETECTION_FIELDS
)
#: Turn detection durations in milliseconds (whole numbers >= 0); only this one may be null.
TURN_DETECTION_DURATIONS: Final[tuple[str, ...]] = (
    "prefix_padding_ms",
    "silence_duration_ms",
    "idle_timeout_ms",
)
NULLABLE_DURATIONS: Final[frozenset[str]] = frozenset({"idle_timeout_ms"})
#: ``turn_detection.threshold`` and ``noise_reduction.strength`` both run from 0 to 1.
VAD_THRESHOLD_MIN: Final[float] = 0.0
VAD_THRESHOLD_MAX: Final[float] = 1.0
NOISE_REDUCTION_TYPES: Final[tuple[str, ...]] = ("near_field", "far_field")
NOISE_STRENGTH_MIN: Final[float] = 0.0
NOISE_STRENGTH_MAX: Final[float] = 1.0

TOOL_CHOICES: Final[tuple[str, ...]] = ("auto", "none", "required")
OUTPUT_MODALITIES: Final[tuple[str, ...]] = ("text", "audio")

#: The least audio ``input_audio_buffer.commit`` accepts.
MIN_COMMIT_MS: Final[int] = 100
#: How long the server keeps a GA session open.
SESSION_LIFETIME_S: Final[int] = 60 * 60
