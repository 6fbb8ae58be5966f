"""Parley's audio engine: PortAudio capture and playback with Qt signals.

Everything is 24 kHz mono PCM16 (the Realtime API's ``pcm16``)::

    from audio_engine import AudioEngine, AudioDeviceError, SessionCodec, list_devices

    engine = AudioEngine(input_device=None, output_device=None, chunk_ms=20)
    engine.start()                        # GUI thread; raises AudioDeviceError
    chunk = engine.read_chunk(0.1)        # network sender thread: bytes | None
    engine.play(item_id, pcm)             # network receiver thread
    engine.finish_item(item_id)           # on response.output_audio.done
    item_id, ms = engine.interrupt()      # barge-in: truncate item_id at ms
    engine.stop()

``SessionCodec`` converts to and from G.711 sessions at the network edge;
``audio_engine.echo`` holds the optional WebRTC AEC3 echo canceller that
``AudioEngine.set_echo_cancellation`` switches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audio_engine.codec import SessionCodec
    from audio_engine.devices import (
        AudioDevice,
        list_devices,
        list_input_devices,
        list_output_devices,
    )
    from audio_engine.echo import EchoMode
    from audio_engine.engine import SAMPLE_RATE, AudioEngine
    from audio_engine.errors import AudioDeviceError

# Imported on first use, so that Qt-free users of the pure-numpy modules
# (``audio_engine.g711``, the offline engine) do not load Qt and PortAudio.
_EXPORTS = {
    "SessionCodec": "audio_engine.codec",
    "AudioDevice": "audio_engine.devices",
    "list_devices": "audio_engine.devices",
    "list_input_devices": "audio_engine.devices",
    "list_output_devices": "audio_engine.devices",
    "EchoMode": "audio_engine.echo",
    "SAMPLE_RATE": "audio_engine.engine",
    "AudioEngine": "audio_engine.engine",
    "AudioDeviceError": "audio_engine.errors",
}

__all__ = [
    "SAMPLE_RATE",
    "AudioDevice",
    "AudioDeviceError",
    "AudioEngine",
    "EchoMode",
    "SessionCodec",
    "list_devices",
    "list_input_devices",
    "list_output_devices",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'audio_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
