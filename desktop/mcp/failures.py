"""Plain sentences for what went wrong between Parley and an MCP server.

The SDK reports failures from inside task groups, so an error often arrives
wrapped in (nested) exception groups; the most telling one inside is described.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
from mcp import MCPError
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from desktop.mcp.launch import ServerLaunch


def leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside ``exc``'s (nested) groups, or ``exc`` itself."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaves(inner)
    else:
        yield exc


def _most_telling(exc: BaseException) -> BaseException:
    found = list(leaves(exc))
    for kind in (OSError, httpx2.HTTPError, TimeoutError, MCPError):
        for leaf in found:
            if isinstance(leaf, kind):
                return leaf
    return found[0] if found else exc


def http_status_hint(status: int | None, launch: ServerLaunch) -> str | None:
    if status is None:
        return None
    if status in (401, 403):
        if launch.bearer_token:
            return f"it refused the token (HTTP {status}); check the token"
        return f"it asks for a token (HTTP {status}); add its bearer token"
    if status == 404:
        return f"there is no MCP server at {launch.url} (HTTP 404); check the URL"
    return f"it answered HTTP {status}"


def describe_failure(exc: BaseException, launch: ServerLaunch, http_status: int | None) -> str:
    """One sentence (no final period) on why the server could not start or went away."""
    leaf = _most_telling(exc)
    hint = http_status_hint(http_status, launch)
    if hint is not None and not isinstance(leaf, TimeoutError):
        return hint
    if isinstance(leaf, FileNotFoundError) and launch.transport == "stdio":
        return f"the command {launch.command!r} was not found; check that it is installed"
    if isinstance(leaf, PermissionError) and launch.transport == "stdio":
        return f"the command {launch.command!r} may not be run (permission denied)"
    if isinstance(leaf, httpx2.ConnectError | httpx2.ConnectTimeout):
        return f"nothing answered at {launch.url}; is the server running?"
    if isinstance(leaf, TimeoutError):
        return "it did not answer in time"
    if isinstance(leaf, MCPError):
        if leaf.code == CONNECTION_CLOSED:
            closed = "it exited" if launch.transport == "stdio" else "the connection closed"
            return f"{closed} before it was ready"
        if leaf.code == REQUEST_TIMEOUT:
            return "it did not answer in time"
        return f"it answered with an error: {leaf.message}"
    if isinstance(leaf, httpx2.HTTPError):
        return f"the connection failed ({type(leaf).__name__}: {leaf})"
    if isinstance(leaf, OSError):
        return f"it could not be started ({leaf.strerror or leaf})"
    return f"{type(leaf).__name__}: {leaf}"
