"""The user's MCP servers as the conversation's tools, and the server list they come from.

:class:`McpTools` keeps the conversation's :class:`~desktop.conversation.tools.ToolRegistry`
in step with the MCP servers: every tool a running server offers joins it as a
:class:`~desktop.conversation.tools.Tool` whose calls start on the MCP host and
return at once; the outcome comes back later as :attr:`McpTools.call_finished`.
Whether a tool asks before it runs comes from the policy (:mod:`desktop.mcp.policy`).

It also owns the edits of the server list in the settings (add, change, remove,
switch on or off, a tool's rule, restart): the Tools tab's intents come here,
secrets go to the key store, and the servers follow. The MCP host's thread starts
with the first server, so a user without servers runs no thread for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from desktop.config.secrets import KeyStore
from desktop.config.settings import McpServerSettings, McpToolRule, Settings
from desktop.conversation.tools import Tool, ToolRegistry, ToolResult
from desktop.mcp.launch import env_slot
from desktop.mcp.qt_bridge import McpBridge
from desktop.mcp.records import CallOutcome, McpTool, ServerStatus
from desktop.mcp.server_secrets import forget_server_secrets, rename_server_secrets, save_token

log = logging.getLogger(__name__)


class McpTools(QObject):
    """The MCP servers of the settings, their tools in the registry, their calls.

    Signals:
        servers_changed(object): a ``tuple[ServerStatus, ...]`` of every configured
            server (settings order) whenever one starts, fails, stops or is edited.
        tools_changed(): the tools offered to the model changed (a session.update is due).
        call_finished(str, object): the call id and the :class:`ToolResult` of a call.
    """

    servers_changed = Signal(object)
    tools_changed = Signal()
    call_finished = Signal(str, object)

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        registry: ToolRegistry,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._keys = keys
        self._registry = registry
        self._bridge: McpBridge | None = None
        self._offered: dict[str, Tool] = {}

    # -- running -----------------------------------------------------------------------------

    def apply(self) -> None:
        """Start, stop or restart servers to match the settings (the host starts with
        the first server)."""
        if self._bridge is None:
            if not self._settings.mcp.servers:
                return
            bridge = McpBridge(self._keys, reserved_names=self._registry.names(), parent=self)
            bridge.servers_changed.connect(self._on_bridge_servers_changed)
            bridge.tools_changed.connect(self._on_bridge_tools_changed)
            bridge.call_finished.connect(self._on_bridge_call_finished)
            bridge.start()
            self._bridge = bridge
        self._bridge.apply(self._settings.mcp)
        self._sync_registry()  # a rule change counts from the next call on

    def statuses(self) -> tuple[ServerStatus, ...]:
        return self._bridge.statuses() if self._bridge is not None else ()

    def tools(self) -> tuple[McpTool, ...]:
        """The tools offered to the model now."""
        return self._bridge.tools() if self._bridge is not None else ()

    def restart(self, name: str) -> None:
        if self._bridge is not None:
            self._bridge.restart(name)

    def shutdown(self) -> None:
        """Stop every server (their processes too) and the host thread."""
        if self._bridge is not None:
            self._bridge.shutdown()
            self._bridge = None

    # -- editing the server list -------------------------------------------------------------

    def save_server(
        self,
        old_name: str | None,
        server: McpServerSettings,
        token: str | None = None,
        secret_values: Mapping[str, str] | None = None,
    ) -> None:
        """Add ``server`` (``old_name`` None) or put it in the place of ``old_name``.
        ``token`` (an HTTP server's) and ``secret_values`` (by variable) go to the key
        store; empty values keep what is stored. ValueError says what is wrong."""
        servers = list(self._settings.mcp.servers)
        old = next((s for s in servers if s.name == old_name), None)
        if old_name is not None and old is None:
            raise ValueError(f"There is no server called {old_name}.")
        taken = {s.name.casefold() for s in servers if s is not old}
        if server.name.casefold() in taken:
            raise ValueError(f"A server called {server.name} exists already; choose another name.")
        if old is None:
            servers.append(server)
        else:
            servers[servers.index(old)] = server
        self._set_servers(servers)
        if old is not None:
            if old.name != server.name:
                rename_server_secrets(self._keys, old, server.name)
            for variable in set(old.secret_env) - set(server.secret_env):
                self._keys.forget_secret(env_slot(server.name, variable))
        if token:
            save_token(self._keys, server.name, token)
        for variable, value in (secret_values or {}).items():
            if value.strip() and variable in server.secret_env:
                self._keys.save_secret(env_slot(server.name, variable), value)
        self.apply()

    def remove_server(self, name: str) -> None:
        """Stop and forget the server ``name``, its secrets too."""
        servers = list(self._settings.mcp.servers)
        gone = next((s for s in servers if s.name == name), None)
        if gone is None:
            return
        servers.remove(gone)
        self._set_servers(servers)
        forget_server_secrets(self._keys, gone)
        self.apply()

    def set_enabled(self, name: str, enabled: bool) -> None:
        self._change(name, enabled=enabled)

    def set_tool_rule(self, server: str, tool_name: str, rule: McpToolRule | None) -> None:
        """Ask, allow or switch off one tool of ``server``; None follows the server's
        ``ask`` setting again."""
        current = next((s for s in self._settings.mcp.servers if s.name == server), None)
        if current is None:
            return
        rules = dict(current.tool_rules)
        if rule is None:
            rules.pop(tool_name, None)
        else:
            rules[tool_name] = rule
        self._change(server, tool_rules=rules)

    def _change(self, name: str, **fields: object) -> None:
        servers = [
            s.model_copy(update=fields) if s.name == name else s for s in self._settings.mcp.servers
        ]
        self._set_servers(servers)
        self.apply()

    def _set_servers(self, servers: list[McpServerSettings]) -> None:
        try:
            self._settings.mcp.servers = [
                McpServerSettings.model_validate(s.model_dump()) for s in servers
            ]
        except ValidationError as exc:
            reasons = "; ".join(str(e.get("msg", "invalid")) for e in exc.errors())
            raise ValueError(reasons.removeprefix("Value error, ")) from exc
        self.servers_changed.emit(self.statuses())  # the list shows at once; states follow

    # -- the registry and the calls ----------------------------------------------------------

    def _on_bridge_servers_changed(self, statuses: tuple[ServerStatus, ...]) -> None:
        self._sync_registry()  # a rule may have changed whether a tool asks first
        self.servers_changed.emit(statuses)

    def _on_bridge_tools_changed(self, _offered: object) -> None:
        self._sync_registry()

    def _sync_registry(self) -> None:
        bridge = self._bridge
        if bridge is None:
            return
        wanted = {tool.function_name: self._as_tool(bridge, tool) for tool in bridge.tools()}
        if wanted == self._offered:
            return
        schemas_changed = {n: t.schema for n, t in wanted.items()} != {
            n: t.schema for n, t in self._offered.items()
        }
        for name in self._offered.keys() - wanted.keys():
            self._registry.remove(name)
        for tool in wanted.values():
            self._registry.add(tool)
        self._offered = wanted
        if schemas_changed:
            self.tools_changed.emit()

    def _as_tool(self, bridge: McpBridge, tool: McpTool) -> Tool:
        name = tool.function_name
        previous = self._offered.get(name)
        start = previous.start if previous is not None else None
        if start is None:

            def start(call_id: str, arguments: str, name: str = name) -> None:
                if self._bridge is not None:
                    self._bridge.execute(call_id, name, arguments)
                else:  # the servers were stopped (the app is closing)
                    self.call_finished.emit(call_id, _stopped(name))

        return Tool(
            name,
            tool.function_tool(),
            start=start,
            ask_first=bridge.needs_confirmation(name),
            label=f"{tool.title} ({tool.server})",
        )

    def _on_bridge_call_finished(self, outcome: CallOutcome) -> None:
        result = ToolResult(
            {}, ok=outcome.ok, text=outcome.output, message=outcome.user_message or ""
        )
        log.info(
            "MCP call %s of %s ended %s after %.1f s",
            outcome.call_id,
            outcome.function_name,
            "well" if outcome.ok else "with an error",
            outcome.elapsed_s,
        )
        self.call_finished.emit(outcome.call_id, result)


def _stopped(name: str) -> ToolResult:
    message = f"The tool {name} could not run: its servers were stopped."
    return ToolResult(
        {}, ok=False, text='{"error": "the MCP servers were stopped"}', message=message
    )
