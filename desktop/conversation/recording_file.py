"""Conversation audio on disk: a stereo WAV written in place, by a thread of its own.

:class:`StereoWavFile` is a 24 kHz 16-bit stereo WAV whose two channels are
written separately (the microphone left, the assistant right), at any frame.
Its header is brought up to date every few seconds of new audio, so a crash
leaves a playable file at most that much short (and :func:`repair_wav_header`
makes it whole).

:class:`RecordingWriter` owns one such file and a thread that does its writes:
the audio threads only queue bytes, so a slow or stalled disk never delays the
microphone on its way to the server or the reply on its way to the speakers.
"""

from __future__ import annotations

import contextlib
import logging
import struct
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

log = logging.getLogger(__name__)

RATE = 24000
BYTES_PER_SAMPLE = 2
CHANNELS = 2
FRAME_BYTES = BYTES_PER_SAMPLE * CHANNELS
HEADER_BYTES = 44
#: The header is brought up to date after this much new audio (and on close).
HEADER_EVERY_FRAMES = 5 * RATE
#: Zeroing and reading go through the file in blocks of this many frames.
BLOCK_FRAMES = RATE
#: Audio waiting for a stalled disk beyond this is let go (and the user told).
MAX_QUEUED_BYTES = 30 * RATE * BYTES_PER_SAMPLE * CHANNELS


class StereoWavFile:
    """One recording's file: ``path``, or an anonymous temporary file in ``temp_dir``
    (removed by the operating system when closed, even after a crash)."""

    def __init__(self, path: Path | None, temp_dir: Path) -> None:
        if path is None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self._handle: BinaryIO = tempfile.TemporaryFile(  # noqa: SIM115 (kept open)
                prefix="parley-recording-", suffix=".wav", dir=temp_dir, buffering=0
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(path, "w+b", buffering=0)  # noqa: SIM115 (kept open)
        self.path = path
        self.frames = 0
        self._header_frames = 0
        self._handle.write(wav_header(0))

    def write_channel(self, channel: int, position: int, pcm: bytes) -> None:
        """Put ``pcm`` (mono PCM16) into ``channel`` from frame ``position``, keeping
        the other channel as it is. Raises OSError."""
        frames = len(pcm) // BYTES_PER_SAMPLE
        if frames == 0:
            return
        stereo = np.zeros((frames, CHANNELS), dtype="<i2")
        overlap = min(frames, self.frames - position)
        offset = HEADER_BYTES + position * FRAME_BYTES
        if overlap > 0:
            self._handle.seek(offset)
            existing = _read_exactly(self._handle, overlap * FRAME_BYTES)
            stereo[:overlap] = np.frombuffer(existing, dtype="<i2").reshape(-1, CHANNELS)
        stereo[:, channel] = np.frombuffer(pcm, dtype="<i2", count=frames)
        self._handle.seek(offset)
        self._handle.write(stereo.tobytes())
        self.frames = max(self.frames, position + frames)
        if self.frames - self._header_frames >= HEADER_EVERY_FRAMES:
            self.write_header()

    def zero_channel(self, channel: int, start: int, end: int) -> None:
        """Silence ``channel`` over frames [start, end) (what the file holds of them)."""
        end = min(end, self.frames)
        for block in range(start, end, BLOCK_FRAMES):
            count = min(BLOCK_FRAMES, end - block)
            self.write_channel(channel, block, bytes(count * BYTES_PER_SAMPLE))

    def read_frames(self, start: int, count: int) -> bytes:
        """``count`` stereo frames from ``start``; silence where nothing was written."""
        self._handle.seek(HEADER_BYTES + start * FRAME_BYTES)
        return _read_exactly(self._handle, count * FRAME_BYTES)

    def write_header(self) -> None:
        self._handle.seek(0)
        self._handle.write(wav_header(self.frames))
        self._header_frames = self.frames

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.write_header()
        self._handle.close()


@dataclass(frozen=True)
class _Write:
    channel: int
    position: int
    pcm: bytes


@dataclass(frozen=True)
class _Silence:
    channel: int
    start: int
    end: int


class RecordingWriter:
    """Queues writes for a :class:`StereoWavFile` and does them on its own thread.

    ``problem`` is set (and writing stops) if the disk refuses a write; ``full`` then
    turns True. The thread sleeps while there is nothing to write.
    """

    def __init__(self, file: StereoWavFile) -> None:
        self.file = file
        self.full = False
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs: deque[_Write | _Silence] = deque()
        self._queued_bytes = 0
        self._busy = False
        self._stopping = False
        self._file_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="parley-recorder", daemon=True)
        self._thread.start()

    def write(self, channel: int, position: int, pcm: bytes) -> None:
        """Queue ``pcm`` for ``channel`` at frame ``position`` (never blocks on the disk)."""
        with self._lock:
            if self.full or self._stopping:
                return
            if self._queued_bytes + len(pcm) > MAX_QUEUED_BYTES:
                self._refuse("Recording stopped: the disk is not keeping up.")
                return
            self._jobs.append(_Write(channel, position, bytes(pcm)))
            self._queued_bytes += len(pcm)
            self._changed.notify_all()

    def silence(self, channel: int, start: int, end: int) -> None:
        with self._lock:
            if not self.full and not self._stopping and end > start:
                self._jobs.append(_Silence(channel, start, end))
                self._changed.notify_all()

    def drain(self) -> None:
        """Wait until every queued write is on disk."""
        with self._lock:
            while self._jobs or self._busy:
                self._changed.wait()

    def read_frames(self, start: int, count: int) -> bytes:
        """Frames as written so far (call :meth:`drain` first to include queued ones)."""
        with self._file_lock:
            try:
                return self.file.read_frames(start, count)
            except (OSError, ValueError):
                return bytes(count * FRAME_BYTES)

    def close(self) -> None:
        """Write what is queued, complete the file's header and close it."""
        self.drain()
        with self._lock:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()
        with self._file_lock:
            self.file.close()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._stopping:
                    self._changed.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                self._busy = True
            try:
                with self._file_lock:
                    if isinstance(job, _Write):
                        self.file.write_channel(job.channel, job.position, job.pcm)
                    else:
                        self.file.zero_channel(job.channel, job.start, job.end)
            except OSError as exc:
                with self._lock:
                    self._refuse(f"Recording stopped: {exc.strerror or exc}")
            finally:
                with self._lock:
                    self._busy = False
                    if isinstance(job, _Write):
                        self._queued_bytes -= len(job.pcm)
                    self._changed.notify_all()

    def _refuse(self, problem: str) -> None:
        """(With the lock held.) Stop writing; what is on disk stays exportable."""
        if not self.full:
            log.warning("%s", problem)
        self.full, self.problem = True, problem
        self._jobs.clear()
        self._queued_bytes = 0


def _read_exactly(handle: BinaryIO, size: int) -> bytes:
    """``size`` bytes from the current position; zeros where the file is shorter."""
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = handle.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    return data + bytes(size - len(data))


def wav_header(frames: int, channels: int = CHANNELS) -> bytes:
    data_bytes = frames * channels * BYTES_PER_SAMPLE
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        channels,
        RATE,
        RATE * channels * BYTES_PER_SAMPLE,
        channels * BYTES_PER_SAMPLE,
        BYTES_PER_SAMPLE * 8,
        b"data",
        data_bytes,
    )


def repair_wav_header(path: Path) -> float:
    """Make a kept recording's header match its data (after a crash); its seconds."""
    with open(path, "r+b") as handle:
        size = handle.seek(0, 2)
        frames = max(0, size - HEADER_BYTES) // FRAME_BYTES
        handle.seek(0)
        handle.write(wav_header(frames))
    return frames / RATE
