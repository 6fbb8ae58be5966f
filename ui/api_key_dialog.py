"""A small dialog to enter an API key; the controller decides where it goes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.field_info import choice_label


class ApiKeyDialog(QDialog):
    """Asks for the key of ``backend``; the key is handed over once and forgotten.

    Signals:
        api_key_entered(str, str): backend name and the key the user entered.
    """

    api_key_entered = Signal(str, str)

    def __init__(self, backend: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.setWindowTitle(f"API key for {choice_label(backend)}")
        self.setModal(False)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setToolTip("Paste the API key; it is stored by the system keyring.")
        self.key_edit.setPlaceholderText("sk-…" if backend == "openai" else "key")
        self.key_edit.textEdited.connect(self._on_key_edit_text_edited)
        self._reveal = QCheckBox("Show")
        self._reveal.setToolTip("Show the key while typing")
        self._reveal.toggled.connect(self._on_reveal_toggled)
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._message.setAccessibleName("Key status")
        self._message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Key:", self.key_edit)
        form.addRow("", self._reveal)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self._message)
        column.addWidget(buttons)
        self.setMinimumWidth(380)

    @property
    def backend(self) -> str:
        return self._backend

    def set_message(self, text: str, error: bool = False) -> None:
        """Show what happened to the key (e.g. where it was stored)."""
        self._message.setText(text)
        self._message.setStyleSheet("color: #d9534f;" if error else "")
        self._message.setVisible(bool(text))

    def message(self) -> str:
        return self._message.text() if not self._message.isHidden() else ""

    def _on_key_edit_text_edited(self, _text: str) -> None:
        if self._message.isVisible():
            self.set_message("")

    def _on_reveal_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)

    def _on_buttons_accepted(self) -> None:
        key = self.key_edit.text().strip()
        if not key:
            self.set_message("Enter a key first.", error=True)
            return
        if any(ch.isspace() for ch in key):
            self.set_message("A key has no spaces in it; check what was pasted.", error=True)
            return
        self.key_edit.clear()
        self.api_key_entered.emit(self._backend, key)
