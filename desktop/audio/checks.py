"""The Audio panel's checks: a test tone, and a mic check that records a few
seconds from the microphone and plays them back. GUI thread only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from audio_engine import AudioEngine

RATE = 24000
TONE_ITEM = "parley-test-tone"
MIC_CHECK_ITEM = "parley-mic-check"
MIC_CHECK_REASON = "mic check"


def tone_pcm(seconds: float = 0.8, frequency: float = 440.0) -> bytes:
    """A soft sine with short fades, as 24 kHz PCM16."""
    t = np.arange(int(RATE * seconds)) / RATE
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)
    return (np.sin(2 * np.pi * frequency * t) * envelope * 6000).astype("<i2").tobytes()


class AudioChecks(QObject):
    """Runs the checks on an audio engine.

    Signals:
        status(str): what the check is doing, for the Audio panel.
    """

    status = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.audio: AudioEngine | None = None
        self._recording: list[bytes] = []
        self._stop_timer = QTimer(self, singleShot=True)
        self._stop_timer.timeout.connect(self._on_stop_timer_timeout)

    def play_tone(self) -> None:
        if self.audio is None:
            self.status.emit("No speaker is open.")
            return
        self.audio.play(TONE_ITEM, tone_pcm())
        self.audio.finish_item(TONE_ITEM)
        self.status.emit("Playing a test tone…")

    def start_mic_check(self, seconds: float = 3.0) -> None:
        if self.audio is None:
            self.status.emit("No microphone is open.")
            return
        if self._stop_timer.isActive():
            return
        self._recording.clear()
        self.audio.chunk_captured.connect(self._on_audio_chunk_captured)
        self.audio.want_capture(MIC_CHECK_REASON, True)
        self._stop_timer.start(int(seconds * 1000))
        self.status.emit(f"Mic check: speak now ({seconds:g} s)…")

    def _on_audio_chunk_captured(self, chunk: bytes) -> None:
        self._recording.append(chunk)

    def _on_stop_timer_timeout(self) -> None:
        if self.audio is None:
            return
        self.audio.chunk_captured.disconnect(self._on_audio_chunk_captured)
        self.audio.want_capture(MIC_CHECK_REASON, False)
        pcm = b"".join(self._recording)
        self._recording.clear()
        if not pcm:
            self.status.emit("Mic check: nothing was captured. Is the microphone muted?")
            return
        peak = int(np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32)).max())
        self.audio.play(MIC_CHECK_ITEM, pcm)
        self.audio.finish_item(MIC_CHECK_ITEM)
        loudness = "very quiet: check the input level" if peak < 300 else "heard you"
        self.status.emit(f"Mic check: playing back {len(pcm) / 48000:.1f} s ({loudness}).")
