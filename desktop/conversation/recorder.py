"""Conversation audio on one timeline: the microphone left, the assistant right.

Microphone chunks (from the sender thread) and output audio (from the receive
thread) are placed by wall-clock time since the recording started, so the
WAV shows who spoke when. Output that was queued but cut off by a barge-in
is removed again. Memory is bounded: recording stops at ``max_seconds``.
"""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np

RATE = 24000
_BYTES_PER_SAMPLE = 2


class ConversationRecorder:
    def __init__(self, max_seconds: float = 20 * 60) -> None:
        self._lock = threading.Lock()
        self._max_bytes = int(max_seconds * RATE) * _BYTES_PER_SAMPLE
        self._start = time.monotonic()
        self._tracks = (bytearray(), bytearray())
        self._output_end = 0
        self.full = False

    def _offset(self, at: float | None) -> int:
        seconds = (time.monotonic() if at is None else at) - self._start
        return max(0, int(seconds * RATE)) * _BYTES_PER_SAMPLE

    def add_input(self, pcm: bytes, at: float | None = None) -> None:
        """A microphone chunk that ended at ``at`` (monotonic seconds)."""
        with self._lock:
            track = self._tracks[0]
            position = max(len(track), self._offset(at) - len(pcm))
            self._write(track, position, pcm)

    def add_output(self, pcm: bytes, at: float | None = None) -> None:
        """Assistant audio queued for playback at ``at``; it follows what is queued."""
        with self._lock:
            position = max(self._output_end, self._offset(at))
            if self._write(self._tracks[1], position, pcm):
                self._output_end = position + len(pcm) - len(pcm) % 2

    def cut_output(self, at: float | None = None) -> None:
        """Playback stopped at ``at``: drop the assistant audio queued beyond it."""
        with self._lock:
            cut = self._offset(at)
            track = self._tracks[1]
            if cut < len(track):
                track[cut:] = bytes(len(track) - cut)
            self._output_end = min(self._output_end, cut)

    def _write(self, track: bytearray, position: int, pcm: bytes) -> bool:
        position -= position % 2
        end = position + len(pcm) - len(pcm) % 2
        if end > self._max_bytes:
            self.full = True
            return False
        if len(track) < end:
            track.extend(bytes(end - len(track)))
        track[position:end] = pcm[: end - position]
        return True

    @property
    def duration_s(self) -> float:
        with self._lock:
            return max(len(t) for t in self._tracks) / _BYTES_PER_SAMPLE / RATE

    def clear(self) -> None:
        with self._lock:
            for track in self._tracks:
                track.clear()
            self._output_end = 0
            self._start = time.monotonic()
            self.full = False

    def export_wav(self, path: Path, stereo: bool = True) -> Path:
        """Write a 24 kHz 16-bit WAV: stereo (L=you, R=assistant) or a mono mix."""
        with self._lock:
            length = max(len(t) for t in self._tracks) // _BYTES_PER_SAMPLE
            mic, out = (
                np.pad(np.frombuffer(bytes(t), dtype="<i2"), (0, length - len(t) // 2))
                for t in self._tracks
            )
        if stereo:
            frames = np.empty(length * 2, dtype="<i2")
            frames[0::2], frames[1::2] = mic, out
            channels = 2
        else:
            mixed = mic.astype(np.int32) + out.astype(np.int32)
            frames = np.clip(mixed, -32768, 32767).astype("<i2")
            channels = 1
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(channels)
            wav.setsampwidth(_BYTES_PER_SAMPLE)
            wav.setframerate(RATE)
            wav.writeframes(frames.tobytes())
        return path
