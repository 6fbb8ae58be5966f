"""The echo guard: tells the user's voice from the assistant's own echo on speakers.

A ``speech_started`` while the assistant plays should only interrupt when the
microphone is clearly louder than the echo the playback alone produces (see
:mod:`desktop.barge_in.echo_policy` for when the guard decides).

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
from typing import Protocol

#: A barge-in needs the microphone this far above the learned echo coupling.
MARGIN_DB = 6.0
#: Before anything is learned: echo at the same level as the playback (a loud laptop).
DEFAULT_COUPLING_DB = 0.0
#: Below this the playback is a pause, which says nothing about the coupling.
FAR_ACTIVE_DBFS = -50.0
#: How fast the coupling estimate follows new observations (per observation).
LEARNING_RATE = 0.1


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
