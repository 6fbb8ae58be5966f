"""The settings panels in tabs (connection, voice, instructions, VAD, audio, tools, usage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from desktop.audio.checks import AudioChecks
from desktop.config.places import CONNECTION_TAB, TOOLS_TAB
from desktop.config.secrets import KeyStore, SecretName
from desktop.config.settings import McpServerSettings, UiSettings
from desktop.conversation.controller import ConversationController
from desktop.conversation.usage import UsageLedger
from desktop.mcp.records import ServerStatus
from desktop.mcp.server_secrets import has_token
from ui.audio_panel import AudioPanel
from ui.connection_panel import ConnectionPanel
from ui.instructions_panel import InstructionsPanel
from ui.settings_form import SettingsForm
from ui.tools_panel import ToolsPanel
from ui.usage_panel import UsagePanel
from ui.vad_panel import VadPanel
from ui.voice_panel import VoicePanel

METERS_REASON = "level meters on screen"

if TYPE_CHECKING:
    from audio_engine import AudioEngine
    from audio_engine.supervisor import AudioSupervisor, DeviceOption


class SidePanels(QTabWidget):
    """The settings panels in tabs, wired to the controller's state.

    The Connection tab's secrets and check, and the MCP servers of the Tools tab,
    go to the controller's parts from here.

    Signals:
        setting_changed(str, object): ``"group.field"`` and the new value.
        secret_saved(str, str): what became of a secret just entered (a sentence),
            and the secret's name.
    """

    setting_changed = Signal(str, object)

    def __init__(self, controller: ConversationController, keys: KeyStore | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.key_store = keys or KeyStore(controller.settings)
        self.setAccessibleName("Settings panels")
        self.connection = ConnectionPanel()
        self.connection.secret_entered.connect(self._on_connection_secret_entered)
        self.connection.check_requested.connect(controller.check_chat_endpoint)
        controller.chat_check_finished.connect(self.connection.set_check_result)
        self.voice = VoicePanel()
        self.voice.new_session_requested.connect(controller.new_session)
        self.instructions = InstructionsPanel()
        self.vad = VadPanel()
        self.audio = AudioPanel()
        self.keys = SettingsForm(
            "ui",
            UiSettings,
            ["ptt_key", "global_hotkey", "global_ptt_key"],
            labels={
                "ptt_key": "Push-to-talk key",
                "global_hotkey": "Global push-to-talk",
                "global_ptt_key": "Global key",
            },
        )
        keys_box = QGroupBox("Push-to-talk keys")
        QVBoxLayout(keys_box).addWidget(self.keys)
        self.tools = ToolsPanel(lambda name: has_token(self.key_store, name))
        mcp = self.tools.mcp
        mcp.save_requested.connect(self._on_mcp_save_requested)
        mcp.remove_requested.connect(controller.mcp.remove_server)
        mcp.enabled_changed.connect(controller.mcp.set_enabled)
        mcp.restart_requested.connect(controller.mcp.restart)
        mcp.tool_rule_changed.connect(self._on_mcp_tool_rule_changed)
        controller.mcp_servers_changed.connect(self._on_controller_mcp_servers_changed)
        self.usage = UsagePanel()
        self.usage.reset_conversation_requested.connect(controller.reset_conversation)
        self.supervisor: AudioSupervisor | None = None
        self.checks = AudioChecks(self)
        self.checks.status.connect(self.audio.set_status)
        self.audio.test_tone_requested.connect(self.checks.play_tone)
        self.audio.mic_check_requested.connect(self.checks.start_mic_check)
        self.audio.refresh_devices_requested.connect(self.refresh_devices)
        self.audio.set_tests_enabled(False)
        panels = (self.connection, self.voice, self.instructions, self.vad, self.audio)
        for panel in (*panels, self.keys, self.tools, self.usage):
            panel.setting_changed.connect(self.setting_changed)
        self.addTab(_page(self.connection), _mnemonic(CONNECTION_TAB, "n"))
        self.addTab(_page(self.voice), "&Voice")
        self.addTab(_page(self.instructions), "&Instructions")
        self.addTab(_page(self.vad), "VA&D")
        self._audio_tab = self.addTab(_page(self.audio, keys_box), "A&udio")
        self._tools_tab = self.addTab(_page(self.tools), _mnemonic(TOOLS_TAB, "T"))
        self.addTab(_page(self.usage), "Usa&ge")
        controller.voice_lock_changed.connect(self._on_controller_voice_lock_changed)
        controller.usage_changed.connect(self._on_controller_usage_changed)
        self.refresh()

    def refresh(self) -> None:
        """Show the controller's settings again (e.g. after a refused edit)."""
        settings = self.controller.settings
        self.connection.set_values(settings)
        self.voice.set_values(settings.voice)
        self.instructions.set_values(settings.instructions)
        self.vad.set_values(settings.turn_detection, settings.transcription, settings.audio)
        self.audio.set_values(settings.audio)
        self.keys.set_values(settings.ui)
        self.tools.set_values(settings.tools)
        self.tools.mcp.set_servers(settings.mcp.servers, self.controller.mcp.statuses())
        self.usage.set_prices(settings.prices)

    def attach_audio(self, audio: AudioEngine, supervisor: AudioSupervisor) -> None:
        """The engine's meters and the supervisor's devices and problems."""
        self.checks.audio = audio
        self.supervisor = supervisor
        audio.input_level.connect(self.audio.set_input_level)
        audio.output_level.connect(self.audio.set_output_level)
        self.audio.meters_shown.connect(self._on_audio_meters_shown)
        if self.audio.isVisible():
            audio.want_capture(METERS_REASON, True)
        audio.route_changed.connect(self._on_audio_route_changed)
        supervisor.devices_changed.connect(self._on_supervisor_devices_changed)
        supervisor.health_changed.connect(self._on_supervisor_health_changed)
        supervisor.microphone_silence_changed.connect(
            self._on_supervisor_microphone_silence_changed
        )
        self.audio.set_live_updates(supervisor.watching)
        self.audio.set_tests_enabled(True)
        self.refresh_devices()

    def _on_audio_meters_shown(self, shown: bool) -> None:
        if self.checks.audio is not None:
            self.checks.audio.want_capture(METERS_REASON, shown)

    def refresh_devices(self) -> None:
        if self.supervisor is None:
            return
        self.supervisor.refresh_devices()

    def show_audio_tab(self) -> None:
        self.setCurrentIndex(self._audio_tab)

    def show_tools_tab(self) -> None:
        self.setCurrentIndex(self._tools_tab)

    def _on_connection_secret_entered(self, name: SecretName, value: str) -> None:
        self.save_secret(name, value, self.connection.show_secret_message)

    def save_secret(self, name: SecretName, value: str, show: Callable[[str, bool], None]) -> None:
        """Store a secret the user entered; ``show`` tells them where it went."""
        try:
            result = self.key_store.save_named(name, value)
        except ValueError as exc:
            show(str(exc), True)
            return
        show(result.message, result.source == "memory")
        self.controller.status_message.emit(result.message)
        self.controller.secret_saved(name)

    def _on_mcp_save_requested(
        self,
        old_name: str | None,
        server: McpServerSettings,
        token: str | None,
        secrets: dict[str, str],
    ) -> None:
        try:
            self.controller.mcp.save_server(old_name, server, token, secrets)
        except ValueError as exc:
            self.tools.mcp.finish_save(str(exc))
            return
        self.tools.mcp.finish_save(None)
        self.tools.mcp.select(server.name)

    def _on_mcp_tool_rule_changed(self, server: str, tool: str, rule: object) -> None:
        if rule is None or rule == "ask" or rule == "allow" or rule == "off":
            self.controller.mcp.set_tool_rule(server, tool, rule)

    def _on_controller_mcp_servers_changed(self, statuses: tuple[ServerStatus, ...]) -> None:
        self.tools.mcp.set_servers(self.controller.settings.mcp.servers, statuses)

    def show_audio_problem(self, text: str) -> None:
        self.audio.set_problem("health", text)

    def _on_supervisor_devices_changed(
        self, inputs: list[DeviceOption], outputs: list[DeviceOption]
    ) -> None:
        audio = self.controller.settings.audio
        self.audio.set_devices(
            [(o.value, o.label) for o in inputs],
            [(o.value, o.label) for o in outputs],
            audio.input_device,
            audio.output_device,
        )
        if len(inputs) <= 1 and len(outputs) <= 1:
            self.audio.set_status("No audio devices found. Typed conversation still works.")

    def _on_supervisor_health_changed(self, _health: object, text: str) -> None:
        self.audio.set_problem("health", text)

    def _on_supervisor_microphone_silence_changed(self, text: str) -> None:
        self.audio.set_problem("microphone", text)

    def _on_audio_route_changed(self, microphone: str, speaker: str) -> None:
        self.audio.set_status(f"Using the microphone {microphone!r} and the speaker {speaker!r}.")

    def _on_controller_voice_lock_changed(self, reason: str) -> None:
        self.voice.set_voice_locked(bool(reason), reason)
        if not reason:
            self.voice.set_values(self.controller.settings.voice)

    def _on_controller_usage_changed(self, ledger: UsageLedger) -> None:
        self.usage.set_usage(ledger.last_turn, ledger.session)


def _page(*widgets: QWidget) -> QWidget:
    page = QWidget()
    column = QVBoxLayout(page)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(page)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


def _mnemonic(title: str, letter: str) -> str:
    """``title`` with ``&`` before the first ``letter`` (the tab's Alt key)."""
    index = title.find(letter)
    return title if index < 0 else f"{title[:index]}&{title[index:]}"
