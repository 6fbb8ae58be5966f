"""Application wiring: settings, keys, offline engine, audio, controller, history, window.

``ParleyApp`` builds everything in dependency order and tears it down in
reverse; ``run_gui`` and ``run_smoke_test`` are the two ways to drive it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop.barge_in.echo_policy import engine_echo_mode
from desktop.config.cli import CliOptions
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.config.store import LoadedSettings, save_settings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.history.keeper import HistoryKeeper
from desktop.history.store import HistoryStore

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
        history_path: Path | None = None,
        read_only_history: bool = False,
    ) -> None:
        super().__init__()
        self.loaded = loaded
        self.settings = loaded.settings
        self.options = options or CliOptions()
        self.keys = KeyStore(self.settings)
        self.offline = OfflineEngineHost(**(engine_options or _engine_options(self.settings)))
        self.controller = ConversationController(self.settings, self.keys, self.offline)
        self.history = _open_history(history_path, read_only_history)
        self.keeper = HistoryKeeper(self.history, self.controller.record, self.settings, self)
        self.keeper.problem.connect(self.controller.status_message)
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
            self.window = MainWindow(self.controller, self.keys, self.keeper)
            self.window.close_requested.connect(self._on_window_close_requested)
            for problem in [*loaded.problems, *self.keeper.problems()]:
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

    def quit(self) -> None:
        """Close as the Quit command does (the window remembers its place first)."""
        if self.window is not None:
            self.window.close()  # saves, then ends the event loop
            return
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def save(self) -> None:
        try:
            save_settings(self.settings, self.loaded.path)
        except OSError as exc:
            log.error("could not save settings: %s", exc)

    def bring_forward(self) -> None:
        """Another Parley was started: show this window instead."""
        window = self.window
        if window is None:
            return
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()

    def close(self) -> None:
        """End the session, stop the audio streams and the offline engine, close the history."""
        self.controller.shutdown()
        self.keeper.close()
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


def _open_history(path: Path | None, read_only: bool) -> HistoryStore | None:
    """The history (it opens whatever state its file is in; see ``history.opening``)."""
    try:
        store = HistoryStore(path, read_only=read_only)
    except Exception:  # the conversation goes on without a history
        log.exception("the history could not be opened")
        return None
    if store.writable:
        store.close_unfinished()  # conversations a crash left open end at their last line
        store.purge_deleted()
    return store


def run_gui(
    loaded: LoadedSettings,
    options: CliOptions,
    on_started: Callable[[ParleyApp], None] | None = None,
    **app_options: Any,
) -> int:
    """Run Parley's window until it is closed, or SIGTERM or SIGINT asks it to close.

    A second Parley asks the first to come forward and exits; if the first does
    not answer, it opens the history read-only. ``on_started`` gets the app once
    it runs, and ``app_options`` go to :class:`ParleyApp` (tests drive a real run
    with them). Returns the exit code.
    """
    from desktop.history.instance_channel import InstanceServer, claim_instance
    from desktop.history.instance_lock import InstanceLock, instance_server_name
    from desktop.quit_signals import QuitSignals

    qt_app = ensure_application(sys.argv[:1])
    lock = InstanceLock()
    claim = claim_instance(lock)
    if claim == "forwarded":
        print("Parley is already running; its window was brought forward.")
        return 0
    app = ParleyApp(loaded, options, read_only_history=claim == "read-only", **app_options)
    server = None
    if claim == "first":
        server = InstanceServer(instance_server_name(lock.path), app)
        server.show_requested.connect(app.bring_forward)
    quit_signals = QuitSignals(app)
    quit_signals.received.connect(app.quit)
    app.start()
    if on_started is not None:
        on_started(app)
    try:
        code = qt_app.exec()
    finally:
        quit_signals.close()
        if server is not None:
            server.close()
        app.save()
        app.close()
        lock.release()
    return int(code)


def _engine_options(settings: Settings) -> dict[str, Any]:
    """The offline engine's start options from the settings (a speech model directory);
    its language model is the controller's to set, and changes while it runs."""
    engine = settings.engine
    options: dict[str, Any] = {}
    if engine.stt_model_dir:
        options["speech"] = engine.stt_model_dir
    return options
