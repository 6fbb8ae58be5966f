"""A small OpenAI-compatible chat server for the tests, on loopback.

It streams scripted chat completions (text and tool calls) as server-sent events,
lists its models at ``GET /v1/models``, records every request, and, when given a
token, answers 401 to any request without ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[dict[str, Any]], list[dict[str, Any]]]


def sse(chunk: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def text_chunks(text: str) -> list[dict[str, Any]]:
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    return [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in pieces]


def tool_call_chunks(name: str, arguments: str) -> list[dict[str, Any]]:
    """One tool call, its arguments split over two chunks as real servers do."""
    half = len(arguments) // 2
    first = {"index": 0, "id": "call_x", "type": "function",
             "function": {"name": name, "arguments": arguments[:half]}}  # fmt: skip
    rest = {"index": 0, "function": {"arguments": arguments[half:]}}
    return [
        {"choices": [{"delta": {"tool_calls": [first]}}]},
        {"choices": [{"delta": {"tool_calls": [rest]}}]},
    ]


class FakeChatServer:
    """Streams ``script(body)`` for each chat completion request."""

    def __init__(
        self, script: Script, token: str | None = None, models: tuple[str, ...] = ("tiny",)
    ) -> None:
        self.script = script
        self.token = token
        self.models = models
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _authorized(self) -> bool:
                auth = self.headers.get("Authorization")
                if owner.token is None or auth == f"Bearer {owner.token}":
                    return True
                self.send_response(401)
                self.end_headers()
                return False

            def do_GET(self) -> None:
                if self.path != "/v1/models":
                    self.send_response(404)
                    self.end_headers()
                    return
                if self._authorized():
                    data = [{"id": model, "object": "model"} for model in owner.models]
                    listing = {"object": "list", "data": data}
                    payload = json.dumps(listing).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, "body": body,
                                       "auth": self.headers.get("Authorization")})  # fmt: skip
                if not self._authorized():
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in owner.script(body):
                    self.wfile.write(sse(chunk))
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
