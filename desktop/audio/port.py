"""What the conversation asks of the audio engine, typed, and a stand-in without a device.

``audio_engine.AudioEngine`` implements :class:`AudioPort`; the controller, the
receiver and sender threads and the barge-in path see only this. The engine's
Qt signals (levels, ``playback_drained``, ``device_error``) are wired by the
app, which holds the engine itself. :class:`NullAudio` is the port with no
device: it captures nothing and plays into nowhere (tests build on it).
"""

from __future__ import annotations

import threading
from typing import Protocol

#: The level a silent (or absent) stream reports, in dBFS.
SILENCE_DBFS = -120.0


class AudioPort(Protocol):
    """The audio engine as the conversation uses it. Each method says its thread."""

    def read_chunk(self, timeout: float) -> bytes | None:
        """Sender thread: the next captured chunk, or None after ``timeout`` seconds."""
        ...

    def wake_reader(self) -> None:
        """Any thread: end a ``read_chunk`` wait now (a command is queued)."""
        ...

    def want_capture(self, reason: str, wanted: bool) -> None:
        """Any thread: ask for the microphone (``reason`` names who asks) or give it up."""
        ...

    def play(self, item_id: str, pcm: bytes) -> bool:
        """Receiver thread: queue 24 kHz PCM16 of ``item_id``; False if it was dropped."""
        ...

    def finish_item(self, item_id: str) -> None:
        """Receiver thread: no more audio comes for ``item_id``."""
        ...

    def interrupt(self) -> tuple[str | None, int]:
        """Any thread: stop playback now; the item cut off and how many ms of it were heard."""
        ...

    @property
    def is_playing(self) -> bool:
        """Any thread: whether assistant audio is being played."""
        ...

    def recent_levels(self, window_ms: int = 300) -> tuple[float, float]:
        """Any thread: microphone and played RMS in dBFS over the last ``window_ms``."""
        ...

    def set_headset_mode(self, enabled: bool) -> None:
        """GUI thread: no echo path (no echo cancellation) when on."""
        ...

    def set_noise_suppression(self, enabled: bool) -> None:
        """GUI thread: suppress steady background noise in the microphone."""
        ...


class NullAudio:
    """An :class:`AudioPort` without a device: silence in, nothing out.

    ``read_chunk`` waits like a real microphone that hears nothing, so the
    sender's loop keeps its pace; ``wake_reader`` ends the wait.
    """

    def __init__(self) -> None:
        self._wake = threading.Event()
        self.headset_mode = False
        self.noise_suppression = False

    def read_chunk(self, timeout: float) -> bytes | None:
        self._wake.wait(timeout)
        self._wake.clear()
        return None

    def wake_reader(self) -> None:
        self._wake.set()

    def want_capture(self, reason: str, wanted: bool) -> None:
        pass

    def play(self, item_id: str, pcm: bytes) -> bool:
        return True

    def finish_item(self, item_id: str) -> None:
        pass

    def interrupt(self) -> tuple[str | None, int]:
        return None, 0

    @property
    def is_playing(self) -> bool:
        return False

    def recent_levels(self, window_ms: int = 300) -> tuple[float, float]:
        return SILENCE_DBFS, SILENCE_DBFS

    def set_headset_mode(self, enabled: bool) -> None:
        self.headset_mode = enabled

    def set_noise_suppression(self, enabled: bool) -> None:
        self.noise_suppression = enabled
