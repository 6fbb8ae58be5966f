"""Voice activity detection in sample time.

Every decision is a function of the samples seen so far, never of the wall clock,
so a client that pushes audio faster than real time gets exactly the events it
would get in real time. webrtcvad classifies 30 ms frames; a sliding window of
frames turns those votes into speech start, and a run of silent frames into
speech stop, per the session's ``turn_detection``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import soxr

from desktop.local_engine.audio_formats import INTERNAL_RATE, Int16Array
from desktop.local_engine.session_config import TurnDetection

FRAME_MS = 30
CLASSIFIER_RATE = 16000
FRAME_SAMPLES = INTERNAL_RATE * FRAME_MS // 1000
#: Devices and codecs often click or hiss as a stream opens; ignore that stretch.
WARMUP_MS = 300
#: Start needs this many frames of history, so one noisy frame never starts a turn.
START_WINDOW_FRAMES = 10
#: Transcribe speculatively once the silence reaches this long (bounded by the window).
SPECULATE_AFTER_MS = 200
#: Below this RMS a frame is silent whatever the classifier says (digital near-silence).
MIN_SPEECH_RMS = 100.0


@dataclass(frozen=True)
class SpeechStarted:
    audio_start_ms: int


@dataclass(frozen=True)
class SilenceProbe:
    """Speech may be over: a good moment to start transcribing speculatively."""

    audio_end_ms: int
    segment_end_ms: int


@dataclass(frozen=True)
class SpeechResumed:
    """Speech came back during the silence window: drop any speculative result."""


@dataclass(frozen=True)
class SpeechStopped:
    audio_end_ms: int
    segment_end_ms: int


VadEvent = SpeechStarted | SilenceProbe | SpeechResumed | SpeechStopped


class _FrameClassifier:
    """Speech/non-speech votes for 30 ms frames; webrtcvad, or energy without it."""

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold
        try:
            import webrtcvad

            self._vad: object | None = webrtcvad.Vad(min(3, int(threshold * 4) + 1))
        except ImportError:  # the offline extra is missing; energy is a usable stand-in
            self._vad = None

    def is_speech(self, frame: Int16Array) -> bool:
        rms = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2)))
        if rms < MIN_SPEECH_RMS:
            return False
        if self._vad is None:
            return rms > MIN_SPEECH_RMS * (2.0 + 8.0 * self._threshold)
        narrow = soxr.resample(frame, INTERNAL_RATE, CLASSIFIER_RATE, quality="QQ")
        return bool(self._vad.is_speech(narrow.astype(np.int16).tobytes(), CLASSIFIER_RATE))  # type: ignore[attr-defined]


class VoiceActivityDetector:
    """Turns a stream of 24 kHz samples into turn events, with times in stream ms."""

    def __init__(self, detection: TurnDetection) -> None:
        self._pending = np.zeros(0, dtype=np.int16)
        self._frame_index = 0
        self.configure(detection)
        self._reset_segment()

    def configure(self, detection: TurnDetection) -> None:
        self._detection = detection
        self._classifier = _FrameClassifier(detection.threshold)
        ratio = 0.5 + 0.3 * detection.threshold
        self._start_votes = math.ceil(ratio * START_WINDOW_FRAMES)
        self._silence_frames_to_stop = max(1, math.ceil(detection.effective_silence_ms / FRAME_MS))
        self._silence_frames_to_probe = max(
            1, min(SPECULATE_AFTER_MS // FRAME_MS, self._silence_frames_to_stop - 1)
        )

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def reset(self) -> None:
        """Forget the current segment (buffer cleared or committed); the clock runs on."""
        self._reset_segment()

    def _reset_segment(self) -> None:
        self._in_speech = False
        self._votes: deque[tuple[int, bool]] = deque(maxlen=START_WINDOW_FRAMES)
        self._silent_frames = 0
        self._last_voiced_frame = -1
        self._probed = False

    def feed(self, samples: Int16Array) -> list[VadEvent]:
        self._pending = np.concatenate((self._pending, samples))
        events: list[VadEvent] = []
        offset = 0
        while len(self._pending) - offset >= FRAME_SAMPLES:
            frame = self._pending[offset : offset + FRAME_SAMPLES]
            offset += FRAME_SAMPLES
            events.extend(self._on_frame(frame))
            self._frame_index += 1
        self._pending = self._pending[offset:]
        return events

    def _on_frame(self, frame: Int16Array) -> list[VadEvent]:
        index = self._frame_index
        voiced = index * FRAME_MS >= WARMUP_MS and self._classifier.is_speech(frame)
        if not self._in_speech:
            self._votes.append((index, voiced))
            if sum(vote for _, vote in self._votes) < self._start_votes:
                return []
            first_voiced = next(i for i, vote in self._votes if vote)
            self._in_speech = True
            self._last_voiced_frame = index
            start_ms = max(0, first_voiced * FRAME_MS - self._detection.prefix_padding_ms)
            return [SpeechStarted(audio_start_ms=start_ms)]
        if voiced:
            self._last_voiced_frame = index
            self._silent_frames = 0
            if self._probed:
                self._probed = False
                return [SpeechResumed()]
            return []
        self._silent_frames += 1
        end_ms = (self._last_voiced_frame + 1) * FRAME_MS
        now_ms = (index + 1) * FRAME_MS
        if self._silent_frames >= self._silence_frames_to_stop:
            self._reset_segment()
            return [SpeechStopped(audio_end_ms=end_ms, segment_end_ms=now_ms)]
        if self._silent_frames == self._silence_frames_to_probe and not self._probed:
            self._probed = True
            return [SilenceProbe(audio_end_ms=end_ms, segment_end_ms=now_ms)]
        return []
