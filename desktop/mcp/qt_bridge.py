"""The MCP host as the GUI thread sees it: settings in, queued signals out.

Nothing here waits on a server: servers start, stop and run calls on the host's
thread, and every result comes back as a queued signal, emitted on the thread
this object lives in (the GUI thread).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from desktop.config.secrets import KeyStore
from desktop.config.settings import McpServerSettings, McpSettings
from desktop.mcp.host import McpHost
from desktop.mcp.launch import launch_for
from desktop.mcp.policy import is_offered, needs_confirmation
from desktop.mcp.records import CallOutcome, McpTool, ServerStatus, error_output


class McpBridge(QObject):
    """Runs the configured MCP servers and their tool calls for the app.

    Call :meth:`start` once, :meth:`apply` with the MCP settings (again after every
    change to them, or to a server's secrets), and :meth:`shutdown` before the app
    quits: it stops every server process.

    Signals:
        servers_changed(object): a ``tuple[ServerStatus, ...]`` of every configured
            server, in settings order, whenever one starts, fails or stops.
        tools_changed(object): a ``tuple[dict, ...]`` of the function tools to offer the
            model now (``session.tools`` entries, to send next to the built-in ones),
            whenever that set changes.
        call_finished(object): the :class:`CallOutcome` of a call started with
            :meth:`execute`; its ``output`` is the ``function_call_output`` to send.
    """

    servers_changed = Signal(object)
    tools_changed = Signal(object)
    call_finished = Signal(object)
    _host_changed = Signal()
    _host_call_done = Signal(object)

    def __init__(
        self,
        keys: KeyStore | None,
        reserved_names: Iterable[str] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._keys = keys
        self._settings = McpSettings()
        self._host = McpHost(on_change=self._emit_host_changed, reserved_names=reserved_names)
        self._offered: tuple[dict[str, Any], ...] = ()
        self._ever_offered: set[str] = set()
        self._closed = False
        self._host_changed.connect(self._on_host_changed, Qt.ConnectionType.QueuedConnection)
        self._host_call_done.connect(self._on_host_call_done, Qt.ConnectionType.QueuedConnection)

    # --- control ------------------------------------------------------------------

    def start(self) -> None:
        self._host.start()

    def apply(self, settings: McpSettings) -> None:
        """Starts, stops or restarts servers so that they match ``settings``."""
        self._settings = settings.model_copy(deep=True)
        self._host.configure([launch_for(server, self._keys) for server in settings.servers])
        self._host_changed.emit()  # tool rules may have changed with nothing restarting

    def restart(self, name: str) -> None:
        self._host.restart(name)

    def shutdown(self) -> None:
        """Stops every server and waits until their processes are gone (a few seconds
        at most, for a server that ignores being asked to quit)."""
        self._closed = True
        self._host.stop()

    # --- what there is ------------------------------------------------------------

    def statuses(self) -> tuple[ServerStatus, ...]:
        return self._host.statuses()

    def tools(self) -> tuple[McpTool, ...]:
        """The tools offered to the model (those not switched off), every server's."""
        return tuple(tool for tool in self._host.tools() if is_offered(tool, self._server(tool)))

    def function_tools(self) -> list[dict[str, Any]]:
        """The ``session.tools`` entries for :meth:`tools`."""
        return [tool.function_tool() for tool in self.tools()]

    def owns(self, function_name: str) -> bool:
        """Whether a call of ``function_name`` is for an MCP tool (offered now or before
        in this run), so :meth:`execute` should answer it."""
        return function_name in self._ever_offered or self._host.find(function_name) is not None

    def find(self, function_name: str) -> McpTool | None:
        return self._host.find(function_name)

    def needs_confirmation(self, function_name: str) -> bool:
        """Whether the user must say yes before this tool runs."""
        tool = self._host.find(function_name)
        return tool is not None and needs_confirmation(tool, self._server(tool))

    # --- calls --------------------------------------------------------------------

    def execute(self, call_id: str, function_name: str, arguments: str) -> None:
        """Runs a call; :attr:`call_finished` brings its outcome (always, even for an
        unknown or switched-off tool), later and on this object's thread."""
        tool = self._host.find(function_name)
        if tool is not None and not is_offered(tool, self._server(tool)):
            refused = CallOutcome(
                call_id, function_name, tool.server, tool.tool_name,
                error_output("this tool is switched off in Parley's settings"), False,
                f"The assistant asked for {tool.title} ({tool.server}), which is switched off.",
            )  # fmt: skip
            self._host_call_done.emit(refused)
            return
        future = self._host.call(call_id, function_name, arguments)
        future.add_done_callback(lambda done: self._emit_call_done(call_id, function_name, done))

    # --- from the host thread -----------------------------------------------------

    def _emit_host_changed(self) -> None:
        if not self._closed:
            self._host_changed.emit()

    def _emit_call_done(
        self, call_id: str, function_name: str, future: concurrent.futures.Future[CallOutcome]
    ) -> None:
        if self._closed:
            return
        problem = future.exception() if not future.cancelled() else None
        if future.cancelled() or problem is not None:
            why = "it was cancelled" if problem is None else f"{type(problem).__name__}"
            outcome = CallOutcome(
                call_id, function_name, "", "", error_output(f"the call failed: {why}"), False,
                f"The call of {function_name} failed: {why}.",
            )  # fmt: skip
        else:
            outcome = future.result()
        self._host_call_done.emit(outcome)

    def _on_host_changed(self) -> None:
        self.servers_changed.emit(self._host.statuses())
        offered = tuple(self.function_tools())
        if offered != self._offered:
            self._offered = offered
            self._ever_offered.update(tool["name"] for tool in offered)
            self.tools_changed.emit(offered)

    def _on_host_call_done(self, outcome: CallOutcome) -> None:
        self.call_finished.emit(outcome)

    def _server(self, tool: McpTool) -> McpServerSettings | None:
        return next((s for s in self._settings.servers if s.name == tool.server), None)
