"""A real WebSocket server on 127.0.0.1 that records what clients send and
sends whatever frames a test scripts, including broken ones."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

SESSION_CREATED_GA = {
    "type": "session.created",
    "event_id": "event_server_1",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_1",
        "audio": {"output": {"voice": "alloy", "format": {"type": "audio/pcm", "rate": 24000}}},
    },
}


@dataclass
class Handshake:
    path: str
    headers: Headers


@dataclass
class ScriptedServer:
    """Serve on an ephemeral port. Each connection first gets ``greeting`` frames."""

    greeting: list[str | bytes] = field(default_factory=lambda: [json.dumps(SESSION_CREATED_GA)])
    reject_status: int | None = None
    handshakes: list[Handshake] = field(default_factory=list)
    received: queue.Queue[Any] = field(default_factory=queue.Queue)
    connected: threading.Event = field(default_factory=threading.Event)
    closed_by_client: threading.Event = field(default_factory=threading.Event)
    _connections: list[ServerConnection] = field(default_factory=list)
    _closers: list[threading.Thread] = field(default_factory=list)
    _server: Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> ScriptedServer:
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._on_request)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for connection in list(self._connections):
            connection.close()
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for closer in self._closers:
            closer.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"

    def _on_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(Handshake(path=request.path, headers=request.headers))
        if self.reject_status is not None:
            return connection.respond(self.reject_status, "rejected by the test server\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        self._connections.append(connection)
        session = self._open_session(connection)
        for frame in self.greeting:
            connection.send(frame)
        self.connected.set()
        try:
            for message in connection:
                self._on_event(connection, session, json.loads(message))
        except ConnectionClosed:
            pass
        finally:
            self.closed_by_client.set()

    # -- what a subclass adds: a session's state, and answers to the client's events --

    def _open_session(self, connection: ServerConnection) -> Any:
        """The state a new connection's session keeps (none here)."""
        return None

    def _on_event(self, connection: ServerConnection, session: Any, event: Any) -> None:
        self.received.put(event)

    # -- test-side controls ------------------------------------------------------------

    @property
    def connection(self) -> ServerConnection:
        assert self.connected.wait(5), "no client connected"
        return self._connections[-1]

    def send(self, frame: str | bytes | dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    def close_client(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake; it completes once the client reads the close frame."""
        closer = threading.Thread(target=self.connection.close, args=(code, reason))
        closer.start()
        self._closers.append(closer)

    def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        event: dict[str, Any] = self.received.get(timeout=timeout)
        return event

    def drain(self, settle: float = 0.3) -> list[dict[str, Any]]:
        """Everything received so far, after waiting ``settle`` seconds for stragglers."""
        events = []
        try:
            while True:
                events.append(self.received.get(timeout=settle))
        except queue.Empty:
            return events
