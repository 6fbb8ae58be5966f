"""What the sender's microphone chunks go through: echo cancellation, noise suppression.

The switches (echo mode, headset mode, noise suppression) are set from the
engine's thread; the processor itself is created, resynced and run only on
the sender's thread inside ``AudioEngine.read_chunk``, so the WebRTC state is
never touched from two threads. See :mod:`audio_engine.echo` for the pairing.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from audio_engine.echo import (
    CleanerConfig,
    EchoCanceller,
    EchoMode,
    aec_available,
    echo_cancellation_wanted,
)
from audio_engine.errors import AudioDeviceError
from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]


class CaptureProcessor(Protocol):
    """Consumer-side capture processing on whole chunks."""

    config: CleanerConfig

    def process(
        self, mic: Samples, capture_pos: int = 0, anchor: tuple[int, int] | None = None
    ) -> Samples: ...

    def resync(self) -> None: ...


class CaptureCleaning:
    def __init__(self, far_end: SampleRing) -> None:
        self._far_end = far_end
        self.echo_mode = EchoMode.OFF
        self.noise_suppression = False
        self.headset_mode = False
        self.wanted = CleanerConfig(echo_cancellation=False, noise_suppression=False)
        self._output_name: str | None = None
        self._processor: CaptureProcessor | None = None
        self._resync_wanted = False

    def set_echo_mode(self, mode: EchoMode | str) -> None:
        """Raises AudioDeviceError for ``"on"`` when pywebrtc-audio is not installed."""
        mode = EchoMode(mode)
        if mode is EchoMode.ON and not aec_available():
            raise AudioDeviceError("Echo cancellation needs the pywebrtc-audio package.")
        self.echo_mode = mode
        self._update()

    def set_noise_suppression(self, enabled: bool) -> None:
        self.noise_suppression = enabled
        self._update()

    def set_headset_mode(self, enabled: bool) -> None:
        self.headset_mode = enabled
        self._update()

    def set_output_name(self, name: str | None) -> None:
        """The output device's name, which "auto" judges (a headset has no echo path)."""
        self._output_name = name
        self._update()

    def request_resync(self) -> None:
        """Capture had a gap (mute, discard, restart): pair the far end again."""
        self._resync_wanted = True

    def _update(self) -> None:
        available = aec_available()
        self.wanted = CleanerConfig(
            echo_cancellation=available
            and not self.headset_mode
            and echo_cancellation_wanted(self.echo_mode, self._output_name),
            noise_suppression=available and self.noise_suppression,
        )

    def process(self, mic: Samples, capture_pos: int, anchor: tuple[int, int] | None) -> Samples:
        """Clean ``mic`` (sender thread only); unchanged when nothing is wanted."""
        processor = self._processor_for_sender()
        if processor is None:
            return mic
        return processor.process(mic, capture_pos, anchor)

    def _processor_for_sender(self) -> CaptureProcessor | None:
        wanted = self.wanted
        if not wanted.active:
            self._processor = None
            return None
        if self._processor is None or self._processor.config != wanted:
            self._processor = EchoCanceller(
                self._far_end,
                echo_cancellation=wanted.echo_cancellation,
                noise_suppression=wanted.noise_suppression,
            )
            self._resync_wanted = False
        elif self._resync_wanted:
            self._resync_wanted = False
            self._processor.resync()
        return self._processor
