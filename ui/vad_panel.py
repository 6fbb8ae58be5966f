"""Turn detection, transcription and noise reduction."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from desktop.config.settings import AudioSettings, TranscriptionSettings, TurnDetectionSettings
from ui.settings_form import SettingsForm

#: Which turn-detection fields mean something in each mode.
MODE_FIELDS: dict[str, set[str]] = {
    "server_vad": {"threshold", "prefix_padding_ms", "silence_duration_ms"},
    "semantic_vad": {"eagerness"},
    "off": set(),
}
_MODE_DEPENDENT = set().union(*MODE_FIELDS.values()) | {"create_response", "interrupt_response"}


class VadPanel(QWidget):
    """How the end of a turn is found, and how speech is transcribed.

    Signals:
        setting_changed(str, object): ``"turn_detection.*"``,
            ``"transcription.*"`` or ``"audio.noise_reduction"``.
    """

    setting_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turn_form = SettingsForm(
            "turn_detection",
            TurnDetectionSettings,
            labels={"create_response": "Reply automatically", "interrupt_response": "Barge-in"},
        )
        self.transcription_form = SettingsForm(
            "transcription",
            TranscriptionSettings,
            labels={"enabled": "Show my words", "model": "Transcription model"},
        )
        self.noise_form = SettingsForm("audio", AudioSettings, ["noise_reduction"])
        for form in (self.turn_form, self.transcription_form, self.noise_form):
            form.setting_changed.connect(self._on_form_setting_changed)
        turn_box = QGroupBox("Turn detection")
        QVBoxLayout(turn_box).addWidget(self.turn_form)
        speech_box = QGroupBox("Transcription and noise")
        speech_column = QVBoxLayout(speech_box)
        speech_column.addWidget(self.transcription_form)
        speech_column.addWidget(self.noise_form)
        column = QVBoxLayout(self)
        column.addWidget(turn_box)
        column.addWidget(speech_box)
        column.addStretch(1)
        self.set_values(TurnDetectionSettings(), TranscriptionSettings(), AudioSettings())

    def set_values(
        self,
        turn_detection: TurnDetectionSettings,
        transcription: TranscriptionSettings | None = None,
        audio: AudioSettings | None = None,
    ) -> None:
        """Show the current values; emits nothing."""
        self.turn_form.set_values(turn_detection)
        if transcription is not None:
            self.transcription_form.set_values(transcription)
        if audio is not None:
            self.noise_form.set_values(audio)
        self._render_mode(turn_detection.mode)

    def _render_mode(self, mode: object) -> None:
        shown = MODE_FIELDS.get(str(mode), set())
        for name in _MODE_DEPENDENT:
            if name in ("create_response", "interrupt_response"):
                self.turn_form.set_field_enabled(name, mode != "off")
            else:
                self.turn_form.set_field_visible(name, name in shown)

    def _on_form_setting_changed(self, path: str, value: object) -> None:
        if path == "turn_detection.mode":
            self._render_mode(value)
        self.setting_changed.emit(path, value)
