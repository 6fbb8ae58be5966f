"""Keeping the sound on: the engine on the chosen devices, whatever happens to them.

The supervisor owns one policy: the engine should be open on the devices the
user chose, else on the defaults, and it reopens by itself when that changes.

* A chosen device that vanishes: the streams move to the default at once (the
  server has usually moved them already; reopening makes the move stick for
  the next reply). When it comes back, they move back.
* The default device changes while the defaults are followed: the streams are
  reopened so that what depends on the device's name (the headset guess of
  echo cancellation) follows it.
* The sound server goes away: the streams are aborted at once (a stream whose
  server died can spin in PortAudio's poll loop), nothing retries until the
  watcher sees the server again, and then the engine opens within a moment.
* No sound server to watch (Windows, macOS, plain ALSA) and a device failed:
  the engine is retried with a growing pause (1 s up to 15 s), each attempt a
  fresh PortAudio scan.

Everything that happens is logged and told through ``device_event``; what is
wrong right now is ``health`` with a sentence that says what to do.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from audio_engine.device_watch import DeviceWatcher
from audio_engine.devices import Direction
from audio_engine.engine import AudioEngine
from audio_engine.errors import AudioDeviceError
from audio_engine.routing import PORTAUDIO_DEFAULTS, Route
from audio_engine.sound_server import ServerSnapshot, take_snapshot

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 15.0)
NO_SERVER_TEXT = (
    "No sound: the sound server (PulseAudio or PipeWire) is not running. Parley will "
    "use it as soon as it is back; typed conversation still works."
)
SILENT_MIC_TEXT = (
    "The microphone {device!r} has sent only silence for a few seconds. Is it muted (a "
    "switch on the headset, or the system's input volume)? Is it the right microphone "
    "(Audio tab)? On macOS, allow Parley in System Settings → Privacy & Security → "
    "Microphone."
)


class AudioHealth(enum.Enum):
    OFF = "off"  # not started, or stopped on purpose
    RUNNING = "running"
    NO_SERVER = "no_server"  # waiting for the sound server to return
    NO_DEVICE = "no_device"  # the devices could not be opened; retrying


@dataclass(frozen=True)
class DeviceOption:
    """One entry of a device picker."""

    value: str  # what the settings keep; "" is the system default
    label: str


def _kind(direction: Direction) -> str:
    return "microphone" if direction == "input" else "speaker"


class AudioSupervisor(QObject):
    """Opens the engine, and reopens it on the right devices when they change.

    Lives on the GUI thread with its engine.

    Signals:
        health_changed(object, str): an ``AudioHealth`` and, unless RUNNING or
            OFF, what is wrong and what the user can do.
        device_event(str): one thing that happened to the devices (a fallback to
            the default, a device lost or back, the server gone or back).
        devices_changed(list, list): ``DeviceOption`` lists of inputs and outputs
            (the first of each is the system default).
        microphone_silence_changed(str): advice while the microphone sends only
            silence; empty once sound arrives.
    """

    health_changed = Signal(object, str)
    device_event = Signal(str)
    devices_changed = Signal(list, list)
    microphone_silence_changed = Signal(str)

    def __init__(
        self,
        engine: AudioEngine,
        parent: QObject | None = None,
        *,
        watch: bool = True,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.health = AudioHealth.OFF
        self.health_text = ""
        self.snapshot: ServerSnapshot | None = None
        self.server_up: bool | None = None  # None: not watched
        self.inputs: list[DeviceOption] = []
        self.outputs: list[DeviceOption] = []
        self._retry_delays = retry_delays_s
        self._attempt = 0
        self._retry_timer = QTimer(self, singleShot=True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._watcher = DeviceWatcher(self) if watch and DeviceWatcher.supported() else None
        if self._watcher is not None:
            self._watcher.snapshot_changed.connect(self._on_watcher_snapshot_changed)
            self._watcher.server_lost.connect(self._on_watcher_server_lost)
        engine.device_error.connect(self._on_engine_device_error)
        engine.device_notice.connect(self._on_engine_device_notice)
        engine.silent_input_changed.connect(self._on_engine_silent_input_changed)

    @property
    def watching(self) -> bool:
        """Device lists update by themselves (a sound server is watched)."""
        return self._watcher is not None

    # ----- what the app asks ----------------------------------------------------------

    def start(self) -> bool:
        """Open the engine (or keep trying); True if it is open now."""
        if self._watcher is not None:
            self._watcher.start()
        self._attempt = 0
        return self._try_start()

    def stop(self) -> None:
        """Stop watching and retrying, and close the engine."""
        self._retry_timer.stop()
        if self._watcher is not None:
            self._watcher.stop()
        self.engine.stop()
        self._set_health(AudioHealth.OFF, "")

    def set_devices(self, input_device: str | None, output_device: str | None) -> None:
        """The user chose devices (by the name the settings keep; None for the default)."""
        self.engine.input_device_name = input_device or None
        self.engine.output_device_name = output_device or None
        if self.engine.running:
            self.engine.reroute()
            if self.engine.running:
                self._set_health(AudioHealth.RUNNING, "")
        else:
            self._attempt = 0
            self._try_start()

    def refresh_devices(self) -> None:
        """List the devices again (where nothing watches them)."""
        snapshot = self.snapshot
        if snapshot is None and self._watcher is not None:
            snapshot = take_snapshot()  # the watcher's first look may not have arrived yet
        if snapshot is not None:
            self._publish_devices(snapshot)
            return
        try:
            devices = self.engine.refresh_devices()
        except Exception as exc:  # a broken sound system must not take the window down
            self.device_event.emit(f"Could not list the audio devices: {exc}")
            return
        self.inputs = [DeviceOption("", "System default")] + [
            DeviceOption(d.name, d.name) for d in devices if d.supports("input")
        ]
        self.outputs = [DeviceOption("", "System default")] + [
            DeviceOption(d.name, d.name) for d in devices if d.supports("output")
        ]
        self.devices_changed.emit(self.inputs, self.outputs)

    # ----- opening and retrying ---------------------------------------------------------

    def _try_start(self) -> bool:
        self._retry_timer.stop()
        if self.engine.running:
            self._set_health(AudioHealth.RUNNING, "")
            return True
        if self.server_up is False:
            self._set_health(AudioHealth.NO_SERVER, NO_SERVER_TEXT)
            return False
        try:
            self.engine.start()
        except AudioDeviceError as exc:
            self._not_opened(str(exc))
            return False
        self._attempt = 0
        self._set_health(AudioHealth.RUNNING, "")
        return True

    def _not_opened(self, reason: str) -> None:
        delay = self._retry_delays[min(self._attempt, len(self._retry_delays) - 1)]
        self._attempt += 1
        text = (
            f"No sound: {reason} Parley tries again by itself"
            + (" when the devices change." if self.watching else f" (next in {delay:.0f} s).")
            + " Typed conversation still works."
        )
        self._set_health(AudioHealth.NO_DEVICE, text)
        # With a watcher a device change retries at once, and a slow retry still
        # catches what no event announces (a device that was busy).
        self._retry_timer.start(int(delay * 1000))

    def _on_retry_timer_timeout(self) -> None:
        self._try_start()

    def _set_health(self, health: AudioHealth, text: str) -> None:
        if (health, text) == (self.health, self.health_text):
            return
        self.health, self.health_text = health, text
        if text:
            log.warning("audio: %s", text)
        elif health is AudioHealth.RUNNING:
            log.info("audio: running")
        self.health_changed.emit(health, text)

    def _tell(self, text: str) -> None:
        log.info("audio device event: %s", text)
        self.device_event.emit(text)

    # ----- the engine -------------------------------------------------------------------

    def _on_engine_device_error(self, message: str) -> None:
        self._tell(message)
        if self.server_up is False:
            self._set_health(AudioHealth.NO_SERVER, NO_SERVER_TEXT)
        else:
            self._not_opened("the audio devices stopped.")

    def _on_engine_device_notice(self, message: str) -> None:
        self._tell(message)

    def _on_engine_silent_input_changed(self, silent: bool) -> None:
        route = self.engine.routes[0] if self.engine.routes else None
        device = route.label if route is not None else "default"
        if silent:
            text = SILENT_MIC_TEXT.format(device=device)
            log.warning("audio: microphone %r is silent", device)
        else:
            text = ""
            log.info("audio: sound from microphone %r again", device)
        self.microphone_silence_changed.emit(text)

    # ----- the sound server -------------------------------------------------------------

    def _on_watcher_server_lost(self) -> None:
        was_up, self.server_up = self.server_up, False
        self._retry_timer.stop()
        if was_up:
            self._tell("The sound server stopped; the sound is off until it is back.")
        self.engine.abort()
        self._set_health(AudioHealth.NO_SERVER, NO_SERVER_TEXT)

    def _on_watcher_snapshot_changed(self, snapshot: object) -> None:
        if not isinstance(snapshot, ServerSnapshot):
            return
        previous, self.snapshot = self.snapshot, snapshot
        was_up, self.server_up = self.server_up, True
        if was_up is False:
            self._tell(f"The sound server is back ({snapshot.server}).")
        self._publish_devices(snapshot)
        if self.health is AudioHealth.OFF:
            return  # not started yet (start() opens with the same view)
        if not self.engine.running:
            self._attempt = 0
            self._try_start()
            return
        self._follow(snapshot, previous)

    def _follow(self, snapshot: ServerSnapshot, previous: ServerSnapshot | None) -> None:
        """Reopen the streams when a device they use, or should use, came or went."""
        routes = self.engine.routes
        if routes is None or not routes[0].through_server:
            return
        reasons = [
            reason
            for route in routes
            if (reason := self._reason_to_move(route, snapshot, previous)) is not None
        ]
        if not reasons:
            return
        for reason in reasons:
            self._tell(reason)
        self.engine.reroute()

    @staticmethod
    def _reason_to_move(
        route: Route, snapshot: ServerSnapshot, previous: ServerSnapshot | None
    ) -> str | None:
        kind = _kind(route.direction)
        if route.server_device is not None:
            if snapshot.find(route.direction, route.server_device) is None:
                return f"The {kind} {route.label!r} was disconnected."
            return None
        wanted = route.wanted
        if wanted and wanted not in PORTAUDIO_DEFAULTS:
            back = snapshot.find(route.direction, wanted)
            if back is not None:
                return f"The {kind} {back.description!r} is back; using it again."
        default_now = snapshot.default(route.direction)
        default_before = previous.default(route.direction) if previous is not None else None
        if default_now is not None and default_before is not None and default_now != default_before:
            return f"The system's default {kind} is now {default_now.description!r}."
        return None

    def _publish_devices(self, snapshot: ServerSnapshot) -> None:
        inputs, outputs = (_options(snapshot, "input"), _options(snapshot, "output"))
        if (inputs, outputs) != (self.inputs, self.outputs):
            self.inputs, self.outputs = inputs, outputs
            self.devices_changed.emit(inputs, outputs)


def _options(snapshot: ServerSnapshot, direction: Direction) -> list[DeviceOption]:
    default = snapshot.default(direction)
    label = f"System default ({default.description})" if default else "System default"
    return [DeviceOption("", label)] + [
        DeviceOption(device.name, device.description) for device in snapshot.devices(direction)
    ]
