"""One MCP server on the host's event loop: start it, list its tools, call them, stop it.

The SDK's client is entered and left by one task (:meth:`ServerConnection.run`),
as its cancel scopes require, and that task is never cancelled the asyncio way:
a stop wakes it up, or, while the server is still starting, cancels the anyio
scope it runs in. Either way the SDK's shielded shutdown (close stdin, wait, then
SIGTERM and SIGKILL to the server's whole process group) runs to the end. Calls
run in their own tasks through the entered client.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
from mcp import Client, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CONNECTION_CLOSED, CallToolResult, Implementation, Tool

from desktop import APP_ID, __version__
from desktop.mcp.failures import describe_failure, http_status_hint
from desktop.mcp.launch import ServerLaunch
from desktop.mcp.records import ServerState
from desktop.mcp.stderr_tail import StderrTail

log = logging.getLogger(__name__)

#: A server's first start may fetch packages (npx, uvx), so it gets a minute.
START_TIMEOUT_S = 60.0
#: How long a server that died may take to finish writing its error output.
TAIL_GRACE_S = 1.0
PROBE_TIMEOUT_S = 3.0
MAX_TOOL_PAGES = 100
HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)


class NotRunning(Exception):
    """The server cannot take calls now; the message says why."""


class ServerConnection:
    """One server, from start to stop. ``on_change`` is called on the event loop
    whenever :attr:`state`, :attr:`message` or :attr:`tools` change."""

    def __init__(self, launch: ServerLaunch, on_change: Callable[[ServerConnection], None]):
        self.launch = launch
        self.state = ServerState.STARTING
        self.message = "Starting."
        self.stderr_tail = ""
        self.tools: tuple[Tool, ...] = ()
        self._on_change = on_change
        self._client: Client | None = None
        self._tail: StderrTail | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._lost = False
        self._scope = anyio.CancelScope()
        self._http_status: int | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        """Stops the server and waits until its process (group) is gone."""
        self._stopping = True
        if self._client is None:
            self._scope.cancel()  # still starting; once running, the wake-up suffices
        self._wake.set()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def run(self) -> None:
        problem = self._launch_problem()
        if problem is not None:
            self._set(ServerState.FAILED, problem)
            return
        error: Exception | None = None
        try:
            await self._connect_and_serve()
        except Exception as exc:  # every failure becomes a state the user can read
            error = exc
        self._client = None
        try:
            if self._stopping:
                self._set(ServerState.STOPPED, "Stopped.")
            elif self._lost or error is None:
                if self._tail is not None:
                    await self._tail.wait_ended(TAIL_GRACE_S)
                ended = "stopped unexpectedly" if self.launch.transport == "stdio" else "went away"
                self._set(ServerState.FAILED, f"The server {ended}.")
            else:
                await self._fail(error)
        finally:
            if self._tail is not None:
                self._tail.close()

    async def _connect_and_serve(self) -> None:
        client = Client(
            self._transport(),
            client_info=Implementation(name=APP_ID, version=__version__),
            cache=None,
        )
        # The scope covers the client's whole life (anyio scopes must nest), with a
        # deadline that is lifted once the server has started.
        with self._scope:
            self._scope.deadline = anyio.current_time() + START_TIMEOUT_S
            async with client:
                tools = await _list_tools(client)
                self._scope.deadline = math.inf
                self._client = client
                self.tools = tools
                self._set(ServerState.RUNNING, _tool_count(len(tools)))
                await self._serve(client)
                self._client = None
        if self._scope.cancelled_caught and not self._stopping:
            raise TimeoutError(f"no answer within {START_TIMEOUT_S:.0f} s")

    async def _serve(self, client: Client) -> None:
        """Waits for a stop, or for the server to go away."""
        probed = False
        while not self._stopping and not self._lost:
            await self._wake.wait()
            self._wake.clear()
            tail = self._tail
            if tail is not None and tail.ended.is_set() and not probed and not self._stopping:
                probed = True  # its error output closed: find out whether it is still there
                if not await _still_there(client):
                    self._lost = True

    async def _fail(self, exc: BaseException) -> None:
        if self._tail is not None:
            await self._tail.wait_ended(TAIL_GRACE_S)
        started = self.state is ServerState.RUNNING
        reason = describe_failure(exc, self.launch, self._http_status)
        what = "The server stopped" if started else "The server failed to start"
        self._set(ServerState.FAILED, f"{what}: {reason}")

    def _set(self, state: ServerState, message: str) -> None:
        self.state = state
        self.message = message
        if self._tail is not None:
            self.stderr_tail = self._tail.text()
        if state is not ServerState.RUNNING:
            self.tools = ()
        level = logging.WARNING if state is ServerState.FAILED else logging.INFO
        log.log(level, "MCP server %r: %s", self.launch.name, message)
        self._on_change(self)

    def _launch_problem(self) -> str | None:
        launch = self.launch
        if launch.transport == "stdio" and not launch.command:
            return "No command is set for this server."
        if launch.transport == "http" and not launch.url:
            return "No URL is set for this server."
        if launch.missing_secrets:
            names = ", ".join(launch.missing_secrets)
            return f"It needs a value for {names}, kept in the system keyring; enter it again."
        return None

    # --- transports ---------------------------------------------------------------

    def _transport(self) -> Any:
        if self.launch.transport == "stdio":
            self._tail = StderrTail(on_end=self._wake.set)
            return self._stdio_transport(self._tail)
        return self._http_transport()

    @asynccontextmanager
    async def _stdio_transport(self, tail: StderrTail) -> AsyncIterator[Any]:
        launch = self.launch
        parameters = StdioServerParameters(
            command=launch.command,
            args=list(launch.args),
            env=launch.child_environment(),
            cwd=launch.working_directory or None,
        )
        await tail.start()
        try:
            async with stdio_client(parameters, errlog=tail.writer) as streams:
                tail.close_writer()  # the child has its copy; the pipe now ends with it
                yield streams
        finally:
            tail.close_writer()

    @asynccontextmanager
    async def _http_transport(self) -> AsyncIterator[Any]:
        headers = {}
        if self.launch.bearer_token:
            headers["Authorization"] = f"Bearer {self.launch.bearer_token}"

        async def note_status(response: httpx2.Response) -> None:
            if response.status_code >= 400:
                self._http_status = response.status_code

        async with (
            httpx2.AsyncClient(
                headers=headers, timeout=HTTP_TIMEOUT, event_hooks={"response": [note_status]}
            ) as http,
            streamable_http_client(self.launch.url, http_client=http) as streams,
        ):
            yield streams

    # --- calls --------------------------------------------------------------------

    async def call(self, tool_name: str, arguments: dict[str, Any]) -> CallToolResult:
        """Runs one tool; raises :class:`NotRunning`, or the SDK's errors (``MCPError``
        with ``REQUEST_TIMEOUT`` after the launch's timeout)."""
        client = self._client
        if self._lost:
            raise NotRunning("its server has stopped")
        if client is None or self.state is not ServerState.RUNNING:
            raise NotRunning(self.message)
        self._http_status = None
        try:
            return await client.call_tool(
                tool_name, arguments, read_timeout_seconds=self.launch.call_timeout_s
            )
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                self._went_away()
            raise
        except (httpx2.TransportError, OSError):
            self._went_away()
            raise

    def http_hint(self) -> str | None:
        """What the last HTTP error status means, if a call got one."""
        return http_status_hint(self._http_status, self.launch)

    def _went_away(self) -> None:
        if not self._stopping:
            self._lost = True
            self._wake.set()


async def _list_tools(client: Client) -> tuple[Tool, ...]:
    tools: list[Tool] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tuple(tools)


async def _still_there(client: Client) -> bool:
    """Asks the server something harmless (ping is gone from newer protocol versions)."""
    with anyio.move_on_after(PROBE_TIMEOUT_S):
        try:
            await client.list_tools()
        except Exception:  # a closed connection, however the SDK words it
            return False
    return True  # an answer, or none yet: only a closed connection proves it has gone


def _tool_count(count: int) -> str:
    return "Running, no tools." if count == 0 else f"Running, {count} tool{'s' * (count != 1)}."
