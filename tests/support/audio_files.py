"""Test audio: WAV files at the engine's rate, espeak-ng speech, finding a signal in a recording."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.support.ci import unavailable

RATE = 24000
Samples = npt.NDArray[np.int16]


def write_wav(path: Path, samples: Samples) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(samples.astype("<i2").tobytes())
    return path


def read_wav_samples(path: Path) -> Samples:
    with wave.open(str(path), "rb") as handle:
        assert handle.getframerate() == RATE and handle.getnchannels() == 1
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.int16)


def espeak_wav(
    path: Path,
    text: str,
    voice: str = "en-us",
    words_per_minute: int | None = None,
    pad_s: tuple[float, float] | None = None,
) -> Path:
    """``text`` spoken by espeak-ng into ``path``: 24 kHz mono 16-bit, optionally padded."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        unavailable("espeak-ng and sox are needed to make test speech")
    raw = path.with_name(f"{path.stem}-raw.wav")
    speed = ["-s", str(words_per_minute)] if words_per_minute else []
    subprocess.run(
        ["espeak-ng", "-v", voice, *speed, "-w", str(raw), text], check=True, capture_output=True
    )
    pad = ["pad", str(pad_s[0]), str(pad_s[1])] if pad_s else []
    subprocess.run(
        ["sox", "-V1", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed",
         str(path), *pad],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return path


def find_exact(haystack: Samples, needle: Samples, after: int = 0, probe_len: int = 64) -> int:
    """Where ``needle`` starts in ``haystack`` (at or after ``after``) sample-exactly, or -1.

    The probe is the first ``probe_len`` samples from the needle's first non-zero
    one, so a needle that opens with silence is still found where it starts.
    """
    nonzero = np.flatnonzero(needle)
    if len(nonzero) == 0:
        return -1
    offset = int(nonzero[0])
    probe = needle[offset : offset + probe_len]
    start = after + offset
    candidates = np.flatnonzero(haystack[start : len(haystack) - len(probe) + 1] == probe[0])
    for index in candidates + start:
        if np.array_equal(haystack[index : index + len(probe)], probe):
            return int(index) - offset
    return -1
