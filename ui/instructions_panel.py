"""System instructions: a multi-line editor, a few presets, and Apply."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.config.settings import DEFAULT_INSTRUCTIONS, InstructionsSettings
from ui.settings_form import SettingsForm

PRESETS: dict[str, str] = {
    "Parley (default)": DEFAULT_INSTRUCTIONS,
    "Concise assistant": (
        "You are a concise assistant. Answer in one or two short sentences. "
        "Skip pleasantries; ask one clarifying question only when you must."
    ),
    "Friendly tutor": (
        "You are a patient, friendly tutor. Explain step by step with simple "
        "examples, check that the user follows, and encourage questions."
    ),
    "Translator (to Spanish)": (
        "You are an interpreter. Translate everything the user says into natural "
        "Spanish and say only the translation, with no commentary."
    ),
    "Rubber duck": (
        "You are a rubber duck for debugging. Mostly listen. Ask short, curious "
        "questions that help the user explain their code and spot the problem "
        "themselves; do not hand out solutions unless asked."
    ),
}


class InstructionsPanel(QWidget):
    """Edit the instructions; nothing is sent until Apply (Ctrl+Return).

    Signals:
        setting_changed(str, object): ``"instructions.instructions"`` with the
            text, when the user presses Apply.
    """

    setting_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presets = QComboBox()
        self.presets.setAccessibleName("Instruction presets")
        self.presets.setToolTip("Fill the editor with a ready-made set of instructions")
        self.presets.addItem("Presets…", None)
        for name, text in PRESETS.items():
            self.presets.addItem(name, text)
        self.presets.activated.connect(self._on_presets_activated)
        self.form = SettingsForm(
            "instructions", InstructionsSettings, ["instructions"], multiline={"instructions"}
        )
        self.form.setting_changed.connect(self.setting_changed)
        self.apply_button = QPushButton("&Apply")
        self.apply_button.setToolTip("Use these instructions now (Ctrl+Return)")
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        apply_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        apply_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        apply_shortcut.activated.connect(self._on_apply_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.presets, 1)
        buttons.addWidget(self.apply_button)
        column = QVBoxLayout(self)
        column.addWidget(self.form, 1)
        column.addLayout(buttons)
        self.set_values(InstructionsSettings())

    def set_values(self, values: InstructionsSettings) -> None:
        self.form.set_values(values)

    def text(self) -> str:
        return str(self.form.value("instructions"))

    def set_text(self, text: str) -> None:
        """Put ``text`` in the editor without applying it."""
        self.form.set_value("instructions", text)

    def _on_presets_activated(self, index: int) -> None:
        text = self.presets.itemData(index)
        if isinstance(text, str):
            self.set_text(text)
        self.presets.setCurrentIndex(0)

    def _on_apply_button_clicked(self) -> None:
        self.form.commit("instructions")
