"""Acoustic echo cancellation (WebRTC AEC3 through pywebrtc-audio) on the capture path.

The processor runs on the consumer side of the capture ring, in the network
sender's thread inside ``AudioEngine.read_chunk``, never in a PortAudio
callback. Each 10 ms microphone frame is paired with a 10 ms frame of what the
output callback actually handed to the device (the far-end ring, silence
included).

Pairing is anchored in capture time, not in read time: the input callback
notes how far the far end had been written when each block was captured
(``CaptureRing.far_anchor``), so the far frame paired with a microphone frame
is the one that was being played when that frame was recorded, however late
the sender reads it. Pairing by read time moved the pairing whenever the
sender's delay changed (a loaded machine), and AEC3 had to find the echo path
again each time: replayed offline, a sender late by 0-300 ms at random kept
23 dB of ERLE and one late by 250 ms now and then almost none, against 42 dB
with the capture-time pairing (tests/audio/test_echo.py). AEC3 estimates the remaining delay
through the device buffers by itself, so no delay hint is given.

Modes: ``on``, ``off``, and ``auto``, which enables cancellation unless the
output device's name says it is a headset or headphones (no acoustic path).
WebRTC noise suppression can run in the same processor, with or without AEC.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]
FRAME = 240  # 10 ms at 24 kHz, what AEC3 processes
# The far-end reference trails the capture anchor by a few frames: the anchor
# is taken when the input callback runs, and the output callback may have
# written a frame or two that the device has not started playing. The echo of
# a frame reaches the mic only after the device latency, so the reference
# still leads the echo, as AEC3 needs.
FAR_LAG = 3 * FRAME
# Callback jitter moves the anchor by a frame or two; beyond this the pairing
# has slipped (a gap in capture, a device restart) and is set again.
MAX_PAIRING_SLIP = 10 * FRAME
NS_LEVEL = 1  # WebRTC's "moderate": audible hiss goes, speech keeps its body
_HEADSET_WORDS = ("headset", "headphone", "earphone", "earbud", "airpods")


class EchoMode(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


def echo_cancellation_wanted(mode: EchoMode | str, output_device_name: str | None) -> bool:
    mode = EchoMode(mode)
    if mode is EchoMode.AUTO:
        return not looks_like_headset(output_device_name)
    return mode is EchoMode.ON


def looks_like_headset(output_device_name: str | None) -> bool:
    name = (output_device_name or "").lower()
    return any(word in name for word in _HEADSET_WORDS)


def aec_available() -> bool:
    try:
        import pywebrtc_audio  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class CleanerConfig:
    echo_cancellation: bool
    noise_suppression: bool

    @property
    def active(self) -> bool:
        return self.echo_cancellation or self.noise_suppression


class EchoCanceller:
    """Cleans microphone chunks (multiples of 10 ms): AEC3 and/or noise suppression."""

    def __init__(
        self,
        far_end: SampleRing,
        sample_rate: int = 24000,
        *,
        echo_cancellation: bool = True,
        noise_suppression: bool = False,
    ) -> None:
        from pywebrtc_audio import AudioProcessor

        if sample_rate != 24000:
            raise ValueError("the engine's echo canceller runs at 24 kHz")
        self.config = CleanerConfig(echo_cancellation, noise_suppression)
        self._apm = AudioProcessor(
            sample_rate=sample_rate,
            num_channels=1,
            echo_cancellation=echo_cancellation,
            noise_suppression=noise_suppression,
            ns_level=NS_LEVEL,
        )
        self._far_end = far_end
        self._far_pos: int | None = None
        self._silence: Samples = np.zeros(FRAME, dtype=np.int16)

    def resync(self) -> None:
        """Set the pairing again from the next chunk's anchor (after a gap in capture)."""
        self._far_pos = None

    def _far_frame(self) -> Samples:
        assert self._far_pos is not None
        ring, pos = self._far_end, self._far_pos
        self._far_pos = pos + FRAME
        if pos < ring.oldest_pos or pos + FRAME > ring.write_pos:
            return self._silence  # overwritten (sender seconds behind) or not yet played
        return ring.read(pos, FRAME)

    def process(
        self, mic: Samples, capture_pos: int = 0, anchor: tuple[int, int] | None = None
    ) -> Samples:
        """``mic`` captured at absolute ``capture_pos``; ``anchor`` is the ring's far_anchor."""
        if len(mic) % FRAME:
            raise ValueError(f"echo cancellation needs multiples of {FRAME} samples")
        if self.config.echo_cancellation:
            self._pair(capture_pos, anchor)
        out: Samples = np.empty_like(mic)
        for start in range(0, len(mic), FRAME):
            far = self._far_frame() if self.config.echo_cancellation else None
            cleaned = self._apm.process(mic[start : start + FRAME], far)
            out[start : start + FRAME] = np.asarray(cleaned, dtype=np.int16)
        return out

    def _pair(self, capture_pos: int, anchor: tuple[int, int] | None) -> None:
        if anchor is None:  # no capture time known: pair with what is playing now
            expected = self._far_end.write_pos - FAR_LAG
        else:
            anchor_capture, anchor_far = anchor
            expected = anchor_far - (anchor_capture - capture_pos) - FAR_LAG
        if self._far_pos is None or abs(self._far_pos - expected) > MAX_PAIRING_SLIP:
            self._far_pos = expected
