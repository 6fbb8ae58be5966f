"""Echo policy for the session: what to ask of the server, and when to let a barge-in through.

Three situations, from the audio settings:

* headset mode: nothing leaks from the output into the microphone; no echo
  cancellation, near-field noise reduction;
* speakers with echo cancellation (the engine's AEC3): far-field noise
  reduction, barge-in as usual;
* speakers without echo cancellation: the assistant's own voice reaches the
  microphone and the server's VAD reports it as ``speech_started``.
  :class:`BargeInGuard` tells the user's voice from that echo: a
  speech_started while the assistant plays should only interrupt when the
  microphone is clearly louder than the echo the playback alone produces. It
  needs the session's ``interrupt_response`` off (the app, not the server,
  then decides), which :func:`server_interrupts` takes care of; the
  ``audio.ignore_echo_barge_in`` setting switches it on, and the worker asks
  it before stopping playback on a speech_started. While it is on, the
  session's ``create_response`` is off too: the worker deletes the user item
  the server committed from an echo, and the app answers the real turns.

The guard compares levels over the same window: the microphone RMS against the
played (far-end) RMS. Their difference while only the echo is heard is the
room's echo coupling; it is learned while the assistant plays, and a barge-in
needs the microphone ``margin_db`` above it. Measured through the PulseAudio
echo path (speaker -> microphone at -6 dB, 40 ms) over 300 ms windows, with
the played window reaching 100 ms back for the device latency
(``AudioEngine.recent_levels``): the echo alone sits at -5 to -9 dB relative to
the playback (learned: -5.5 dB), no echo window comes within 6 dB of the
learned coupling, and a user talking over the assistant at a near-field level
reaches +8 to +11 dB. A 6 dB margin keeps the echo out and lets the user through.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from audio_engine.echo import echo_cancellation_wanted
from desktop.config.settings import Settings

#: A barge-in needs the microphone this far above the learned echo coupling.
MARGIN_DB = 6.0
#: Before anything is learned: echo at the same level as the playback (a loud laptop).
DEFAULT_COUPLING_DB = 0.0
#: Below this the playback is a pause, which says nothing about the coupling.
FAR_ACTIVE_DBFS = -50.0
#: How fast the coupling estimate follows new observations (per observation).
LEARNING_RATE = 0.1


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


class LevelSource(Protocol):
    """What the guard reads from the audio engine (``audio_engine.AudioEngine`` has both)."""

    @property
    def is_playing(self) -> bool: ...

    def recent_levels(self, window_ms: int = 300) -> tuple[float, float]: ...


class BargeInGuard:
    """Decides whether a speech_started during playback is the user or the echo.

    Thread-safe: levels are observed on one thread and decisions taken on another.
    """

    def __init__(
        self, margin_db: float = MARGIN_DB, coupling_db: float = DEFAULT_COUPLING_DB
    ) -> None:
        self.margin_db = margin_db
        self._coupling_db = coupling_db
        self._lock = threading.Lock()

    @property
    def coupling_db(self) -> float:
        with self._lock:
            return self._coupling_db

    def observe_echo(self, mic_dbfs: float, far_dbfs: float) -> None:
        """Levels over a window where the assistant played and the user was quiet."""
        if far_dbfs < FAR_ACTIVE_DBFS:
            return
        observed = mic_dbfs - far_dbfs
        with self._lock:
            self._coupling_db += LEARNING_RATE * (observed - self._coupling_db)

    def user_is_clearly_louder(self, mic_dbfs: float, far_dbfs: float) -> bool:
        if far_dbfs < FAR_ACTIVE_DBFS:
            return True  # nothing is playing loudly enough to echo: it is the user
        with self._lock:
            return mic_dbfs - far_dbfs > self._coupling_db + self.margin_db

    def should_interrupt(self, assistant_playing: bool, mic_dbfs: float, far_dbfs: float) -> bool:
        """Whether a speech_started should stop the assistant."""
        return not assistant_playing or self.user_is_clearly_louder(mic_dbfs, far_dbfs)

    def learn_from(self, audio: LevelSource) -> None:
        """Call periodically (e.g. every 300 ms) while the assistant plays and the user is quiet."""
        if audio.is_playing:
            self.observe_echo(*audio.recent_levels())

    def allows_barge_in(self, audio: LevelSource) -> bool:
        """The decision for a speech_started that just arrived (any thread)."""
        return self.should_interrupt(audio.is_playing, *audio.recent_levels())
