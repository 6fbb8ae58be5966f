"""G.711 µ-law and A-law in numpy, bit-exact with the classic Sun reference tables.

Encoding goes through a 65,536-entry lookup table built once from the reference
algorithm (14-bit magnitude with bias 0x84 for µ-law, 13-bit for A-law), so an
encode is a single fancy-index. Decoding uses the 256-entry tables. Functions
accept ``bytes`` or numpy arrays and return the same kind.
"""

from __future__ import annotations

from functools import lru_cache
from typing import overload

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]
UInt8Array = npt.NDArray[np.uint8]

_ULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159


def _all_int16() -> npt.NDArray[np.int32]:
    # Index i of an encode table is the int16 whose bit pattern is i.
    return np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32)


@lru_cache(maxsize=1)
def _ulaw_encode_table() -> UInt8Array:
    pcm = _all_int16() >> 2
    negative = pcm < 0
    magnitude = np.minimum(np.where(negative, -pcm, pcm), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    mask = np.where(negative, 0x7F, 0xFF)
    segment = np.searchsorted(_ULAW_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0xF)
    code = np.where(segment >= 8, 0x7F, code)
    return np.asarray((code ^ mask) & 0xFF, dtype=np.uint8)


@lru_cache(maxsize=1)
def _alaw_encode_table() -> UInt8Array:
    pcm = _all_int16() >> 3
    negative = pcm < 0
    magnitude = np.where(negative, -pcm - 1, pcm)
    mask = np.where(negative, 0x55, 0xD5)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, magnitude, side="left")
    shift = np.where(segment < 2, 1, segment)
    code = (segment << 4) | ((magnitude >> shift) & 0xF)
    code = np.where(segment >= 8, 0x7F, code)
    return np.asarray((code ^ mask) & 0xFF, dtype=np.uint8)


@lru_cache(maxsize=1)
def _ulaw_decode_table() -> Int16Array:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << ((code & 0x70) >> 4)
    linear = np.where(code & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS)
    return linear.astype(np.int16)


@lru_cache(maxsize=1)
def _alaw_decode_table() -> Int16Array:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (code & 0x70) >> 4
    magnitude = (code & 0x0F) << 4
    magnitude = np.where(segment == 0, magnitude + 8, magnitude + 0x108)
    magnitude = np.where(segment > 1, magnitude << np.maximum(segment - 1, 0), magnitude)
    linear = np.where(code & 0x80, magnitude, -magnitude)
    return linear.astype(np.int16)


def _as_int16(pcm: bytes | Int16Array) -> Int16Array:
    if isinstance(pcm, bytes | bytearray | memoryview):
        if len(pcm) % 2:
            raise ValueError(f"PCM16 input must have an even number of bytes, got {len(pcm)}")
        return np.frombuffer(pcm, dtype="<i2").astype(np.int16, copy=False)
    return np.asarray(pcm, dtype=np.int16)


def _as_codes(codes: bytes | UInt8Array) -> UInt8Array:
    if isinstance(codes, bytes | bytearray | memoryview):
        return np.frombuffer(codes, dtype=np.uint8)
    return np.asarray(codes, dtype=np.uint8)


@overload
def lin2ulaw(pcm: bytes) -> bytes: ...
@overload
def lin2ulaw(pcm: Int16Array) -> UInt8Array: ...
def lin2ulaw(pcm: bytes | Int16Array) -> bytes | UInt8Array:
    """Encode 16-bit linear PCM to µ-law codes (one byte per sample)."""
    codes = _ulaw_encode_table()[_as_int16(pcm).view(np.uint16)]
    return codes.tobytes() if isinstance(pcm, bytes) else codes


@overload
def lin2alaw(pcm: bytes) -> bytes: ...
@overload
def lin2alaw(pcm: Int16Array) -> UInt8Array: ...
def lin2alaw(pcm: bytes | Int16Array) -> bytes | UInt8Array:
    """Encode 16-bit linear PCM to A-law codes (one byte per sample)."""
    codes = _alaw_encode_table()[_as_int16(pcm).view(np.uint16)]
    return codes.tobytes() if isinstance(pcm, bytes) else codes


@overload
def ulaw2lin(codes: bytes) -> bytes: ...
@overload
def ulaw2lin(codes: UInt8Array) -> Int16Array: ...
def ulaw2lin(codes: bytes | UInt8Array) -> bytes | Int16Array:
    """Decode µ-law codes to 16-bit linear PCM (little-endian when bytes)."""
    pcm = _ulaw_decode_table()[_as_codes(codes)]
    return pcm.astype("<i2").tobytes() if isinstance(codes, bytes) else pcm


@overload
def alaw2lin(codes: bytes) -> bytes: ...
@overload
def alaw2lin(codes: UInt8Array) -> Int16Array: ...
def alaw2lin(codes: bytes | UInt8Array) -> bytes | Int16Array:
    """Decode A-law codes to 16-bit linear PCM (little-endian when bytes)."""
    pcm = _alaw_decode_table()[_as_codes(codes)]
    return pcm.astype("<i2").tobytes() if isinstance(codes, bytes) else pcm
