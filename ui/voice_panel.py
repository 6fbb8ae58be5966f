"""Voice and speaking speed, with the voice lock the server imposes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.config.settings import VoiceSettings
from ui.settings_form import SettingsForm

_VOICE_TIP = str(VoiceSettings.model_fields["voice"].description)


class VoicePanel(QWidget):
    """The assistant's voice. Once the assistant has spoken, the voice is fixed
    for the session; the lock explains why and offers a new session.

    Signals:
        setting_changed(str, object): ``"voice.voice"`` or ``"voice.speed"``.
        new_session_requested(): the user wants a fresh session (to change voice).
    """

    setting_changed = Signal(str, object)
    new_session_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = SettingsForm("voice", VoiceSettings, ["voice", "speed"])
        self.form.setting_changed.connect(self.setting_changed)
        self._lock_label = QLabel()
        self._lock_label.setWordWrap(True)
        self._lock_label.setAccessibleName("Voice lock")
        self.new_session_button = QPushButton("&New session")
        self.new_session_button.setToolTip("Start a new session so the voice can change")
        self.new_session_button.clicked.connect(self._on_new_session_button_clicked)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self._lock_label, 1)
        lock_row.addWidget(self.new_session_button)
        column = QVBoxLayout(self)
        column.addWidget(self.form)
        column.addLayout(lock_row)
        column.addStretch(1)
        self.set_values(VoiceSettings())
        self.set_voice_locked(False)

    def set_values(self, values: VoiceSettings) -> None:
        self.form.set_values(values)

    def set_voice_locked(self, locked: bool, reason: str = "") -> None:
        """Disable the voice choice, saying why (``reason``), or enable it again."""
        self.form.set_field_enabled("voice", not locked)
        text = f"Voice locked: {reason or 'it is fixed for this session.'}" if locked else ""
        self._lock_label.setText(text)
        self._lock_label.setVisible(locked)
        self.new_session_button.setVisible(locked)
        self.form.editor("voice").setToolTip(reason if locked else _VOICE_TIP)

    def lock_text(self) -> str:
        return self._lock_label.text() if not self._lock_label.isHidden() else ""

    def _on_new_session_button_clicked(self) -> None:
        self.new_session_requested.emit()
