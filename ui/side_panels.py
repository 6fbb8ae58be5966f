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

if TYPE_CHECKING:
    from audio_engine import AudioEngine


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
        self.addTab(_page(self.audio, keys_box), "A&udio")
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

    def attach_audio(self, audio: AudioEngine) -> None:
        self.checks.audio = audio
        audio.input_level.connect(self.audio.set_input_level)
        audio.output_level.connect(self.audio.set_output_level)
        self.audio.set_tests_enabled(True)
        self.refresh_devices()

    def refresh_devices(self) -> None:
        try:
            from audio_engine import list_input_devices, list_output_devices

            inputs = [d.name for d in list_input_devices()]
            outputs = [d.name for d in list_output_devices()]
        except Exception as exc:  # a broken sound server must not take the window down
            self.audio.set_status(f"Could not list audio devices: {exc}")
            return
        audio = self.controller.settings.audio
        self.audio.set_devices(inputs, outputs, audio.input_device, audio.output_device)
        if not inputs and not outputs:
            self.audio.set_status("No audio devices found. Typed conversation still works.")

    def show_audio_problem(self, text: str) -> None:
        self.audio.set_status(text)

    def attach_audio_devices(self, audio: AudioEngine) -> None:
        names = [d.name if d else "none" for d in (audio.active_input, audio.active_output)]
        self.audio.set_status(f"Using {names[0]} and {names[1]}.")

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
