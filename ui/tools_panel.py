"""The Tools tab: switches for the built-in tools, and the user's MCP servers."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from desktop.config.settings import ToolSettings
from ui.mcp_servers_panel import McpServersPanel
from ui.settings_form import SettingsForm

_MCP_NOTE = (
    "Your own tools, from MCP servers: a program on this computer (for example npx "
    "with the arguments -y @modelcontextprotocol/server-filesystem ~/Documents) or a "
    "URL. The assistant sees each tool as server__tool. A tool that asks first waits "
    "for your yes or no, by button or by voice; tools the server marks read-only run "
    "without asking unless you choose otherwise."
)


class ToolsPanel(QWidget):
    """Enable or disable each built-in tool; manage the MCP servers.

    Signals:
        setting_changed(str, object): ``"tools.<name>"`` with ``True``/``False``.
    """

    setting_changed = Signal(str, object)

    def __init__(
        self, has_token: Callable[[str], bool] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.form = SettingsForm(
            "tools",
            ToolSettings,
            labels={"local_time": "Local date and time"},
        )
        self.form.setting_changed.connect(self.setting_changed)
        note = QLabel("Tools run on this computer; the assistant asks for them by name.")
        note.setWordWrap(True)
        builtin_box = QGroupBox("Built-in tools")
        builtin_column = QVBoxLayout(builtin_box)
        builtin_column.addWidget(self.form)
        builtin_column.addWidget(note)
        self.mcp = McpServersPanel(has_token)
        mcp_note = QLabel(_MCP_NOTE)
        mcp_note.setWordWrap(True)
        mcp_box = QGroupBox("MCP servers")
        mcp_column = QVBoxLayout(mcp_box)
        mcp_column.addWidget(mcp_note)
        mcp_column.addWidget(self.mcp)
        column = QVBoxLayout(self)
        column.addWidget(builtin_box)
        column.addWidget(mcp_box)
        column.addStretch(1)
        self.set_values(ToolSettings())

    def set_values(self, values: ToolSettings) -> None:
        self.form.set_values(values)
