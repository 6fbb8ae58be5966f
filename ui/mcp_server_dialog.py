"""The dialog that adds or changes one MCP server.

The plain fields come from the settings model (:class:`McpServerSettings`: bounds,
choices, descriptions); the arguments are one line with shell quoting, the
environment one ``NAME=value`` per line. Secrets never show: the bearer token and
the values of secret variables are typed here and handed over once, to be kept in
the system keyring; left empty, what is stored stays.
"""

from __future__ import annotations

import shlex
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import McpServerSettings
from ui.settings_form import SettingsForm
from ui.theme import PROBLEM_TEXT_STYLE

_FIELDS = ["name", "transport", "command", "working_directory", "url", "call_timeout_s", "ask"]
_LABELS = {
    "transport": "Kind",
    "working_directory": "Runs in",
    "url": "URL",
    "call_timeout_s": "Tool time limit (s)",
    "ask": "Ask before a tool runs",
}
_STDIO_ONLY = ("command", "working_directory")


class McpServerDialog(QDialog):
    """Edits one server; ``server`` None adds a new one.

    Signals:
        save_requested(object, object, object, object): the old name (None for a new
            server), the new :class:`McpServerSettings`, the bearer token typed (or
            None) and the secret variables' values typed (``dict[str, str]``). The
            owner answers with :meth:`finish` (None: done, or why not).
    """

    save_requested = Signal(object, object, object, object)

    def __init__(
        self, server: McpServerSettings | None, has_token: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._old = server
        self.setWindowTitle("Add an MCP server" if server is None else f"MCP server {server.name}")
        self.setModal(False)
        self.form = SettingsForm("mcp_server", McpServerSettings, _FIELDS, labels=_LABELS)
        self.form.setting_changed.connect(self._on_form_setting_changed)
        self.args_edit = QLineEdit()
        self.args_edit.setAccessibleName("Arguments")
        self.args_edit.setPlaceholderText("-y @modelcontextprotocol/server-filesystem ~/Documents")
        self.args_edit.setToolTip("The program's arguments, quoted as in a shell.")
        self.env_edit = _lines("Environment", "One NAME=value per line.")
        self.secret_edit = _lines(
            "Secret variables",
            "One NAME=value per line; the values go to the system keyring, never to the "
            "settings file. Leave a value empty to keep the stored one.",
        )
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setAccessibleName("Bearer token")
        self.token_edit.setToolTip("Sent as 'Authorization: Bearer'; kept in the system keyring.")
        self.token_edit.setPlaceholderText(
            "stored; type to replace it" if has_token else "optional"
        )
        self._extra = QFormLayout()
        self._extra.addRow("Arguments:", self.args_edit)
        self._extra.addRow("Environment:", self.env_edit)
        self._extra.addRow("Secret variables:", self.secret_edit)
        self._extra.addRow("Bearer token:", self.token_edit)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(PROBLEM_TEXT_STYLE)
        self.error_label.setAccessibleName("Problem")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        column = QVBoxLayout(self)
        column.addWidget(self.form)
        column.addLayout(self._extra)
        column.addWidget(self.error_label)
        column.addWidget(buttons)
        self.setMinimumWidth(480)
        self._show(server or McpServerSettings.model_construct(**_blank()))

    def _show(self, server: McpServerSettings) -> None:
        self.form.set_values(server)
        self.args_edit.setText(shlex.join(server.args))
        self.env_edit.setPlainText("\n".join(f"{k}={v}" for k, v in server.env.items()))
        self.secret_edit.setPlainText("\n".join(f"{name}=" for name in server.secret_env))
        self._render_transport()

    def _render_transport(self) -> None:
        stdio = self.form.value("transport") == "stdio"
        for name in _STDIO_ONLY:
            self.form.set_field_visible(name, stdio)
        self.form.set_field_visible("url", not stdio)
        for row, visible in ((0, stdio), (1, stdio), (2, stdio), (3, not stdio)):
            self._extra.setRowVisible(row, visible)

    # What the owner calls -----------------------------------------------------

    def finish(self, problem: str | None) -> None:
        """The owner's answer to :attr:`save_requested`: close, or say what is wrong."""
        if problem is None:
            self.accept()
            return
        self.show_problem(problem)

    def show_problem(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # User intent --------------------------------------------------------------

    def _on_form_setting_changed(self, key: str, _value: object) -> None:
        if key == "mcp_server.transport":
            self._render_transport()

    def _on_buttons_accepted(self) -> None:
        try:
            server, secrets = self._collect()
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.show_problem("")
        token = self.token_edit.text().strip() or None
        old_name = self._old.name if self._old is not None else None
        self.save_requested.emit(old_name, server, token, secrets)

    def _collect(self) -> tuple[McpServerSettings, dict[str, str]]:
        data: dict[str, Any] = {name: self.form.value(name) for name in _FIELDS}
        try:
            data["args"] = shlex.split(self.args_edit.text())
        except ValueError as exc:
            raise ValueError(f"Arguments: {exc} (check the quotes).") from exc
        data["env"] = _pairs(self.env_edit.toPlainText(), "Environment")
        secrets = _pairs(self.secret_edit.toPlainText(), "Secret variables")
        data["secret_env"] = list(secrets)
        if self._old is not None:
            data["enabled"] = self._old.enabled
            data["tool_rules"] = dict(self._old.tool_rules)
        if data["transport"] == "stdio" and not data["command"]:
            raise ValueError("Command: enter the program that runs the server (e.g. npx or uvx).")
        if data["transport"] == "http" and not data["url"]:
            raise ValueError("URL: enter the server's address (e.g. http://127.0.0.1:8000/mcp).")
        try:
            server = McpServerSettings.model_validate(data)
        except ValidationError as exc:
            raise ValueError(_first_problem(exc)) from exc
        return server, secrets


def _lines(name: str, tip: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    edit.setPlaceholderText("NAME=value")
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(70)
    return edit


def _pairs(text: str, what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"{what}, line {number}: write NAME=value.")
        pairs[name.strip()] = value
    return pairs


def _blank() -> dict[str, Any]:
    return {name: field.get_default(call_default_factory=True)
            for name, field in McpServerSettings.model_fields.items()
            if name != "name"} | {"name": ""}  # fmt: skip


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = " → ".join(str(part) for part in error.get("loc", ()))
    label = _LABELS.get(where, where.replace("_", " ").capitalize())
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{label}: {message}."
