"""The Connection tab: every backend option, the replies, the offline engine's language model.

The forms come from the settings model (bounds, choices, descriptions); the labels
come from :mod:`desktop.config.places`, where the messages that name a setting take
them too. Secrets (API keys, Azure's Entra ID token, the chat endpoint's key) are
entered in a dialog and handed over once.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.config.places import OFFLINE_ENGINE_BOX, labels_of
from desktop.config.settings import ConnectionSettings, EngineSettings, ResponseSettings, Settings
from ui.api_key_dialog import ApiKeyDialog
from ui.settings_form import SettingsForm
from ui.theme import GOOD_COLOUR, PROBLEM_COLOUR

_CONNECTION_FIELDS = [
    "backend",
    "model",
    "url",
    "azure_endpoint",
    "azure_auth",
    "azure_api_version",
    "dialect",
    "auto_connect",
]
_ENGINE_NOTE = (
    "Give the offline engine a language model: any OpenAI-compatible server (Ollama, "
    "llama.cpp's server, LocalAI, vLLM). It then answers anything, follows the "
    "instructions and uses the tools. Without one it answers with its built-in rules."
)


class ConnectionPanel(QWidget):
    """Where and how Parley connects, how it replies, and the offline engine's brain.

    Signals:
        setting_changed(str, object): ``"connection.<field>"``, ``"response.<field>"``
            or ``"engine.<field>"`` with the new, valid value.
        secret_entered(str, str): a secret's name (``openai``, ``azure``, ``custom``,
            ``azure_token`` or ``chat``) and its value, from the dialog.
        check_requested(): the user wants the chat endpoint checked.
    """

    setting_changed = Signal(str, object)
    secret_entered = Signal(str, str)
    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dialog: ApiKeyDialog | None = None
        self.connection = SettingsForm(
            "connection", ConnectionSettings, _CONNECTION_FIELDS, labels=labels_of("connection")
        )
        self.connection.setting_changed.connect(self._on_form_setting_changed)
        self.key_button = QPushButton()
        self.key_button.clicked.connect(self._on_key_button_clicked)
        server_box = QGroupBox("Server")
        server_column = QVBoxLayout(server_box)
        server_column.addWidget(self.connection)
        server_column.addWidget(self.key_button)

        self.response = SettingsForm("response", ResponseSettings, labels=labels_of("response"))
        self.response.setting_changed.connect(self.setting_changed)
        replies_box = QGroupBox("Replies")
        QVBoxLayout(replies_box).addWidget(self.response)

        self.engine = SettingsForm(
            "engine", EngineSettings, ["chat_endpoint", "chat_model"], labels=labels_of("engine")
        )
        self.engine.setting_changed.connect(self.setting_changed)
        endpoint = self.engine.editor("chat_endpoint")
        if isinstance(endpoint, QLineEdit):
            endpoint.setPlaceholderText("http://127.0.0.1:11434/v1 (Ollama)")
        self.engine_key_button = QPushButton("API key…")
        self.engine_key_button.setToolTip("The key the chat endpoint wants, if it wants one")
        self.engine_key_button.clicked.connect(self._on_engine_key_button_clicked)
        self.check_button = QPushButton("Chec&k")
        self.check_button.setToolTip("Ask the chat endpoint which models it has")
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.check_result = QLabel()
        self.check_result.setWordWrap(True)
        self.check_result.setAccessibleName("Chat endpoint check")
        note = QLabel(_ENGINE_NOTE)
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.engine_key_button)
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        self.engine_box = QGroupBox(OFFLINE_ENGINE_BOX)
        engine_column = QVBoxLayout(self.engine_box)
        engine_column.addWidget(note)
        engine_column.addWidget(self.engine)
        engine_column.addLayout(buttons)
        engine_column.addWidget(self.check_result)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(server_box)
        column.addWidget(replies_box)
        column.addWidget(self.engine_box)
        self.set_values(Settings.build(environment=False))

    # Rendering --------------------------------------------------------------

    def set_values(self, settings: Settings) -> None:
        """Show the settings of the three groups; emits nothing."""
        self.connection.set_values(settings.connection)
        self.response.set_values(settings.response)
        self.engine.set_values(settings.engine)
        self._render_backend()

    def set_check_running(self) -> None:
        self.check_button.setEnabled(False)
        self._show_check("Asking the endpoint for its models…", None)

    def set_check_result(self, ok: bool, text: str) -> None:
        self.check_button.setEnabled(True)
        self._show_check(text, ok)

    def check_text(self) -> str:
        return self.check_result.text()

    def show_secret_message(self, text: str, error: bool = False) -> None:
        """What became of the secret just entered (if its dialog is open)."""
        if self.dialog is not None:
            self.dialog.set_message(text, error)

    def _show_check(self, text: str, ok: bool | None) -> None:
        self.check_result.setText(text)
        colour = {True: GOOD_COLOUR, False: PROBLEM_COLOUR, None: ""}[ok]
        self.check_result.setStyleSheet(f"color: {colour};" if colour else "")

    def _render_backend(self) -> None:
        form = self.connection
        backend = form.value("backend")
        azure = backend == "azure"
        form.set_field_visible("model", backend != "offline")
        form.set_field_visible("url", backend == "custom")
        for name in ("azure_endpoint", "azure_auth", "azure_api_version"):
            form.set_field_visible(name, azure)
        self.key_button.setVisible(backend != "offline")
        token = self._secret_name() == "azure_token"
        self.key_button.setText("Entra ID &token…" if token else "API &key…")

    def _secret_name(self) -> str:
        backend = str(self.connection.value("backend"))
        if backend == "azure" and self.connection.value("azure_auth") == "entra":
            return "azure_token"
        return backend

    # User intent ------------------------------------------------------------

    def _on_form_setting_changed(self, key: str, value: object) -> None:
        self._render_backend()
        self.setting_changed.emit(key, value)

    def _on_key_button_clicked(self) -> None:
        self._open_dialog(self._secret_name())

    def _on_engine_key_button_clicked(self) -> None:
        self._open_dialog("chat")

    def _open_dialog(self, name: str) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        dialog = ApiKeyDialog(name, self)
        dialog.api_key_entered.connect(self.secret_entered)
        self.dialog = dialog
        dialog.show()
        dialog.key_edit.setFocus()

    def _on_check_button_clicked(self) -> None:
        # What is typed but not yet committed (no Enter, no focus change) counts too.
        if self.engine.commit("chat_endpoint") and self.engine.commit("chat_model"):
            self.set_check_running()
            self.check_requested.emit()
