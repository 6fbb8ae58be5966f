"""Listing and choosing PortAudio devices.

PortAudio only rescans devices in ``Pa_Initialize``, so every listing creates a
fresh ``pyaudio.PyAudio`` (the engine does the same when it restarts). On Linux
through PulseAudio, PortAudio shows only the ALSA ``pulse`` and ``default``
devices; the server's own default sink and source decide the real device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pyaudio

from audio_engine.errors import AudioDeviceError
from audio_engine.quiet import silence_native_audio_errors

Direction = Literal["input", "output"]


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float
    is_default_input: bool = False
    is_default_output: bool = False

    def supports(self, direction: Direction) -> bool:
        channels = self.max_input_channels if direction == "input" else self.max_output_channels
        return channels > 0


@dataclass(frozen=True)
class DeviceChoice:
    device: AudioDevice
    notice: str | None  # set when the requested device was missing


def open_portaudio() -> pyaudio.PyAudio:
    """A freshly initialised PortAudio (which rescans devices), without stderr noise."""
    silence_native_audio_errors()
    return pyaudio.PyAudio()


def _default_index(pa: pyaudio.PyAudio, direction: Direction) -> int | None:
    try:
        info: dict[str, Any] = (
            pa.get_default_input_device_info()
            if direction == "input"
            else pa.get_default_output_device_info()
        )
    except OSError:
        return None
    return int(info["index"])


def devices_from(pa: pyaudio.PyAudio) -> list[AudioDevice]:
    default_in = _default_index(pa, "input")
    default_out = _default_index(pa, "output")
    devices = []
    for index in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(index)
        api = pa.get_host_api_info_by_index(int(info["hostApi"]))
        devices.append(
            AudioDevice(
                index=index,
                name=str(info["name"]),
                host_api=str(api["name"]),
                max_input_channels=int(info["maxInputChannels"]),
                max_output_channels=int(info["maxOutputChannels"]),
                default_sample_rate=float(info["defaultSampleRate"]),
                is_default_input=index == default_in,
                is_default_output=index == default_out,
            )
        )
    return devices


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio sees now (a fresh scan)."""
    pa = open_portaudio()
    try:
        return devices_from(pa)
    finally:
        pa.terminate()


def list_input_devices() -> list[AudioDevice]:
    return [device for device in list_devices() if device.supports("input")]


def list_output_devices() -> list[AudioDevice]:
    return [device for device in list_devices() if device.supports("output")]


def choose_device(
    devices: list[AudioDevice], name: str | None, direction: Direction
) -> DeviceChoice:
    """The device called ``name``, else the default for ``direction`` with a notice.

    Raises AudioDeviceError when there is no usable device at all.
    """
    usable = [device for device in devices if device.supports(direction)]
    if not usable:
        raise AudioDeviceError(
            f"No audio {direction} device found. Is a sound server (PulseAudio or PipeWire) "
            "running, and is a device connected?"
        )
    default = next(
        (
            device
            for device in usable
            if (device.is_default_input if direction == "input" else device.is_default_output)
        ),
        usable[0],
    )
    if name is None or name == "":
        return DeviceChoice(default, None)
    for device in usable:
        if device.name == name:
            return DeviceChoice(device, None)
    notice = (
        f"The saved audio {direction} device {name!r} is not available; "
        f"using the default {default.name!r} instead."
    )
    return DeviceChoice(default, notice)
