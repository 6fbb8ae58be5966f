"""The echo settings at work on the GUI thread: the engine's echo options and the guard.

:class:`GuardControl` applies headset mode and noise suppression to the audio
engine, arms the echo guard when the settings ask for it (and the engine can
tell levels), keeps it learning the room's echo while the assistant speaks,
and hands each session the check its receiver runs on a ``speech_started``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from desktop.barge_in.echo_guard import BargeInGuard
from desktop.barge_in.echo_policy import barge_in_guard_active, server_interrupts
from desktop.config.settings import Settings
from desktop.connection.lifecycle import SessionMedia

#: How often the guard samples the levels while the assistant speaks.
LEARN_INTERVAL_MS = 300


class GuardControl(QObject):
    """Owns the echo guard and when it learns; ``speaking`` says whether the assistant has
    the floor (only then is what the microphone hears the echo)."""

    def __init__(
        self,
        settings: Settings,
        media: SessionMedia,
        speaking: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._media = media
        self._speaking = speaking
        self.guard = BargeInGuard()
        self._learn_timer = QTimer(self, interval=LEARN_INTERVAL_MS)
        self._learn_timer.timeout.connect(self._on_learn_timer_timeout)

    def server_interrupts(self) -> bool:
        """Whether the server cancels a reply on speech_started (the session's setting)."""
        return server_interrupts(self._settings)

    def barge_in_check(self) -> Callable[[], bool] | None:
        """For the receiver: screens speech_started against the assistant's own echo
        when the guard is on; None when every barge-in goes through."""
        audio = self._media.audio
        if audio is None or not barge_in_guard_active(self._settings):
            return None
        guard = self.guard
        return lambda: guard.allows_barge_in(audio)

    def apply(self) -> None:
        """The audio settings or the engine changed: bring both up to date."""
        audio, options = self._media.audio, self._settings.audio
        if audio is not None:
            audio.set_headset_mode(options.headset_mode)
            audio.set_noise_suppression(options.noise_suppression)
        if self.barge_in_check() is None:
            self._learn_timer.stop()
        else:
            self._learn_timer.start()

    def stop(self) -> None:
        self._learn_timer.stop()

    def _on_learn_timer_timeout(self) -> None:
        audio = self._media.audio
        if audio is not None and self._speaking():
            self.guard.learn_from(audio)
