"""The main window: composes the widgets and wires them to the controller.

Widgets only render state the controller owns and report intents; this
module is the switchboard between the two and holds no conversation state.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.config.secrets import KeyStore, SecretName
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.conversation.transcript import TranscriptEntry
from desktop.conversation.turn_machine import TurnState
from desktop.history.keeper import HistoryKeeper
from ui.audio_indicator import AudioIndicator
from ui.connection_bar import ConnectionBar
from ui.global_hotkey import GlobalHotkey, HotkeyError
from ui.global_hotkey import unavailable_reason as global_hotkey_unavailable
from ui.history_dock import HistoryDock
from ui.icons import app_icon
from ui.ptt_key_filter import PushToTalkKeyFilter
from ui.side_panels import SidePanels
from ui.talk_controls import TalkControls
from ui.theme import apply_theme
from ui.transcript_view import TranscriptView
from ui.tray import Tray
from ui.window_files import export_audio, export_transcript, remember_geometry, restore_geometry
from ui.window_menus import build_menus

if TYPE_CHECKING:  # the engine loads with the sound devices, after the window
    from audio_engine import AudioEngine
    from audio_engine.supervisor import AudioSupervisor

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Parley's window.

    Signals:
        close_requested(): the window is closing (settings should be saved).
    """

    close_requested = Signal()

    def __init__(
        self,
        controller: ConversationController,
        keys: KeyStore,
        keeper: HistoryKeeper | None = None,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.keys = keys
        self.settings = controller.settings
        self.setWindowTitle("Parley")
        self.setObjectName("parley-main-window")
        self.resize(1100, 720)

        self.connection_bar = ConnectionBar()
        self.connection_bar.set_values(self.settings.connection)
        self.transcript = TranscriptView()
        self.message_edit = QLineEdit()
        self.message_edit.setPlaceholderText("Type a message and press Enter…")
        self.message_edit.setAccessibleName("Message")
        self.message_edit.setToolTip("Send a typed message (Enter). Ctrl+L focuses this box.")
        self.send_button = QPushButton("&Send")
        self.send_button.setToolTip("Send the typed message")
        self.talk = TalkControls()
        self.talk.set_talk_mode(self.settings.ui.talk_mode)
        self.talk.set_ptt_key(self.settings.ui.ptt_key)
        self.panels = SidePanels(controller, keys)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(6, 0, 6, 6)
        column.addWidget(self.connection_bar)
        column.addWidget(self.transcript, 1)
        message_row = QHBoxLayout()
        message_row.addWidget(self.message_edit, 1)
        message_row.addWidget(self.send_button)
        column.addLayout(message_row)
        column.addWidget(self.talk)
        self.setCentralWidget(central)

        self.panel_dock = QDockWidget("Settings", self)
        self.panel_dock.setObjectName("settings-dock")
        self.panel_dock.setWidget(self.panels)
        self.panels.setMinimumWidth(400)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel_dock)
        self.history_dock = HistoryDock(self, keeper, controller)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock)
        self.tabifyDockWidget(self.panel_dock, self.history_dock)
        self.panel_dock.raise_()
        self.inspector_dock = QDockWidget("Event inspector", self)
        self.inspector_dock.setObjectName("inspector-dock")
        self.inspector = _make_inspector()
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.inspector_dock)
        self.inspector_dock.setVisible(self.settings.ui.show_inspector)
        self.resizeDocks([self.inspector_dock], [240], Qt.Orientation.Vertical)

        self.status_label = QLabel()
        self.status_label.setAccessibleName("Status")
        self.statusBar().addWidget(self.status_label, 1)
        self.audio_indicator = AudioIndicator()
        self.audio_indicator.details_requested.connect(self._on_audio_indicator_details_requested)
        self.statusBar().addPermanentWidget(self.audio_indicator)
        self._problems: list[str] = []
        self.audio: AudioEngine | None = None
        self.audio_supervisor: AudioSupervisor | None = None

        self.ptt_filter = PushToTalkKeyFilter(self, self.settings.ui.ptt_key)
        self.ptt_filter.install()
        self.ptt_filter.set_active(self.settings.ui.talk_mode == "ptt")
        self.global_hotkey: GlobalHotkey | None = None
        self.setWindowIcon(app_icon())
        self.tray = Tray(self)
        self._build_menus()
        self._wire()
        self._restore_geometry()
        self._apply_global_hotkey()
        self._on_controller_connection_state_changed(
            controller.connection_state, controller.connection_reason
        )

    # -- composition ---------------------------------------------------------------------

    def _build_menus(self) -> None:
        actions = build_menus(
            self, self.inspector_dock, self.panel_dock, self.message_edit, self.history_dock
        )
        self.export_md_action = actions.export_markdown
        self.export_json_action = actions.export_json
        self.export_wav_action = actions.export_wav
        self.quit_action = actions.quit
        self.new_session_action = actions.new_session
        self.reset_action = actions.reset
        self.interrupt_action = actions.interrupt
        self.inspector_action = actions.inspector

    def _wire(self) -> None:
        c = self.controller
        bar = self.connection_bar
        bar.connect_requested.connect(c.connect_backend)
        bar.disconnect_requested.connect(c.disconnect_backend)
        bar.setting_changed.connect(self._on_widget_setting_changed)
        bar.api_key_entered.connect(self._on_connection_bar_api_key_entered)
        bar.retry_requested.connect(c.retry_now)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.message_edit.returnPressed.connect(self._on_send_button_clicked)
        self.talk.ptt_pressed.connect(c.ptt_press)
        self.talk.ptt_released.connect(c.ptt_release)
        self.talk.mute_toggled.connect(self._on_mute_toggled)
        self.tray.mute_toggled.connect(self._on_mute_toggled)
        self.tray.show_hide_requested.connect(self._on_tray_show_hide_requested)
        self.tray.quit_requested.connect(self.close)
        self.talk.setting_changed.connect(self._on_widget_setting_changed)
        self.ptt_filter.pressed.connect(self._on_ptt_filter_pressed)
        self.ptt_filter.released.connect(self._on_ptt_filter_released)
        self.panels.setting_changed.connect(self._on_widget_setting_changed)
        self.history_dock.setting_changed.connect(self._on_widget_setting_changed)
        self.history_dock.status.connect(self.show_status)
        self.transcript.export_audio_requested.connect(self._on_export_wav_triggered)
        self.transcript.clear_requested.connect(c.reset_conversation)
        self.transcript.question_answered.connect(c.answer_tool_question)
        self.export_md_action.triggered.connect(lambda: self._export_transcript("markdown"))
        self.export_json_action.triggered.connect(lambda: self._export_transcript("json"))
        self.export_wav_action.triggered.connect(self._on_export_wav_triggered)
        self.quit_action.triggered.connect(self.close)
        self.new_session_action.triggered.connect(c.new_session)
        self.reset_action.triggered.connect(c.reset_conversation)
        self.interrupt_action.triggered.connect(c.interrupt)
        self.inspector_dock.visibilityChanged.connect(self._on_inspector_dock_visibility_changed)
        c.connection_state_changed.connect(self._on_controller_connection_state_changed)
        c.retry_scheduled.connect(bar.set_retry_countdown)
        c.turn_state_changed.connect(self._on_controller_turn_state_changed)
        c.entry_changed.connect(self._on_controller_entry_changed)
        c.transcript_cleared.connect(self.transcript.model.clear)
        c.status_message.connect(self.show_status)
        c.notification.connect(self._on_controller_notification)
        c.inspector_records.connect(self._on_controller_inspector_records)

    def attach_audio(self, audio: AudioEngine, supervisor: AudioSupervisor) -> None:
        """Meters from the audio engine; devices and problems from its supervisor."""
        self.audio = audio
        self.audio_supervisor = supervisor
        audio.input_level.connect(self.talk.set_input_level)
        audio.output_level.connect(self.talk.set_output_level)
        supervisor.health_changed.connect(self._on_audio_supervisor_health_changed)
        supervisor.microphone_silence_changed.connect(
            self._on_audio_supervisor_microphone_silence_changed
        )
        self.panels.attach_audio(audio, supervisor)

    def _on_audio_supervisor_health_changed(self, _health: object, text: str) -> None:
        self.audio_indicator.set_problem("health", text)

    def _on_audio_supervisor_microphone_silence_changed(self, text: str) -> None:
        self.audio_indicator.set_problem("microphone", text)
        # The whole advice is in the Audio tab and the indicator's tooltip.
        self.show_status(
            "The microphone sends only silence: is it muted? See the Audio tab."
            if text
            else "The microphone picks up sound again."
        )

    def _on_audio_indicator_details_requested(self) -> None:
        self.panel_dock.show()
        self.panels.show_audio_tab()

    # -- slots ---------------------------------------------------------------------------

    def _on_widget_setting_changed(self, key: str, value: object) -> None:
        group, _, name = key.partition(".")
        if not self.controller.update_setting(group, name, value):
            self.panels.refresh()
            return
        if group == "connection":  # the bar and the Connection tab show the same settings
            self.connection_bar.set_values(self.settings.connection)
            self.panels.connection.set_values(self.settings)
        elif key == "ui.talk_mode":
            self.talk.set_talk_mode(str(value))
            self.ptt_filter.set_active(value == "ptt")
        elif key == "ui.ptt_key":
            if not self.ptt_filter.set_key(str(value)):
                self.show_status(f"'{value}' is not a key Parley can use for push-to-talk.")
            self.talk.set_ptt_key(str(value))
        elif key in ("audio.input_device", "audio.output_device"):
            self._switch_devices()
        elif key == "audio.echo_cancellation" and self.audio is not None:
            try:
                self.audio.set_echo_cancellation(str(value))
            except Exception as exc:  # AudioDeviceError: the canceller is not installed
                self.show_status(str(exc))
        elif key == "audio.chunk_ms":
            self.show_status("The new audio buffer length applies the next time Parley starts.")
        elif key == "ui.theme":
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, str(value))
        elif key in ("ui.global_hotkey", "ui.global_ptt_key"):
            self._apply_global_hotkey()

    def _switch_devices(self) -> None:
        if self.audio_supervisor is None:
            self.show_status("No audio engine is running; the devices apply at the next start.")
            return
        audio = self.settings.audio
        self.audio_supervisor.set_devices(audio.input_device or None, audio.output_device or None)

    def _on_connection_bar_api_key_entered(self, name: SecretName, key: str) -> None:
        self.panels.save_secret(name, key, self.connection_bar.show_api_key_message)

    def _on_mute_toggled(self, muted: bool) -> None:
        self.talk.set_muted(muted)
        self.tray.set_muted(muted)
        self.controller.set_muted(muted)
        if self.audio is not None:
            self.audio.set_muted(muted)

    def _on_tray_show_hide_requested(self) -> None:
        self.setVisible(not self.isVisible())

    def _on_send_button_clicked(self) -> None:
        if self.controller.send_text(self.message_edit.text()):
            self.message_edit.clear()

    def _apply_global_hotkey(self) -> None:
        """Grab (or let go of) the global push-to-talk key as the settings say."""
        if self.global_hotkey is not None:
            self.global_hotkey.stop()
            self.global_hotkey = None
        ui = self.settings.ui
        if not ui.global_hotkey:
            return
        reason = global_hotkey_unavailable(QGuiApplication.platformName())
        if reason is not None:
            self.show_status(reason)
            return
        hotkey = GlobalHotkey(ui.global_ptt_key)
        hotkey.pressed.connect(self._on_global_hotkey_pressed)
        hotkey.released.connect(self._on_global_hotkey_released)
        hotkey.failed.connect(self.show_status)
        try:
            hotkey.start()
        except HotkeyError as exc:
            self.show_status(f"Global push-to-talk key: {exc}")
            return
        self.global_hotkey = hotkey
        self.show_status(f"Hold {ui.global_ptt_key} in any application to talk.")

    def _on_global_hotkey_pressed(self) -> None:
        if self.settings.ui.talk_mode != "ptt":
            self.show_status("The global key talks in push-to-talk mode; switch to it first.")
            return
        self._on_ptt_filter_pressed()

    def _on_global_hotkey_released(self) -> None:
        if self.settings.ui.talk_mode == "ptt":
            self._on_ptt_filter_released()

    def _on_ptt_filter_pressed(self) -> None:
        self.talk.set_ptt_held(True)
        self.controller.ptt_press()

    def _on_ptt_filter_released(self) -> None:
        self.talk.set_ptt_held(False)
        self.controller.ptt_release()

    def _on_controller_connection_state_changed(self, state: ConnectionState, reason: str) -> None:
        self.connection_bar.set_connection_state(state, reason)
        self.tray.set_connection_state(state, reason)
        if state is ConnectionState.FAILED:
            self.show_status(reason)

    def _on_controller_turn_state_changed(self, state: TurnState) -> None:
        self.talk.set_turn_state(state)

    def _on_controller_entry_changed(self, entry: TranscriptEntry) -> None:
        self.transcript.model.add_entry(entry)

    def _on_controller_notification(self, title: str, text: str) -> None:
        self.tray.notify(title, text)
        self.show_status(f"{title}: {text}")

    def _on_controller_inspector_records(self, records: list[Any]) -> None:
        add_records = getattr(self.inspector, "add_records", None)
        if add_records is not None:
            add_records(records)

    def _on_inspector_dock_visibility_changed(self, visible: bool) -> None:
        self.settings.ui.show_inspector = visible

    def _on_export_wav_triggered(self) -> None:
        export_audio(self, self.controller)

    def _export_transcript(self, fmt: str) -> None:
        export_transcript(self, self.controller, fmt)

    # -- status and geometry -------------------------------------------------------------

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def show_problem(self, text: str) -> None:
        """A settings-file problem: in the status bar, never a blocking dialog."""
        self._problems.append(text)
        self.show_status(text)
        self.status_label.setToolTip("\n".join(self._problems))

    def _restore_geometry(self) -> None:
        restore_geometry(self, self.settings.ui)
        self.inspector_dock.setVisible(self.settings.ui.show_inspector)

    def remember_geometry(self) -> None:
        remember_geometry(self, self.settings.ui)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.remember_geometry()
        self.ptt_filter.remove()
        if self.global_hotkey is not None:
            self.global_hotkey.stop()
            self.global_hotkey = None
        self.close_requested.emit()
        super().closeEvent(event)
        QTimer.singleShot(0, _quit_application)


def _quit_application() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.quit()


def _make_inspector() -> QWidget:
    try:
        from ui.event_inspector import EventInspector
    except ImportError:
        placeholder = QLabel("The event inspector is not available in this build.")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder
    widget: QWidget = EventInspector()
    return widget
