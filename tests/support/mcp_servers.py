"""Real MCP servers for the tests: the demo stdio server and the HTTP one.

The programs are in ``mcp_programs/`` (built with the SDK's own server API); this
module says how to start them and how to wait for an MCP host to settle.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from desktop.config.settings import McpServerSettings
from desktop.mcp.host import McpHost
from desktop.mcp.launch import ServerLaunch
from desktop.mcp.records import ServerState, ServerStatus

PROGRAMS = Path(__file__).resolve().parent / "mcp_programs"
DEMO = str(PROGRAMS / "demo_server.py")
HTTP_TOKEN = "test-token-6d1f2a"


def demo_launch(name: str = "demo", *flags: str, timeout_s: float = 30.0) -> ServerLaunch:
    return ServerLaunch(
        name, True, "stdio", call_timeout_s=timeout_s, command=sys.executable, args=(DEMO, *flags)
    )


def demo_settings(name: str = "demo", *flags: str, **fields: object) -> McpServerSettings:
    """The demo stdio server as the settings describe it."""
    return McpServerSettings.model_validate(
        {"name": name, "command": sys.executable, "args": [DEMO, *flags], **fields}
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.02)


def settled(host: McpHost, count: int) -> tuple[ServerStatus, ...]:
    """The statuses once ``count`` servers have finished starting (or failing)."""
    busy = (ServerState.STARTING,)
    wait_for(lambda: len(host.statuses()) == count
             and all(s.state not in busy for s in host.statuses()))  # fmt: skip
    return host.statuses()


class HttpServer:
    """The HTTP demo server as a child process on 127.0.0.1."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(PROGRAMS / "http_server.py"), HTTP_TOKEN],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().strip()}/mcp"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
