"""Backend choice, model/endpoint, API key, connect button and link state."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import ConnectionSettings
from desktop.connection.state import ConnectionState
from ui.api_key_dialog import ApiKeyDialog
from ui.field_info import choice_label, field_spec, validation_error
from ui.state_dot import StateDot
from ui.theme import BUSY_COLOUR, GOOD_COLOUR, PROBLEM_COLOUR, PROBLEM_TEXT_STYLE, WAITING_COLOUR

STATE_TEXT: dict[ConnectionState, str] = {
    ConnectionState.IDLE: "Not connected",
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.LIVE: "Live",
    ConnectionState.RECONNECTING: "Reconnecting…",
    ConnectionState.FAILED: "Failed",
}
STATE_COLOURS: dict[ConnectionState, str | None] = {
    ConnectionState.IDLE: None,
    ConnectionState.CONNECTING: BUSY_COLOUR,
    ConnectionState.LIVE: GOOD_COLOUR,
    ConnectionState.RECONNECTING: WAITING_COLOUR,
    ConnectionState.FAILED: PROBLEM_COLOUR,
}
_CONNECTABLE = (ConnectionState.IDLE, ConnectionState.FAILED)


class ConnectionBar(QWidget):
    """Where to connect, and how the connection is doing.

    Signals:
    The fields stay editable while connected: a change moves the session to the
    new place (the controller reconnects).

    Signals:
        connect_requested(): the user pressed Connect.
        disconnect_requested(): the user pressed Disconnect.
        setting_changed(str, object): ``"connection.backend"``,
            ``"connection.model"``, ``"connection.url"`` or
            ``"connection.azure_endpoint"`` with the new valid value.
        api_key_entered(str, str): the secret's name (a backend, or ``azure_token``
            for Azure with Entra ID sign-in) and its value, from the key dialog.
        retry_requested(): the user pressed "Retry now" while a reconnection waited.
    """

    connect_requested = Signal()
    disconnect_requested = Signal()
    setting_changed = Signal(str, object)
    api_key_entered = Signal(str, str)
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = ConnectionState.IDLE
        self._reason = ""
        self._retry_deadline: float | None = None
        self._countdown_timer = QTimer(self, interval=1000)
        self._countdown_timer.timeout.connect(self._render_state)
        self._azure_auth = "key"
        self._rendered: dict[str, object] = {}
        self._key_dialog: ApiKeyDialog | None = None

        self.backend_combo = QComboBox()
        self.backend_combo.setAccessibleName("Backend")
        self.backend_combo.setToolTip(field_spec(ConnectionSettings, "backend").description)
        for backend in field_spec(ConnectionSettings, "backend").choices:
            self.backend_combo.addItem(choice_label(backend), backend)
        self.backend_combo.activated.connect(self._on_backend_combo_activated)

        self.model_edit = self._line_edit("model", "Model")
        self.model_edit.setMinimumWidth(150)
        self.url_edit = self._line_edit("url", "Server URL")
        self.url_edit.setPlaceholderText("ws://127.0.0.1:8080/v1")
        self.endpoint_edit = self._line_edit("azure_endpoint", "Azure endpoint")
        self.endpoint_edit.setPlaceholderText("https://my-resource.openai.azure.com")
        for edit in (self.url_edit, self.endpoint_edit):
            edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            edit.setMinimumWidth(220)

        self.key_button = QPushButton("API &key…")
        self.key_button.setToolTip("Enter or replace the API key for this backend")
        self.key_button.clicked.connect(self._on_key_button_clicked)

        self.connect_button = QPushButton()
        self.connect_button.setMinimumWidth(100)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.retry_button = QPushButton("Retry &now")
        self.retry_button.setToolTip("Try to reconnect now instead of at the end of the pause")
        self.retry_button.clicked.connect(self.retry_requested)
        self.retry_button.hide()

        self._dot = StateDot()
        self._state_label = QLabel()
        self._state_label.setAccessibleName("Connection state")
        self._state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._input_error = QLabel()
        self._input_error.setStyleSheet(PROBLEM_TEXT_STYLE)
        self._input_error.setWordWrap(True)
        self._input_error.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.backend_combo)
        row.addWidget(self.model_edit)
        row.addWidget(self.url_edit, 1)
        row.addWidget(self.endpoint_edit, 1)
        row.addWidget(self.key_button)
        row.addWidget(self.connect_button)
        row.addSpacing(8)
        row.addWidget(self._dot)
        row.addWidget(self._state_label, 1)
        row.addWidget(self.retry_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self._input_error)

        self.set_values(ConnectionSettings())
        self.set_connection_state(ConnectionState.IDLE)

    def _line_edit(self, field: str, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setToolTip(field_spec(ConnectionSettings, field).description)
        edit.setPlaceholderText(name)
        edit.editingFinished.connect(lambda: self._on_edit_finished(field, edit))
        return edit

    # Rendering --------------------------------------------------------------

    def set_values(self, values: ConnectionSettings) -> None:
        """Show the connection settings; emits nothing."""
        index = self.backend_combo.findData(values.backend)
        self.backend_combo.setCurrentIndex(max(index, 0))
        self.model_edit.setText(values.model)
        self.url_edit.setText(values.url)
        self.endpoint_edit.setText(values.azure_endpoint)
        self._azure_auth = values.azure_auth
        self._rendered = {
            "backend": values.backend,
            "model": values.model,
            "url": values.url,
            "azure_endpoint": values.azure_endpoint,
        }
        self._show_input_error(None)
        self._render_backend()

    def set_connection_state(self, state: ConnectionState, reason: str = "") -> None:
        self._state, self._reason = state, reason
        self._render_state()
        self._state_label.setToolTip(reason)
        self.retry_button.setVisible(state is ConnectionState.RECONNECTING)
        self._dot.set_colour(STATE_COLOURS.get(state))
        connectable = state in _CONNECTABLE
        self.connect_button.setText("&Connect" if connectable else "&Disconnect")
        self.connect_button.setAccessibleName("Connect" if connectable else "Disconnect")

    def set_retry_countdown(self, seconds: float) -> None:
        """The next reconnection attempt is ``seconds`` away (0: none is waiting)."""
        self._retry_deadline = time.monotonic() + seconds if seconds > 0 else None
        if self._retry_deadline is None:
            self._countdown_timer.stop()
        else:
            self._countdown_timer.start()
        self.retry_button.setEnabled(self._retry_deadline is not None)
        self._render_state()

    def state_text(self) -> str:
        return self._state_label.text()

    def _render_state(self) -> None:
        text = STATE_TEXT.get(self._state, self._state.value)
        if self._reason:
            text = f"{text}: {self._reason}"
        if self._state is ConnectionState.RECONNECTING:
            if self._retry_deadline is None:
                text += " · trying now"
            else:
                left = math.ceil(max(0.0, self._retry_deadline - time.monotonic()))
                text += f" · next attempt in {left} s"
        elif self._retry_deadline is not None:
            self.set_retry_countdown(0)
            return
        self._state_label.setText(text)

    def backend(self) -> str:
        return str(self.backend_combo.currentData())

    def show_api_key_message(self, text: str, error: bool = False) -> None:
        """Tell the user what became of the key they entered (if the dialog is open)."""
        if self._key_dialog is not None:
            self._key_dialog.set_message(text, error)

    def input_error(self) -> str:
        return self._input_error.text() if not self._input_error.isHidden() else ""

    def _render_backend(self) -> None:
        backend = self.backend()
        self.model_edit.setVisible(backend != "offline")
        self.model_edit.setPlaceholderText("Deployment" if backend == "azure" else "Model")
        self.model_edit.setAccessibleName("Deployment" if backend == "azure" else "Model")
        self.url_edit.setVisible(backend == "custom")
        self.endpoint_edit.setVisible(backend == "azure")
        self.key_button.setVisible(backend != "offline")
        token = self.secret_name() == "azure_token"
        self.key_button.setText("Entra &token…" if token else "API &key…")
        self.key_button.setToolTip(
            "Enter or replace the Entra ID access token for Azure OpenAI"
            if token
            else "Enter or replace the API key for this backend"
        )

    def secret_name(self) -> str:
        """What the key button asks for: the backend's API key, or Azure's Entra token."""
        backend = self.backend()
        return "azure_token" if backend == "azure" and self._azure_auth == "entra" else backend

    def _show_input_error(self, message: str | None) -> None:
        self._input_error.setText(message or "")
        self._input_error.setVisible(bool(message))

    # User intent ------------------------------------------------------------

    def _on_backend_combo_activated(self, _index: int) -> None:
        self._render_backend()
        self._publish("backend", self.backend())

    def _on_edit_finished(self, field: str, edit: QLineEdit) -> None:
        self._publish(field, edit.text().strip())

    def _publish(self, field: str, value: object) -> None:
        problem = validation_error(ConnectionSettings, field, value)
        if problem is not None:
            label = field_spec(ConnectionSettings, field).label
            self._show_input_error(f"{label}: {problem}")
            return
        self._show_input_error(None)
        if self._rendered.get(field) == value:
            return
        self._rendered[field] = value
        self.setting_changed.emit(f"connection.{field}", value)

    def _on_connect_button_clicked(self) -> None:
        if self._state in _CONNECTABLE:
            self.connect_requested.emit()
        else:
            self.disconnect_requested.emit()

    def _on_key_button_clicked(self) -> None:
        if self._key_dialog is not None:
            self._key_dialog.close()
            self._key_dialog.deleteLater()
        dialog = ApiKeyDialog(self.secret_name(), self)
        dialog.api_key_entered.connect(self.api_key_entered)
        self._key_dialog = dialog
        dialog.show()
        dialog.key_edit.setFocus()
