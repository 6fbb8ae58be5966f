"""Wire-format conversion for sessions that do not use 24 kHz PCM16.

The engine itself always speaks 24 kHz mono PCM16 (the Realtime API's
``pcm16``). The network worker owns one ``SessionCodec`` per session and
converts at the edge: ``encode_capture`` before sending, ``decode_playback``
before ``AudioEngine.play``, and ``flush_playback`` at the end of each item
(the resampler holds about 40 ms). G.711 formats are 8 kHz, so they go
through a stateful resampler in each direction (no seams between chunks).
"""

from __future__ import annotations

import numpy as np

from audio_engine import g711
from audio_engine.resample import StreamResampler

ENGINE_RATE = 24000
G711_RATE = 8000
SUPPORTED_FORMATS = ("pcm16", "g711_ulaw", "g711_alaw")


class SessionCodec:
    def __init__(self, audio_format: str = "pcm16") -> None:
        if audio_format not in SUPPORTED_FORMATS:
            raise ValueError(
                f"unsupported audio format {audio_format!r}; expected one of {SUPPORTED_FORMATS}"
            )
        self.audio_format = audio_format
        self._to_wire = StreamResampler(ENGINE_RATE, G711_RATE)
        self._from_wire = StreamResampler(G711_RATE, ENGINE_RATE)

    @property
    def is_passthrough(self) -> bool:
        return self.audio_format == "pcm16"

    def encode_capture(self, pcm: bytes) -> bytes:
        """24 kHz PCM16 from the engine to the session's wire format."""
        if self.is_passthrough:
            return pcm
        narrow = self._to_wire.process(np.frombuffer(pcm, dtype="<i2").astype(np.int16))
        if self.audio_format == "g711_ulaw":
            return bytes(g711.lin2ulaw(narrow))
        return bytes(g711.lin2alaw(narrow))

    def decode_playback(self, payload: bytes) -> bytes:
        """The session's wire format to 24 kHz PCM16 for ``AudioEngine.play``."""
        if self.is_passthrough:
            if len(payload) % 2:
                raise ValueError("pcm16 audio must have an even number of bytes")
            return payload
        codes = np.frombuffer(payload, dtype=np.uint8)
        narrow = g711.ulaw2lin(codes) if self.audio_format == "g711_ulaw" else g711.alaw2lin(codes)
        return self._from_wire.process(narrow).astype("<i2").tobytes()

    def flush_playback(self) -> bytes:
        """The decoded tail the resampler still holds; call when an item's audio is done."""
        if self.is_passthrough:
            return b""
        tail = self._from_wire.process(np.zeros(0, dtype=np.int16), last=True)
        self._from_wire.reset()
        return tail.astype("<i2").tobytes()

    def reset(self) -> None:
        """Forget filter state, e.g. when a response is interrupted."""
        self._to_wire.reset()
        self._from_wire.reset()
