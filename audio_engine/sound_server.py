"""The sound server's own view of the devices (PulseAudio, or PipeWire through its Pulse interface).

Through the ALSA ``pulse`` plugin, PortAudio sees only two devices, ``pulse``
and ``default``; the speakers, headsets and microphones a person owns are the
sound server's sinks and sources. This module asks the server for them, by
their stable names (``alsa_output.usb-…analog-stereo``) and their descriptions
("USB Headset"), through libpulse (the ``pulsectl`` binding). No Qt here.

Every call opens its own short connection: a listing is a few milliseconds on
a local socket, and a connection per call can be used from any thread.
``pulsectl`` is imported lazily: on Windows and macOS, or without libpulse, it
is simply absent and callers fall back to PortAudio's own device names.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

log = logging.getLogger(__name__)

Direction = Literal["input", "output"]
CONNECT_TIMEOUT_S = 1.0
_NO_INDEX = 0xFFFFFFFF  # PA_INVALID_INDEX: a source that monitors no sink
_MISSING: list[ModuleType | None] = []
_CONNECTION: list[Any] = []


def pulsectl_module() -> ModuleType | None:
    """The pulsectl module, or None when it or libpulse is not installed."""
    if not _MISSING:
        try:
            _MISSING.append(importlib.import_module("pulsectl"))
        except (ImportError, OSError) as exc:  # OSError: libpulse.so.0 is not there
            log.info("no sound server device list (pulsectl unavailable: %s)", exc)
            _MISSING.append(None)
    return _MISSING[0]


@dataclass(frozen=True)
class ServerDevice:
    """One sink (output) or source (input) of the sound server."""

    name: str  # stable across restarts and re-plugging; what the settings keep
    description: str  # what people call it, e.g. "Built-in Audio Analog Stereo"
    direction: Direction


@dataclass(frozen=True)
class ServerSnapshot:
    """The devices and defaults of the sound server at one moment."""

    server: str  # e.g. "PulseAudio 16.1" or "PulseAudio (on PipeWire 1.0.5) 15.0.0"
    inputs: tuple[ServerDevice, ...]
    outputs: tuple[ServerDevice, ...]
    default_input: str
    default_output: str

    def devices(self, direction: Direction) -> tuple[ServerDevice, ...]:
        return self.inputs if direction == "input" else self.outputs

    def default(self, direction: Direction) -> ServerDevice | None:
        name = self.default_input if direction == "input" else self.default_output
        return next((d for d in self.devices(direction) if d.name == name), None)

    def find(self, direction: Direction, wanted: str) -> ServerDevice | None:
        """The device called ``wanted``: its server name, else its description."""
        devices = self.devices(direction)
        exact = next((d for d in devices if d.name == wanted), None)
        if exact is not None:
            return exact
        folded = wanted.casefold()
        return next((d for d in devices if d.description.casefold() == folded), None)


def read_snapshot(pulse: Any) -> ServerSnapshot:
    """A snapshot through an open pulsectl connection (raises pulsectl.PulseError)."""
    info = pulse.server_info()
    outputs = tuple(
        ServerDevice(str(sink.name), str(sink.description or sink.name), "output")
        for sink in pulse.sink_list()
    )
    inputs = tuple(
        ServerDevice(str(source.name), str(source.description or source.name), "input")
        for source in pulse.source_list()
        # A monitor records what a sink plays: not a microphone.
        if int(source.monitor_of_sink) == _NO_INDEX
    )
    return ServerSnapshot(
        server=f"{info.server_name} {info.server_version}",
        inputs=inputs,
        outputs=outputs,
        default_input=str(info.default_source_name or ""),
        default_output=str(info.default_sink_name or ""),
    )


def _connection_class(pulsectl: ModuleType) -> Any:
    class Connection(pulsectl.Pulse):  # type: ignore[misc,name-defined]
        """pulsectl's connection, but a connect with a timeout returns once it is ready.

        pulsectl's own stops its wait only on failure, so every successful
        connect lasted the whole timeout.
        """

        def _pulse_state_cb(self, ctx: Any, userdata: Any) -> None:
            super()._pulse_state_cb(ctx, userdata)
            if self.connected:
                self._loop_stop = True

    return Connection


def connect(client_name: str, timeout: float = CONNECT_TIMEOUT_S) -> Any | None:
    """An open pulsectl connection, or None when no sound server answers.

    Never starts a server (no autospawn): a missing server is reported, not hidden.
    """
    pulsectl = pulsectl_module()
    if pulsectl is None:
        return None
    if not _CONNECTION:
        _CONNECTION.append(_connection_class(pulsectl))
    pulse = _CONNECTION[0](client_name, connect=False)
    try:
        pulse.connect(autospawn=False, timeout=timeout)
    except pulsectl.PulseError:
        pulse.close()
        return None
    return pulse


def take_snapshot(timeout: float = CONNECT_TIMEOUT_S) -> ServerSnapshot | None:
    """The sound server's devices now, or None without a reachable server."""
    pulse = connect("Parley device list", timeout)
    if pulse is None:
        return None
    pulsectl = pulsectl_module()
    assert pulsectl is not None
    try:
        return read_snapshot(pulse)
    except pulsectl.PulseError as exc:
        log.info("the sound server did not list its devices: %s", exc)
        return None
    finally:
        pulse.close()
