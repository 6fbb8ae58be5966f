"""Conversion between wire audio formats and the engine's internal 24 kHz PCM16."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

from audio_engine import g711
from desktop.protocol import G711_RATE, PCM_RATE

Int16Array = npt.NDArray[np.int16]
INTERNAL_RATE = PCM_RATE


def resample(samples: Int16Array, from_rate: int, to_rate: int) -> Int16Array:
    if from_rate == to_rate or samples.size == 0:
        return samples
    result: Int16Array = soxr.resample(samples, from_rate, to_rate, quality="HQ")
    return result


def decode_input(data: bytes, audio_format: str) -> Int16Array:
    """Wire bytes in ``audio_format`` (flat name) to 24 kHz PCM16 samples."""
    if audio_format == "g711_ulaw":
        return resample(
            g711.ulaw2lin(np.frombuffer(data, dtype=np.uint8)), G711_RATE, INTERNAL_RATE
        )
    if audio_format == "g711_alaw":
        return resample(
            g711.alaw2lin(np.frombuffer(data, dtype=np.uint8)), G711_RATE, INTERNAL_RATE
        )
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype="<i2").astype(np.int16)


def encode_output(samples: Int16Array, audio_format: str) -> bytes:
    """24 kHz PCM16 samples to wire bytes in ``audio_format`` (flat name)."""
    if audio_format == "g711_ulaw":
        return g711.lin2ulaw(resample(samples, INTERNAL_RATE, G711_RATE)).tobytes()
    if audio_format == "g711_alaw":
        return g711.lin2alaw(resample(samples, INTERNAL_RATE, G711_RATE)).tobytes()
    return samples.astype("<i2").tobytes()


def samples_to_ms(sample_count: int) -> int:
    return sample_count * 1000 // INTERNAL_RATE


def ms_to_samples(ms: int) -> int:
    return ms * INTERNAL_RATE // 1000
