"""Which device each stream opens, and how it reaches the device the user chose.

With a PulseAudio or PipeWire server, PortAudio opens the ALSA ``pulse``
device and the server decides where the audio goes. A stream reaches a chosen
sink or source because the ALSA plugin creates its server connection when the
stream is opened, and libpulse reads ``PULSE_SINK`` / ``PULSE_SOURCE`` at that
moment: ``routed`` sets the variable around the open and puts it back. The
plugin reconnects on every restart of the stream with what it read at the
open, so a stream stays on its device until it is reopened.

Without a sound server (Windows, macOS, plain ALSA), the device is PortAudio's
own, chosen by its name as before.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from audio_engine.devices import AudioDevice, Direction, choose_device
from audio_engine.errors import AudioDeviceError
from audio_engine.sound_server import ServerSnapshot

SERVER_PORTAL = "pulse"  # the ALSA PCM that goes through the sound server
# Device names that earlier versions saved, which only ever meant "the server's default".
PORTAUDIO_DEFAULTS = frozenset({"pulse", "default", "sysdefault"})
_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
_env_lock = threading.Lock()


@dataclass(frozen=True)
class Route:
    """Where one direction's stream goes."""

    direction: Direction
    device: AudioDevice  # what PortAudio opens
    server_device: str | None  # the server's sink/source; None follows the server's default
    label: str  # what people see: the server's description, or PortAudio's name
    wanted: str  # what the settings asked for ("" for the default)
    notice: str | None = None  # why the wanted device is not the one in use

    @property
    def fell_back(self) -> bool:
        """A device was asked for, and the default is used because it is missing."""
        return self.notice is not None

    @property
    def through_server(self) -> bool:
        return self.device.name == SERVER_PORTAL and self.device.host_api == "ALSA"


def server_portal(devices: list[AudioDevice], direction: Direction) -> AudioDevice | None:
    """PortAudio's ALSA ``pulse`` device for ``direction``, if this system has one."""
    return next(
        (
            device
            for device in devices
            if device.name == SERVER_PORTAL and device.host_api == "ALSA"
            and device.supports(direction)
        ),
        None,
    )  # fmt: skip


def _kind(direction: Direction) -> str:
    return "microphone" if direction == "input" else "speaker"


def plan_route(
    devices: list[AudioDevice],
    snapshot: ServerSnapshot | None,
    wanted: str | None,
    direction: Direction,
) -> Route:
    """The route for ``direction``: the wanted device, else the default with a notice.

    Raises AudioDeviceError when there is no usable device at all.
    """
    wanted = wanted or ""
    portal = server_portal(devices, direction) if snapshot is not None else None
    if snapshot is None or portal is None:
        choice = choose_device(devices, wanted or None, direction)
        return Route(direction, choice.device, None, choice.device.name, wanted, choice.notice)
    if not snapshot.devices(direction):
        raise AudioDeviceError(
            f"The sound server ({snapshot.server}) has no {_kind(direction)} right now."
        )
    default = snapshot.default(direction)
    default_label = default.description if default is not None else "the system default"
    if not wanted or wanted in PORTAUDIO_DEFAULTS:
        return Route(direction, portal, None, default_label, wanted)
    found = snapshot.find(direction, wanted)
    if found is not None:
        return Route(direction, portal, found.name, found.description, wanted)
    notice = (
        f"The {_kind(direction)} {wanted!r} is not connected; using the default "
        f"{default_label!r} until it is back."
    )
    return Route(direction, portal, None, default_label, wanted, notice)


@contextmanager
def routed(route: Route) -> Iterator[None]:
    """Open a stream inside this block and the server sends it to ``route``'s device.

    Only the thread that opens streams (the engine's) uses this; the lock
    keeps two openings from mixing their variables.
    """
    if route.server_device is None or not route.through_server:
        yield
        return
    key = _ENV[route.direction]
    with _env_lock:
        previous = os.environ.get(key)
        os.environ[key] = route.server_device
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = previous
