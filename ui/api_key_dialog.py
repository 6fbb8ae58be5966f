"""A small dialog to enter an API key or token; the window decides where it goes."""

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
from ui.theme import PROBLEM_TEXT_STYLE

#: Secrets other than a backend's API key: (title, field label, tooltip, placeholder).
_OTHER_SECRETS: dict[str, tuple[str, str, str, str]] = {
    "azure_token": (
        "Entra ID token for Azure OpenAI",
        "&Token:",
        "Paste a Microsoft Entra ID access token (for example from `az account "
        "get-access-token --resource https://cognitiveservices.azure.com`); it is stored "
        "by the system keyring. Tokens expire: enter a fresh one when Azure refuses it.",
        "eyJ…",
    ),
    "chat": (
        "API key for the chat endpoint",
        "&Key:",
        "The key the offline engine's chat endpoint wants (sent as a bearer token); it is "
        "stored by the system keyring.",
        "key",
    ),
}


class ApiKeyDialog(QDialog):
    """Asks for the secret ``name`` (a backend's API key, ``azure_token`` or ``chat``);
    the value is handed over once and forgotten.

    Signals:
        api_key_entered(str, str): the secret's name and the value the user entered.
    """

    api_key_entered = Signal(str, str)

    def __init__(self, backend: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        title, label, tip, placeholder = _OTHER_SECRETS.get(
            backend,
            (
                f"API key for {choice_label(backend)}",
                "&Key:",
                "Paste the API key; it is stored by the system keyring.",
                "sk-…" if backend == "openai" else "key",
            ),
        )
        self.setWindowTitle(title)
        self.setModal(False)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName(title)
        self.key_edit.setToolTip(tip)
        self.key_edit.setPlaceholderText(placeholder)
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
        form.addRow(label, self.key_edit)
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
        self._message.setStyleSheet(PROBLEM_TEXT_STYLE if error else "")
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
