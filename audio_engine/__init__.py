"""Parley's audio engine: PortAudio capture and playback with Qt signals.

Public API::

    from audio_engine import AudioEngine, AudioDevice, AudioDeviceError, list_devices
"""

from audio_engine.codec import SessionCodec
from audio_engine.devices import (
    AudioDevice,
    list_devices,
    list_input_devices,
    list_output_devices,
)
from audio_engine.engine import SAMPLE_RATE, AudioEngine
from audio_engine.errors import AudioDeviceError

__all__ = [
    "SAMPLE_RATE",
    "AudioDevice",
    "AudioDeviceError",
    "AudioEngine",
    "SessionCodec",
    "list_devices",
    "list_input_devices",
    "list_output_devices",
]
