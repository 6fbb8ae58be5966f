"""The host against an MCP server over streamable HTTP that checks a bearer token."""

from __future__ import annotations

import json

from desktop.mcp.host import McpHost
from desktop.mcp.launch import ServerLaunch
from desktop.mcp.records import ServerState
from tests.support.mcp_servers import HTTP_TOKEN, HttpServer, settled, wait_for


def web(name: str, url: str, token: str | None) -> ServerLaunch:
    return ServerLaunch(name, True, "http", url=url, bearer_token=token)


def test_the_token_opens_the_server_and_calls_work(host: McpHost, http_server: HttpServer) -> None:
    host.configure([web("web", http_server.url, HTTP_TOKEN)])
    (status,) = settled(host, 1)
    assert status.state is ServerState.RUNNING
    assert [tool.function_name for tool in host.tools()] == ["web__echo"]
    outcome = host.call("call_9", "web__echo", '{"text": "over HTTP"}').result(30)
    assert outcome.ok and outcome.output == "echo: over HTTP"


def test_a_wrong_or_missing_token_or_url_is_explained(
    host: McpHost, http_server: HttpServer
) -> None:
    host.configure(
        [
            web("wrong", http_server.url, "not-the-token"),
            web("none", http_server.url, None),
            web("elsewhere", http_server.url.replace("/mcp", "/nothing"), HTTP_TOKEN),
            web("closed", "http://127.0.0.1:9/mcp", HTTP_TOKEN),
        ]
    )
    wrong, none, elsewhere, closed = settled(host, 4)
    assert all(s.state is ServerState.FAILED for s in (wrong, none, elsewhere, closed))
    assert wrong.message == (
        "The server failed to start: it refused the token (HTTP 401); check the token"
    )
    assert none.message == (
        "The server failed to start: it asks for a token (HTTP 401); add its bearer token"
    )
    assert "there is no MCP server at" in elsewhere.message and "HTTP 404" in elsewhere.message
    assert closed.message == (
        "The server failed to start: nothing answered at http://127.0.0.1:9/mcp; "
        "is the server running?"
    )
    assert host.tools() == ()


def test_a_server_that_goes_away_gives_an_error_output(
    host: McpHost, http_server: HttpServer
) -> None:
    host.configure([web("web", http_server.url, HTTP_TOKEN)])
    settled(host, 1)
    http_server.stop()
    outcome = host.call("call_1", "web__echo", '{"text": "anyone?"}').result(60)
    assert not outcome.ok
    assert json.loads(outcome.output) == {
        "error": "the web server could not be reached while running the tool"
    }
    wait_for(lambda: host.statuses()[0].state is ServerState.FAILED)
    assert host.statuses()[0].message == "The server went away."
