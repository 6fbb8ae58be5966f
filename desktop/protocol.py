"""Event and content-type vocabulary of the two wire dialects.

The app speaks GA names internally; the beta dialect is renamed at the edge,
both by the protocol client (incoming events) and by the offline engine
(outgoing events).
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
