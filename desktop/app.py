"""Application wiring: settings, keys, offline engine, audio, controller, window.

``ParleyApp`` builds everything in dependency order and tears it down in
reverse; ``run_gui`` and ``run_smoke_test`` are the two ways to drive it.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from desktop.barge_in.echo_policy import engine_echo_mode
from desktop.config.cli import CliOptions
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.config.store import LoadedSettings, save_settings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController

if TYPE_CHECKING:  # both load on demand: a run without sound or without a window
    from audio_engine import AudioEngine
    from audio_engine.supervisor import AudioSupervisor
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

NO_AUDIO_MESSAGE = (
    "No sound: the audio engine is not available ({reason}). Typed conversation still works."
)


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("Parley")
    app.setOrganizationName("Parley")
    app.setDesktopFileName("parley")
    return app


class ParleyApp(QObject):
    """Owns every long-lived object of one run; ``close()`` stops them all."""

    def __init__(
        self,
        loaded: LoadedSettings,
        options: CliOptions | None = None,
        *,
        with_audio: bool = True,
        with_window: bool = True,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.loaded = loaded
        self.settings = loaded.settings
        self.options = options or CliOptions()
        self.keys = KeyStore(self.settings)
        self.offline = OfflineEngineHost(**(engine_options or _engine_options(self.settings)))
        self.controller = ConversationController(self.settings, self.keys, self.offline)
        self.audio: AudioEngine | None = None
        self.audio_supervisor: AudioSupervisor | None = None
        self.audio_problem: str | None = None
        self._with_audio = with_audio
        self.window: MainWindow | None = None
        if with_window:
            from ui.main_window import MainWindow
            from ui.theme import apply_theme

            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, self.settings.ui.theme)
            self.window = MainWindow(self.controller, self.keys)
            self.window.close_requested.connect(self._on_window_close_requested)
            for problem in loaded.problems:
                self.window.show_problem(problem)

    def start(self, connect: bool | None = None) -> None:
        """Show the window; audio and the connection follow once it is painted."""
        if self.window is not None:
            self.window.show()
        should_connect = self.options.connect if connect is None else connect
        should_connect = should_connect or self.settings.connection.auto_connect
        # A context object: the call is dropped if this app is closed first.
        QTimer.singleShot(0, self, lambda: self._start_late(should_connect))

    def _start_late(self, connect: bool) -> None:
        if self._with_audio:
            self.start_audio()
        if connect:
            self.controller.connect_backend()

    def start_audio(self) -> bool:
        """Open the sound devices; without them the app carries on text-only.

        The engine stays attached even when it cannot open yet: the audio
        supervisor opens it by itself once a sound server or device appears.
        """
        try:
            from audio_engine import AudioDeviceError, AudioEngine
            from audio_engine.supervisor import AudioSupervisor
        except ImportError as exc:
            self._no_audio(str(exc))
            return False
        options = self.settings.audio
        try:
            audio = AudioEngine(
                input_device=options.input_device or None,
                output_device=options.output_device or None,
                chunk_ms=options.chunk_ms,
                echo_cancellation=engine_echo_mode(self.settings),
                noise_suppression=options.noise_suppression,
                capture_on_demand=True,
            )
        except AudioDeviceError as exc:  # e.g. echo cancellation "on" without its package
            self.controller.status_message.emit(str(exc))
            audio = AudioEngine(
                input_device=options.input_device or None,
                output_device=options.output_device or None,
                chunk_ms=options.chunk_ms,
                capture_on_demand=True,
            )
        supervisor = AudioSupervisor(audio, self)
        self.audio = audio
        self.audio_supervisor = supervisor
        self.controller.attach_audio(audio)  # sessions, barge-in, headset mode, the echo guard
        audio.playback_drained.connect(self.controller.on_playback_drained)
        supervisor.device_event.connect(self.controller.status_message)
        supervisor.health_changed.connect(self._on_audio_supervisor_health_changed)
        if self.window is not None:
            self.window.attach_audio(audio, supervisor)
        started = supervisor.start()
        if not started:
            self.controller.status_message.emit(supervisor.health_text)
        return started

    def _on_audio_supervisor_health_changed(self, health: object, text: str) -> None:
        from audio_engine.supervisor import AudioHealth

        self.audio_problem = text or None
        if health in (AudioHealth.NO_SERVER, AudioHealth.NO_DEVICE):
            self.controller.on_audio_lost()

    def _no_audio(self, reason: str) -> None:
        self.audio_problem = NO_AUDIO_MESSAGE.format(reason=reason)
        log.warning("no audio: %s", reason)
        self.controller.status_message.emit(self.audio_problem)
        if self.window is not None:
            self.window.panels.show_audio_problem(self.audio_problem)

    def _on_window_close_requested(self) -> None:
        self.save()

    def save(self) -> None:
        try:
            save_settings(self.settings, self.loaded.path)
        except OSError as exc:
            log.error("could not save settings: %s", exc)

    def close(self) -> None:
        """Stop the session, the audio streams and the offline engine."""
        self.controller.shutdown()
        if self.audio_supervisor is not None:
            self.audio_supervisor.stop()
            self.audio_supervisor = None
        if self.audio is not None:
            self.audio.stop()
            self.audio = None
            self.controller.attach_audio(None)
        self.offline.stop()
        if self.window is not None:
            self.window.hide()
            self.window.deleteLater()
            self.window = None

    @property
    def live(self) -> bool:
        return self.controller.connection_state is ConnectionState.LIVE


def _engine_options(settings: Settings) -> dict[str, Any]:
    """The offline engine's start options from the settings (a speech model directory);
    its language model is the controller's to set, and changes while it runs."""
    engine = settings.engine
    options: dict[str, Any] = {}
    if engine.stt_model_dir:
        options["speech"] = engine.stt_model_dir
    return options
