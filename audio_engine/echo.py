"""Acoustic echo cancellation (WebRTC AEC3 through pywebrtc-audio) on the capture path.

The processor runs on the consumer side of the capture ring, in the network
sender's thread inside ``AudioEngine.read_chunk``, never in a PortAudio
callback. Each 10 ms microphone frame is paired with the oldest 10 ms frame
of what the output callback actually handed to the device (the far-end ring,
silence included) that has not been used yet. AEC3 estimates the remaining
delay through the device buffers by itself, so no delay hint is given.

Modes: ``on``, ``off``, and ``auto``, which enables cancellation unless the
output device's name says it is a headset or headphones (no acoustic path).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]
FRAME = 240  # 10 ms at 24 kHz, what AEC3 processes
# The far-end reader trails the output by a few frames, so a mic chunk that
# arrives just before the output callback has run still finds its partner.
# The echo of a frame reaches the mic only after the device latency, so the
# reference still leads the echo, as AEC3 needs.
FAR_LAG = 3 * FRAME
MAX_FAR_BACKLOG = 20 * FRAME  # beyond 200 ms behind, skip ahead instead of lagging
_HEADSET_WORDS = ("headset", "headphone", "earphone", "earbud", "airpods")


class EchoMode(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


def echo_cancellation_wanted(mode: EchoMode | str, output_device_name: str | None) -> bool:
    mode = EchoMode(mode)
    if mode is EchoMode.AUTO:
        name = (output_device_name or "").lower()
        return not any(word in name for word in _HEADSET_WORDS)
    return mode is EchoMode.ON


def aec_available() -> bool:
    try:
        import pywebrtc_audio  # noqa: F401
    except ImportError:
        return False
    return True


class EchoCanceller:
    """Removes the played far end from microphone chunks (multiples of 10 ms)."""

    def __init__(self, far_end: SampleRing, sample_rate: int = 24000) -> None:
        from pywebrtc_audio import AudioProcessor

        if sample_rate != 24000:
            raise ValueError("the engine's echo canceller runs at 24 kHz")
        self._apm = AudioProcessor(sample_rate=sample_rate, num_channels=1, echo_cancellation=True)
        self._far_end = far_end
        self._far_pos = 0
        self.resync()
        self._silence: Samples = np.zeros(FRAME, dtype=np.int16)

    def resync(self) -> None:
        """Forget the far-end backlog (after a gap in capture, e.g. mute)."""
        self._far_pos = max(self._far_end.oldest_pos, self._far_end.write_pos - FAR_LAG)

    def _next_far_frame(self) -> Samples:
        ring = self._far_end
        if ring.write_pos - self._far_pos > MAX_FAR_BACKLOG or self._far_pos < ring.oldest_pos:
            self.resync()
        if ring.write_pos - self._far_pos < FRAME:
            return self._silence  # the output has not caught up: nothing played yet
        frame = ring.read(self._far_pos, FRAME)
        self._far_pos += FRAME
        return frame

    def process(self, mic: Samples) -> Samples:
        if len(mic) % FRAME:
            raise ValueError(f"echo cancellation needs multiples of {FRAME} samples")
        out: Samples = np.empty_like(mic)
        for start in range(0, len(mic), FRAME):
            far = self._next_far_frame()
            cleaned = self._apm.process(mic[start : start + FRAME], far)
            out[start : start + FRAME] = np.asarray(cleaned, dtype=np.int16)
        return out
