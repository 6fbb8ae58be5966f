"""The MCP servers on the Tools tab: each server's state, its tools and their rules.

A tree with one row per server (a box to switch it on or off, its state) and one
row per tool under it (whether it asks before running, runs without asking, or
is off). Below: add, edit, remove, restart, and the selected server's message
with the last lines it printed on its error output. The panel renders what it is
given and reports intents; the server list itself lives in the settings.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.config.settings import McpServerSettings
from desktop.mcp.policy import tool_rule
from desktop.mcp.records import McpTool, ServerState, ServerStatus
from ui.mcp_server_dialog import McpServerDialog
from ui.theme import BUSY_COLOUR, GOOD_COLOUR, PROBLEM_COLOUR

RULE_LABELS: dict[str, str] = {
    "ask": "Ask first",
    "allow": "Runs without asking",
    "off": "Off",
}
_STATE_COLOURS = {
    ServerState.RUNNING: GOOD_COLOUR,
    ServerState.STARTING: BUSY_COLOUR,
    ServerState.FAILED: PROBLEM_COLOUR,
}
_NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class McpServersPanel(QWidget):
    """The user's MCP servers.

    Signals:
        save_requested(object, object, object, object): from the server dialog: the old
            name (None: a new server), the :class:`McpServerSettings`, the bearer token
            typed (or None), the secret variables' values (dict). Answer with
            :meth:`finish_save`.
        remove_requested(str): remove the server of that name.
        enabled_changed(str, bool): switch a server on or off.
        restart_requested(str): start a server again.
        tool_rule_changed(str, str, object): server, the server's name for the tool,
            and "ask", "allow", "off", or None for the server's default.
    """

    save_requested = Signal(object, object, object, object)
    remove_requested = Signal(str)
    enabled_changed = Signal(str, bool)
    restart_requested = Signal(str)
    tool_rule_changed = Signal(str, str, object)

    def __init__(
        self, has_token: Callable[[str], bool] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._has_token = has_token or (lambda _name: False)
        self._servers: list[McpServerSettings] = []
        self._statuses: dict[str, ServerStatus] = {}
        self.dialog: McpServerDialog | None = None
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("MCP servers")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Server and tools", "State or rule"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.setMinimumHeight(260)
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.add_button = QPushButton("&Add…")
        self.add_button.setToolTip("Add an MCP server: a command on this computer, or a URL")
        self.edit_button = QPushButton("&Edit…")
        self.remove_button = QPushButton("Re&move")
        self.restart_button = QPushButton("&Restart")
        self.add_button.clicked.connect(lambda: self._open_dialog(None))
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.restart_button.clicked.connect(self._on_restart_button_clicked)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Server state")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stderr_view = QPlainTextEdit()
        self.stderr_view.setReadOnly(True)
        self.stderr_view.setAccessibleName("What the server printed")
        self.stderr_view.setMaximumHeight(90)
        self.stderr_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.restart_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.tree)
        column.addLayout(buttons)
        column.addWidget(self.message)
        column.addWidget(self.stderr_view)
        self._render_selection()

    # Rendering --------------------------------------------------------------

    def set_servers(
        self, servers: list[McpServerSettings], statuses: tuple[ServerStatus, ...]
    ) -> None:
        """Show ``servers`` (the settings) with what the host says of them."""
        self._servers = list(servers)
        self._statuses = {status.name: status for status in statuses}
        current = self.selected_server()
        expanded = {
            str(item.data(0, _NAME_ROLE)) for item in self._top_items() if item.isExpanded()
        }
        blocked = self.tree.blockSignals(True)
        self.tree.clear()
        for server in self._servers:
            item = self._server_item(server)
            self.tree.addTopLevelItem(item)
            self._add_tool_rows(item, server)
            item.setExpanded(server.name in expanded or server.name == current)
            if server.name == current:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(blocked)
        first = self.tree.topLevelItem(0)
        if current is None and first is not None:
            self.tree.setCurrentItem(first)
        self._render_selection()

    def server_item(self, name: str) -> QTreeWidgetItem | None:
        return next((i for i in self._top_items() if i.data(0, _NAME_ROLE) == name), None)

    def rule_combo(self, server: str, tool_name: str) -> QComboBox | None:
        """The rule chooser of one tool (by the server's name for it)."""
        item = self.server_item(server)
        for index in range(item.childCount() if item is not None else 0):
            child = item.child(index) if item is not None else None
            if child is not None and child.data(0, _NAME_ROLE) == tool_name:
                widget = self.tree.itemWidget(child, 1)
                return widget if isinstance(widget, QComboBox) else None
        return None

    def selected_server(self) -> str | None:
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return str(item.data(0, _NAME_ROLE)) if item is not None else None

    def select(self, name: str) -> None:
        item = self.server_item(name)
        if item is not None:
            self.tree.setCurrentItem(item)

    def finish_save(self, problem: str | None) -> None:
        """The answer to :attr:`save_requested` (None: saved)."""
        if self.dialog is not None:
            self.dialog.finish(problem)

    def _top_items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _server_item(self, server: McpServerSettings) -> QTreeWidgetItem:
        status = self._status(server)
        item = QTreeWidgetItem([server.name, _state_text(status)])
        item.setData(0, _NAME_ROLE, server.name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Checked if server.enabled else Qt.CheckState.Unchecked)
        item.setToolTip(0, "Switch the server on or off")
        item.setToolTip(1, status.message)
        colour = _STATE_COLOURS.get(status.state)
        if colour is not None:
            item.setForeground(1, QColor(colour))
        return item

    def _add_tool_rows(self, item: QTreeWidgetItem, server: McpServerSettings) -> None:
        for tool in self._status(server).tools:
            reads = " · reads only" if tool.read_only else ""
            child = QTreeWidgetItem([f"{tool.title}{reads}", ""])
            child.setData(0, _NAME_ROLE, tool.tool_name)
            child.setToolTip(0, f"{tool.function_name}: {tool.description}".strip())
            item.addChild(child)
            self.tree.setItemWidget(child, 1, self._rule_combo(server, tool))

    def _rule_combo(self, server: McpServerSettings, tool: McpTool) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"Rule for {tool.title}")
        for rule, label in RULE_LABELS.items():
            combo.addItem(label, rule)
        combo.setCurrentIndex(combo.findData(tool_rule(tool, server)))
        combo.setToolTip(
            "Ask first: you allow each call (by button, or by saying yes or no). "
            "Runs without asking. Off: the assistant is not offered this tool."
        )
        combo.activated.connect(
            lambda _index: self._on_rule_chosen(server, tool, str(combo.currentData()))
        )
        return combo

    def _status(self, server: McpServerSettings) -> ServerStatus:
        known = self._statuses.get(server.name)
        if known is not None:
            return known
        if not server.enabled:
            return ServerStatus(server.name, ServerState.OFF, "Switched off.")
        return ServerStatus(server.name, ServerState.STARTING, "Starting.")

    def _render_selection(self) -> None:
        name = self.selected_server()
        server = next((s for s in self._servers if s.name == name), None)
        for button in (self.edit_button, self.remove_button, self.restart_button):
            button.setEnabled(server is not None)
        if server is None:
            self.message.setText(
                "No MCP servers yet. Add one to give the assistant its tools."
                if not self._servers
                else ""
            )
            self.stderr_view.hide()
            return
        status = self._status(server)
        self.restart_button.setEnabled(server.enabled)
        self.message.setText(f"{server.name}: {status.message}")
        self.stderr_view.setPlainText(status.stderr_tail)
        self.stderr_view.setVisible(bool(status.stderr_tail))

    # User intent ------------------------------------------------------------

    # The tree is rebuilt with every change it reports, so a change made in the tree
    # (a box, a rule) is reported once its own signal is over: the item or the combo
    # box that sent it is deleted by that rebuild.

    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0 and item.parent() is None:
            checked = item.checkState(0) == Qt.CheckState.Checked
            name = str(item.data(0, _NAME_ROLE))
            QTimer.singleShot(0, self, lambda: self.enabled_changed.emit(name, checked))

    def _on_tree_current_item_changed(self, *_items: object) -> None:
        self._render_selection()

    def _on_rule_chosen(self, server: McpServerSettings, tool: McpTool, rule: str) -> None:
        rules = {name: r for name, r in server.tool_rules.items() if name != tool.tool_name}
        without = server.model_copy(update={"tool_rules": rules})
        default = tool_rule(tool, without)
        chosen = None if rule == default else rule
        QTimer.singleShot(
            0, self, lambda: self.tool_rule_changed.emit(server.name, tool.tool_name, chosen)
        )

    def _on_edit_button_clicked(self) -> None:
        name = self.selected_server()
        server = next((s for s in self._servers if s.name == name), None)
        if server is not None:
            self._open_dialog(server)

    def _on_remove_button_clicked(self) -> None:
        name = self.selected_server()
        if name is not None:
            self.remove_requested.emit(name)

    def _on_restart_button_clicked(self) -> None:
        name = self.selected_server()
        if name is not None:
            self.restart_requested.emit(name)

    def _open_dialog(self, server: McpServerSettings | None) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        has_token = server is not None and self._has_token(server.name)
        dialog = McpServerDialog(server, has_token, self)
        dialog.save_requested.connect(self.save_requested)
        self.dialog = dialog
        dialog.show()


def _state_text(status: ServerStatus) -> str:
    if status.state is ServerState.RUNNING:
        count = len(status.tools)
        return f"Running · {count} tool{'s' if count != 1 else ''}"
    return {
        ServerState.STARTING: "Starting…",
        ServerState.FAILED: "Failed",
        ServerState.OFF: "Off",
        ServerState.STOPPED: "Stopped",
    }[status.state]
