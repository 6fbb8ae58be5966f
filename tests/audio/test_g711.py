"""G.711 against the standard tables, as implemented by the stdlib ``audioop``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from audio_engine import g711

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_PCM = np.arange(65536, dtype=np.uint16).view(np.int16).astype("<i2").tobytes()
ALL_CODES = bytes(range(256))


@pytest.mark.parametrize(
    ("ours", "reference"),
    [(g711.lin2ulaw, audioop.lin2ulaw), (g711.lin2alaw, audioop.lin2alaw)],
)
def test_encoders_match_the_standard_for_every_int16(ours, reference) -> None:
    assert ours(ALL_PCM) == reference(ALL_PCM, 2)


@pytest.mark.parametrize(
    ("ours", "reference"),
    [(g711.ulaw2lin, audioop.ulaw2lin), (g711.alaw2lin, audioop.alaw2lin)],
)
def test_decoders_match_the_standard_for_every_code(ours, reference) -> None:
    assert ours(ALL_CODES) == reference(ALL_CODES, 2)


def test_arrays_in_arrays_out() -> None:
    pcm = np.array([0, 1000, -1000, 32767, -32768], dtype=np.int16)
    codes = g711.lin2ulaw(pcm)
    assert codes.dtype == np.uint8
    decoded = g711.ulaw2lin(codes)
    assert decoded.dtype == np.int16
    assert np.all(np.abs(decoded.astype(int) - pcm) <= np.abs(pcm.astype(int)) // 16 + 8)


def test_odd_byte_count_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.lin2alaw(b"\x00\x01\x02")
