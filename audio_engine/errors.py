"""Typed errors raised by the audio engine."""

from __future__ import annotations


class AudioDeviceError(RuntimeError):
    """No usable audio device, or a device could not be opened.

    The message is meant for people: it names the device and the likely cause.
    """
