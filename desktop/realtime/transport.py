"""Opening and reading the websocket-client socket, with failures mapped to typed errors."""

from __future__ import annotations

import select
import socket
import ssl
from typing import Any

import websocket

from desktop.realtime.endpoints import Endpoint, redact_text
from desktop.realtime.errors import (
    AuthenticationError,
    ConnectError,
    HandshakeError,
    RecvTimeout,
)

DEFAULT_OPEN_TIMEOUT_S = 15.0


def open_socket(endpoint: Endpoint, options: dict[str, Any] | None = None) -> websocket.WebSocket:
    """Connect and complete the handshake; raise a :class:`ConnectError` naming the URL."""
    options = dict(options or {})
    open_timeout = float(options.pop("open_timeout", DEFAULT_OPEN_TIMEOUT_S))
    io_timeout = options.pop("timeout", None)
    options.setdefault("enable_multithread", True)
    # json.loads rejects invalid UTF-8 itself; the library's pure-Python check costs
    # most of the receive time for audio frames.
    options.setdefault("skip_utf8_validation", True)
    url = endpoint.redacted_url
    try:
        ws = websocket.create_connection(
            endpoint.url, header=endpoint.header_list(), timeout=open_timeout, **options
        )
    except websocket.WebSocketBadStatusException as error:
        status = int(error.status_code)
        if status in (401, 403):
            raise AuthenticationError(
                f"{endpoint.backend} rejected the credentials (HTTP {status}) at {url}; "
                + _credential_advice(endpoint),
                url=url,
                status=status,
                backend=endpoint.backend,
            ) from None
        raise HandshakeError(
            f"{endpoint.backend} refused the WebSocket upgrade with HTTP {status} at {url}",
            url=url,
            status=status,
        ) from None
    except ConnectionRefusedError:
        raise ConnectError(f"connection refused by {url}", url=url) from None
    except (socket.gaierror, websocket.WebSocketAddressException):
        raise ConnectError(f"cannot resolve the host of {url}", url=url) from None
    except ssl.SSLError as error:
        detail = redact_text(str(error.reason or error), endpoint.secrets())
        raise ConnectError(f"TLS failure talking to {url}: {detail}", url=url) from None
    except (TimeoutError, websocket.WebSocketTimeoutException):
        raise ConnectError(f"timed out opening {url}", url=url) from None
    except (OSError, websocket.WebSocketException) as error:
        detail = redact_text(str(error), endpoint.secrets())
        raise ConnectError(f"cannot connect to {url}: {detail}", url=url) from None
    ws.settimeout(io_timeout)
    return ws


def _credential_advice(endpoint: Endpoint) -> str:
    if endpoint.backend != "Azure OpenAI":
        return "check the API key"
    if "api-key" in endpoint.headers:
        return "check the API key and deployment"
    # Entra ID access tokens expire after about an hour and are not refreshed here.
    return "the Entra ID token may have expired: enter a new one, and check the deployment"


def wait_readable(ws: websocket.WebSocket, timeout: float | None) -> None:
    """Block until a frame can be read, or raise :class:`RecvTimeout`."""
    if timeout is None:
        return
    sock = ws.sock
    if sock is None:
        return
    # TLS may already hold decrypted bytes that select() cannot see.
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return
    readable, _, _ = select.select([sock], [], [], max(0.0, timeout))
    if not readable:
        raise RecvTimeout(f"no frame within {timeout} s")


def parse_close_frame(data: bytes) -> tuple[int | None, str]:
    if len(data) < 2:
        return 1005, ""
    code = int.from_bytes(data[:2], "big")
    return code, data[2:].decode("utf-8", "replace")
