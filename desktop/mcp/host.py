"""The MCP host: every configured server on one background thread of its own.

The SDK's clients are asyncio code; they run on this host's event loop, never on
the GUI thread. Every public method may be called from any thread and returns at
once (except :meth:`McpHost.stop`, which waits for the servers to be gone). What
the servers are doing is published as immutable snapshots (:meth:`statuses`,
:meth:`tools`), and ``on_change`` is called on the host thread after each change.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from desktop.mcp.launch import ServerLaunch
from desktop.mcp.naming import assign_names
from desktop.mcp.records import CallOutcome, McpTool, ServerState, ServerStatus, error_output

if TYPE_CHECKING:
    from mcp.types import Tool

    from desktop.mcp.connection import ServerConnection

log = logging.getLogger(__name__)

#: Long enough for the SDK's shutdown of a server that ignores both stdin closing
#: and SIGTERM (2 s + 2 s, then SIGKILL), for all servers at once.
STOP_TIMEOUT_S = 15.0


class McpHost:
    """Starts, watches, calls and stops MCP servers on its own thread."""

    def __init__(
        self,
        on_change: Callable[[], None] | None = None,
        reserved_names: Iterable[str] = (),
    ) -> None:
        self._on_change = on_change
        self._reserved = frozenset(reserved_names)
        self._lock = threading.Lock()
        self._statuses: tuple[ServerStatus, ...] = ()
        self._tools: tuple[McpTool, ...] = ()
        self._by_function: dict[str, McpTool] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Event | None = None
        self._ready = threading.Event()
        # Owned by the host thread:
        self._launches: dict[str, ServerLaunch] = {}
        self._order: list[str] = []
        self._connections: dict[str, ServerConnection] = {}
        self._changes: asyncio.Lock | None = None

    # --- any thread ---------------------------------------------------------------

    def start(self) -> None:
        """Starts the host thread (no server yet: see :meth:`configure`). Idempotent."""
        if self._thread is not None:
            return
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="mcp-host", daemon=True)
        self._thread.start()
        self._ready.wait()
        atexit.register(_stop_at_exit, weakref.ref(self))

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stops every server (their processes included) and the thread. Idempotent."""
        thread, loop, done = self._thread, self._loop, self._done
        if thread is None:
            return
        if loop is not None and done is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(done.set)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the MCP host did not stop within %.0f s", timeout)
        self._thread = None
        self._loop = None

    def configure(self, launches: Sequence[ServerLaunch]) -> None:
        """Makes the running servers match ``launches`` (in this order): starts new and
        switched-on ones, stops removed and switched-off ones, restarts changed ones."""
        self._submit(self._configure(tuple(launches)))

    def restart(self, name: str) -> None:
        """Stops (if needed) and starts the server ``name`` again."""
        self._submit(self._restart(name))

    def statuses(self) -> tuple[ServerStatus, ...]:
        with self._lock:
            return self._statuses

    def tools(self) -> tuple[McpTool, ...]:
        """The tools of every running server, with their unique function names."""
        with self._lock:
            return self._tools

    def find(self, function_name: str) -> McpTool | None:
        with self._lock:
            return self._by_function.get(function_name)

    def call(
        self, call_id: str, function_name: str, arguments: str
    ) -> concurrent.futures.Future[CallOutcome]:
        """Runs a tool call; the future ends with an outcome, never an error (it is
        cancelled only if the host stops first)."""
        tool = self.find(function_name)
        loop = self._loop
        if tool is not None and loop is not None:
            work = self._call(call_id, tool, arguments)
            try:
                return asyncio.run_coroutine_threadsafe(work, loop)
            except RuntimeError:  # the loop closed in between
                work.close()
                loop = None
        finished: concurrent.futures.Future[CallOutcome] = concurrent.futures.Future()
        finished.set_result(_unknown_tool(call_id, function_name, loop is None))
        return finished

    # --- host thread --------------------------------------------------------------

    def _submit(self, work: Coroutine[Any, Any, None]) -> None:
        loop = self._loop
        if loop is None:
            work.close()
            raise RuntimeError("the MCP host is not running; call start() first")
        future = asyncio.run_coroutine_threadsafe(work, loop)
        future.add_done_callback(_log_failure)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._done = asyncio.Event()
        self._changes = asyncio.Lock()
        self._ready.set()
        await self._done.wait()
        async with self._changes:
            await self._stop_all(list(self._connections))
            self._launches.clear()
            self._order.clear()
            self._publish()

    async def _configure(self, launches: tuple[ServerLaunch, ...]) -> None:
        assert self._changes is not None
        async with self._changes:
            wanted = {launch.name: launch for launch in launches}
            changed = [
                name
                for name, connection in self._connections.items()
                if wanted.get(name) != connection.launch or not wanted[name].enabled
            ]
            self._order = list(wanted)
            self._launches = wanted
            await self._stop_all(changed)
            for launch in launches:
                if launch.enabled and launch.name not in self._connections:
                    self._start(launch)
            self._publish()

    async def _restart(self, name: str) -> None:
        assert self._changes is not None
        async with self._changes:
            launch = self._launches.get(name)
            if launch is None:
                return
            await self._stop_all([name])
            self._start(launch)
            self._publish()

    async def _call(self, call_id: str, tool: McpTool, arguments: str) -> CallOutcome:
        from desktop.mcp.calls import run_call

        return await run_call(call_id, tool, self._connections.get(tool.server), arguments)

    def _start(self, launch: ServerLaunch) -> None:
        # The SDK takes about a second to import (it brings its server side along), so
        # this thread imports it when the first server starts, not the GUI thread.
        from desktop.mcp.connection import ServerConnection

        connection = ServerConnection(launch, lambda _: self._publish())
        self._connections[launch.name] = connection
        connection.start()

    async def _stop_all(self, names: list[str]) -> None:
        connections = [self._connections.pop(name) for name in names if name in self._connections]
        await asyncio.gather(*(connection.stop() for connection in connections))

    def _publish(self) -> None:
        running = [
            self._connections[name]
            for name in self._order
            if name in self._connections and self._connections[name].state is ServerState.RUNNING
        ]
        pairs = [(c.launch.name, tool) for c in running for tool in c.tools]
        names = assign_names(((server, tool.name) for server, tool in pairs), self._reserved)
        tools = tuple(
            _mcp_tool(name, server, tool) for name, (server, tool) in zip(names, pairs, strict=True)
        )
        statuses = tuple(self._status(name, tools) for name in self._order)
        with self._lock:
            self._statuses = statuses
            self._tools = tools
            self._by_function = {tool.function_name: tool for tool in tools}
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:  # a listener's bug must not stop the host
                log.exception("MCP change listener failed")

    def _status(self, name: str, tools: tuple[McpTool, ...]) -> ServerStatus:
        connection = self._connections.get(name)
        if connection is None:
            launch = self._launches[name]
            if not launch.enabled:
                return ServerStatus(name, ServerState.OFF, "Switched off.")
            return ServerStatus(name, ServerState.STARTING, "Starting.")
        own = tuple(tool for tool in tools if tool.server == name)
        return ServerStatus(name, connection.state, connection.message, connection.stderr_tail, own)


def _mcp_tool(function_name: str, server: str, tool: Tool) -> McpTool:
    hints = tool.annotations
    read_only = bool(hints is not None and hints.read_only_hint)
    destructive = not read_only and (hints is None or hints.destructive_hint is not False)
    title = tool.title or (hints.title if hints is not None else None) or tool.name
    return McpTool(
        function_name=function_name,
        server=server,
        tool_name=tool.name,
        title=title,
        description=tool.description or "",
        input_schema=dict(tool.input_schema),
        read_only=read_only,
        destructive=destructive,
    )


def _unknown_tool(call_id: str, function_name: str, host_stopped: bool) -> CallOutcome:
    reason = "the MCP host is not running" if host_stopped else "no such tool is available now"
    return CallOutcome(
        call_id=call_id,
        function_name=function_name,
        server="",
        tool_name="",
        output=error_output(f"{reason} ({function_name})"),
        ok=False,
        user_message=f"The assistant asked for the tool {function_name}, but {reason}.",
    )


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("MCP host task failed", exc_info=future.exception())


def _stop_at_exit(host_ref: weakref.ref[McpHost]) -> None:
    host = host_ref()
    if host is not None:
        host.stop()
