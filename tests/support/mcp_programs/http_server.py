"""A small MCP server over streamable HTTP on 127.0.0.1 that wants a bearer token.

Run as ``python http_server.py TOKEN``; prints its port, then serves until killed.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import sys
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("web")


@server.tool(description="Repeat the text back")
def echo(text: str) -> str:
    return f"echo: {text}"


def guarded(app: Any, token: str) -> Any:
    expected = f"Bearer {token}".encode()

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            offered = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(offered, expected):
                start = {"type": "http.response.start", "status": 401, "headers": []}
                await send(start)
                await send({"type": "http.response.body", "body": b"missing or wrong token"})
                return
        await app(scope, receive, send)

    return asgi


def main() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # connections wait in the backlog until uvicorn takes them
    print(listener.getsockname()[1], flush=True)
    app = guarded(server.streamable_http_app(), sys.argv[1])
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    asyncio.run(uvicorn.Server(config).serve(sockets=[listener]))


if __name__ == "__main__":
    main()
