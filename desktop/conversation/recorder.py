"""Conversation audio on one timeline: the microphone left, the assistant right.

Microphone chunks (from the sender thread) and output audio (from the receive
thread) are placed by wall-clock time since the recording started, so the
WAV shows who spoke when. Output that was queued but cut off by a barge-in
is removed again.

The recording lives in a file, not in memory (a 24 kHz stereo WAV, about
5.8 MB a minute on disk), so memory stays flat and there is no length limit;
a thread of its own writes it, so a slow disk never holds up the audio. The
file is the conversation's kept audio when the user keeps audio, otherwise an
anonymous temporary file in the user's cache directory (on disk: ``/tmp`` may
be memory) that vanishes when the recording is closed or the app ends.
"""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np
import platformdirs

from desktop import APP_ID
from desktop.conversation.recording_file import (
    BLOCK_FRAMES,
    BYTES_PER_SAMPLE,
    CHANNELS,
    FRAME_BYTES,
    HEADER_BYTES,
    RATE,
    RecordingWriter,
    StereoWavFile,
    repair_wav_header,
)

__all__ = ["RATE", "ConversationRecorder", "default_temp_dir", "repair_wav_header"]


def default_temp_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)) / "recordings"


class ConversationRecorder:
    """Both sides of the conversation in one stereo WAV file; safe across threads.

    ``path`` is where to keep the audio (None: a temporary file, gone when the
    recording is closed). ``full`` turns True if the disk refused a write: the
    recording stops there (what it holds can still be exported) and ``problem``
    says why.
    """

    def __init__(self, path: Path | None = None, *, temp_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._temp_dir = temp_dir
        self._writer: RecordingWriter | None = None
        self._open_problem: str | None = None
        self._start = time.monotonic()
        self._frames = 0
        self._input_end = 0
        self._output_end = 0
        self._open(path)

    # -- where it goes -----------------------------------------------------------------

    @property
    def started_at(self) -> float:
        """When this recording began (``time.monotonic()``): its second 0."""
        return self._start

    @property
    def path(self) -> Path | None:
        """The kept-audio file, or None while recording to a temporary file."""
        writer = self._writer
        return writer.file.path if writer is not None else None

    @property
    def full(self) -> bool:
        writer = self._writer
        return writer.full if writer is not None else self._open_problem is not None

    @property
    def problem(self) -> str | None:
        writer = self._writer
        return writer.problem if writer is not None else self._open_problem

    def restart(self, path: Path | None = None) -> None:
        """Finish the current recording (a kept file stays, complete; a temporary one
        goes) and start a new one into ``path`` (None: a temporary file)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        self._open(path)

    def clear(self) -> None:
        """Forget what was recorded: start again, into a temporary file."""
        self.restart(None)

    def close(self) -> None:
        """Finish the recording (and its thread); a kept file stays, complete."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def _open(self, path: Path | None) -> None:
        try:
            writer: RecordingWriter | None = RecordingWriter(
                StereoWavFile(path, self._temp_dir or default_temp_dir())
            )
            problem = None
        except OSError as exc:
            writer, problem = None, f"Cannot record the conversation audio: {exc}"
        with self._lock:
            self._start = time.monotonic()
            self._frames = self._input_end = self._output_end = 0
            self._writer, self._open_problem = writer, problem

    # -- recording (any thread) ----------------------------------------------------------

    def _offset(self, at: float | None) -> int:
        seconds = (time.monotonic() if at is None else at) - self._start
        return max(0, int(seconds * RATE))

    def add_input(self, pcm: bytes, at: float | None = None) -> None:
        """A microphone chunk that ended at ``at`` (monotonic seconds)."""
        frames = len(pcm) // BYTES_PER_SAMPLE
        with self._lock:
            if self._writer is None or frames == 0:
                return
            position = max(self._input_end, self._offset(at) - frames)
            self._writer.write(0, position, pcm)
            self._input_end = position + frames
            self._frames = max(self._frames, self._input_end)

    def add_output(self, pcm: bytes, at: float | None = None) -> None:
        """Assistant audio queued for playback at ``at``; it follows what is queued."""
        frames = len(pcm) // BYTES_PER_SAMPLE
        with self._lock:
            if self._writer is None or frames == 0:
                return
            position = max(self._output_end, self._offset(at))
            self._writer.write(1, position, pcm)
            self._output_end = position + frames
            self._frames = max(self._frames, self._output_end)

    def cut_output(self, at: float | None = None) -> None:
        """Playback stopped at ``at``: drop the assistant audio queued beyond it."""
        with self._lock:
            cut = self._offset(at)
            if self._writer is not None:
                self._writer.silence(1, cut, self._output_end)
            self._output_end = min(self._output_end, cut)

    def flush(self) -> None:
        """Wait until everything recorded so far is in the file."""
        writer = self._writer
        if writer is not None:
            writer.drain()

    # -- what there is -----------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        with self._lock:
            return self._frames / RATE

    @property
    def size_bytes(self) -> int:
        """How much the recording takes on disk (header included), for display."""
        with self._lock:
            return HEADER_BYTES + self._frames * FRAME_BYTES if self._writer else 0

    def export_wav(self, path: Path, stereo: bool = True) -> Path:
        """Write a 24 kHz 16-bit WAV: stereo (L=you, R=assistant) or a mono mix.

        It is copied a block at a time, so memory stays small however long the
        conversation, and the audio threads go on recording meanwhile.
        """
        with self._lock:
            writer, total = self._writer, self._frames
        if writer is not None:
            writer.drain()
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(CHANNELS if stereo else 1)
            wav.setsampwidth(BYTES_PER_SAMPLE)
            wav.setframerate(RATE)
            for start in range(0, total, BLOCK_FRAMES):
                count = min(BLOCK_FRAMES, total - start)
                if writer is None:
                    block = bytes(count * FRAME_BYTES)
                else:
                    block = writer.read_frames(start, count)
                if not stereo:
                    pairs = np.frombuffer(block, dtype="<i2").reshape(-1, CHANNELS)
                    mixed = pairs.astype(np.int32).sum(axis=1)
                    block = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()
                wav.writeframes(block)
        return path
