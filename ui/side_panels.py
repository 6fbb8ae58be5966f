"""The settings panels in tabs (voice, instructions, VAD, audio, tools, usage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from desktop.audio.checks import AudioChecks
from desktop.config.settings import UiSettings
from desktop.conversation.controller import ConversationController
from desktop.conversation.usage import UsageLedger
from ui.audio_panel import AudioPanel
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

    Signals:
        setting_changed(str, object): ``"group.field"`` and the new value.
    """

    setting_changed = Signal(str, object)

    def __init__(self, controller: ConversationController) -> None:
        super().__init__()
        self.controller = controller
        self.setAccessibleName("Settings panels")
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
        self.tools = ToolsPanel()
        self.usage = UsagePanel()
        self.usage.reset_conversation_requested.connect(controller.reset_conversation)
        self.supervisor: AudioSupervisor | None = None
        self.checks = AudioChecks(self)
        self.checks.status.connect(self.audio.set_status)
        self.audio.test_tone_requested.connect(self.checks.play_tone)
        self.audio.mic_check_requested.connect(self.checks.start_mic_check)
        self.audio.refresh_devices_requested.connect(self.refresh_devices)
        self.audio.set_tests_enabled(False)
        panels = (self.voice, self.instructions, self.vad, self.audio, self.keys, self.tools)
        for panel in (*panels, self.usage):
            panel.setting_changed.connect(self.setting_changed)
        self.addTab(_page(self.voice), "&Voice")
        self.addTab(_page(self.instructions), "&Instructions")
        self.addTab(_page(self.vad), "VA&D")
        self._audio_tab = self.addTab(_page(self.audio, keys_box), "A&udio")
        self.addTab(_page(self.tools), "&Tools")
        self.addTab(_page(self.usage), "Usa&ge")
        controller.voice_lock_changed.connect(self._on_controller_voice_lock_changed)
        controller.usage_changed.connect(self._on_controller_usage_changed)
        self.refresh()

    def refresh(self) -> None:
        """Show the controller's settings again (e.g. after a refused edit)."""
        settings = self.controller.settings
        self.voice.set_values(settings.voice)
        self.instructions.set_values(settings.instructions)
        self.vad.set_values(settings.turn_detection, settings.transcription, settings.audio)
        self.audio.set_values(settings.audio)
        self.keys.set_values(settings.ui)
        self.tools.set_values(settings.tools)
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
