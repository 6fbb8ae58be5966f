"""Switches for the local tools the assistant may call."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.config.settings import ToolSettings
from ui.settings_form import SettingsForm


class ToolsPanel(QWidget):
    """Enable or disable each local tool.

    Signals:
        setting_changed(str, object): ``"tools.<name>"`` with ``True``/``False``.
    """

    setting_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = SettingsForm(
            "tools",
            ToolSettings,
            labels={"local_time": "Local date and time"},
        )
        self.form.setting_changed.connect(self.setting_changed)
        note = QLabel("Tools run on this computer; the assistant asks for them by name.")
        note.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(self.form)
        column.addWidget(note)
        column.addStretch(1)
        self.set_values(ToolSettings())

    def set_values(self, values: ToolSettings) -> None:
        self.form.set_values(values)
