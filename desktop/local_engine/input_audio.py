"""The input audio buffer: the session's sample clock, the uncommitted audio, and VAD."""

from __future__ import annotations

import numpy as np

from desktop.local_engine.audio_formats import Int16Array, ms_to_samples, samples_to_ms
from desktop.local_engine.session_config import TurnDetection
from desktop.local_engine.vad import VadEvent, VoiceActivityDetector

#: Without speech in progress, keep only this much history for the prefix padding.
IDLE_HISTORY_MS = 1500


class InputAudioBuffer:
    """Audio appended since the last commit or clear, positioned on the stream clock.

    The clock counts every sample ever appended, so ``audio_start_ms`` and
    ``audio_end_ms`` are stream positions, independent of how fast audio arrives.
    """

    def __init__(self, detection: TurnDetection | None) -> None:
        self._chunks: list[Int16Array] = []
        self._start_sample = 0
        self._end_sample = 0
        self._detection = detection
        self._vad = VoiceActivityDetector(detection or TurnDetection())

    @property
    def clock_ms(self) -> int:
        return samples_to_ms(self._end_sample)

    @property
    def in_speech(self) -> bool:
        return self._vad.in_speech

    @property
    def duration_ms(self) -> int:
        return samples_to_ms(self._end_sample - self._start_sample)

    def configure(self, detection: TurnDetection | None) -> None:
        if detection != self._detection and detection is not None:
            self._vad.configure(detection)
        self._detection = detection

    def append(self, samples: Int16Array) -> list[VadEvent]:
        self._chunks.append(samples)
        self._end_sample += len(samples)
        # The detector always runs so its clock stays aligned when VAD is switched on later.
        events = self._vad.feed(samples)
        if self._detection is None:
            return []
        if not self._vad.in_speech and not any(True for _ in events):
            self._drop_before(self._end_sample - ms_to_samples(IDLE_HISTORY_MS))
        return events

    def samples_between(self, start_ms: int, end_ms: int | None = None) -> Int16Array:
        audio = self._concatenated()
        first = max(0, ms_to_samples(start_ms) - self._start_sample)
        last = (
            len(audio) if end_ms is None else max(first, ms_to_samples(end_ms) - self._start_sample)
        )
        return audio[first:last]

    def start_at(self, start_ms: int) -> None:
        """Speech began at ``start_ms`` (padding included): older audio is not part of it."""
        self._drop_before(ms_to_samples(start_ms))

    def take(self) -> Int16Array:
        """Everything buffered; the buffer is then empty (commit)."""
        audio = self._concatenated()
        self._chunks = []
        self._start_sample = self._end_sample
        self._vad.reset()
        return audio

    def clear(self) -> None:
        self.take()

    def _concatenated(self) -> Int16Array:
        if len(self._chunks) != 1:
            joined = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
            self._chunks = [joined]
        return self._chunks[0]

    def _drop_before(self, sample: int) -> None:
        if sample <= self._start_sample:
            return
        audio = self._concatenated()
        drop = min(len(audio), sample - self._start_sample)
        self._chunks = [audio[drop:]]
        self._start_sample += drop
