"""Speech files and a sink recorder for the app's audio tests (PulseAudio virtual devices)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.support.audio_files import espeak_wav, find_exact

RATE = 24000
Samples = npt.NDArray[np.int16]


def make_speech(folder: Path, text: str, name: str) -> Path:
    """``text`` spoken by espeak-ng, as a 24 kHz mono 16-bit WAV with a little silence."""
    return espeak_wav(folder / f"{name}.wav", text, words_per_minute=150, pad_s=(0.2, 0.8))


def play_into_microphone(path: Path) -> subprocess.Popen[bytes]:
    """Play ``path`` into the virtual microphone (parley_micfeed feeds parley_mic)."""
    return subprocess.Popen(["paplay", "-d", "parley_micfeed", str(path)])


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as handle:
        return float(handle.getnframes() / handle.getframerate())


def matched_prefix(recorded: Samples, start: int, reference: Samples) -> int:
    """How many samples of ``reference`` appear sample-exactly from ``start`` on."""
    window = recorded[start : start + len(reference)]
    differs = np.flatnonzero(window != reference[: len(window)])
    return int(differs[0]) if len(differs) else len(window)


def heard_blocks(recorded: Samples, reference: Samples, block: int = 480) -> list[tuple[int, int]]:
    """(index in ``reference``, index in ``recorded``) of the reference's non-silent
    blocks found sample-exactly in ``recorded``, in order. Block-wise, so an underrun
    gap or a mixed-in sound on a shared sound server costs only the blocks it touches."""
    found: list[tuple[int, int]] = []
    position = 0
    for start in range(0, len(reference) - block + 1, block):
        probe = reference[start : start + block]
        if np.count_nonzero(probe) < block // 2:
            continue
        index = find_exact(recorded[position:], probe, probe_len=block)
        if index >= 0:
            found.append((start, position + index))
            position += index + block
    return found


def audible_blocks(reference: Samples, block: int = 480) -> int:
    return sum(
        1
        for start in range(0, len(reference) - block + 1, block)
        if np.count_nonzero(reference[start : start + block]) >= block // 2
    )
