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
