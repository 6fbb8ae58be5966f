"""What the audio settings mean for echo: the server's session and the audio engine.

Three situations, from the audio settings:

* headset mode: nothing leaks from the output into the microphone; no echo
  cancellation, near-field noise reduction;
* speakers with echo cancellation (the engine's AEC3): far-field noise
  reduction, barge-in as usual;
* speakers without echo cancellation: the assistant's own voice reaches the
  microphone and the server's VAD reports it as ``speech_started``. With
  ``audio.ignore_echo_barge_in`` the app's echo guard
  (:mod:`desktop.barge_in.echo_guard`) decides instead of the server: the
  session's ``interrupt_response`` and ``create_response`` are then off, the
  receiver asks the guard before stopping playback, deletes the user item the
  server committed from an echo, and the app answers the real turns.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio_engine.echo import echo_cancellation_wanted
from desktop.config.settings import Settings


@dataclass(frozen=True)
class EchoPolicy:
    """What the settings imply for one session."""

    echo_cancellation: bool  # the engine removes the echo
    noise_reduction: str | None  # the server's noise_reduction type, None for off


def echo_policy(settings: Settings) -> EchoPolicy:
    audio = settings.audio
    if audio.headset_mode:
        cancelling = False
        noise = None if audio.noise_reduction == "off" else "near_field"
    else:
        cancelling = echo_cancellation_wanted(audio.echo_cancellation, audio.output_device)
        if audio.noise_reduction == "off":
            noise = None
        else:
            noise = "far_field" if cancelling else audio.noise_reduction
    return EchoPolicy(cancelling, noise)


def barge_in_guard_active(settings: Settings) -> bool:
    """Whether speech_started during playback is screened by :class:`BargeInGuard`:
    asked for, and on speakers without echo cancellation."""
    audio = settings.audio
    return (
        audio.ignore_echo_barge_in
        and not audio.headset_mode
        and not echo_policy(settings).echo_cancellation
    )


def server_interrupts(settings: Settings) -> bool:
    """The session's ``interrupt_response``: off while the guard decides instead."""
    return settings.turn_detection.interrupt_response and not barge_in_guard_active(settings)


def server_creates_responses(settings: Settings) -> bool:
    """The session's ``create_response``: off while the guard decides, so a turn the
    guard judged to be echo is never answered (the app answers the real ones)."""
    return settings.turn_detection.create_response and not barge_in_guard_active(settings)


def engine_echo_mode(settings: Settings) -> str:
    """The audio engine's echo mode: headset mode forces it off."""
    return "off" if settings.audio.headset_mode else settings.audio.echo_cancellation
