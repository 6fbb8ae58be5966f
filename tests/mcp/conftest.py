"""Fixtures for the MCP tests: a running host and the HTTP demo server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.mcp.host import McpHost
from tests.support.mcp_servers import HttpServer


@pytest.fixture
def host() -> Iterator[McpHost]:
    mcp_host = McpHost()
    mcp_host.start()
    yield mcp_host
    mcp_host.stop()


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    yield server
    server.stop()
