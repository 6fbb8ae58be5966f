"""The exception hierarchy of the protocol client.

Every failure the client raises is a :class:`RealtimeError`, so the app can
catch one type and show ``str(error)``: messages name the backend or the URL
(with secrets redacted) and never contain credentials.
"""

from __future__ import annotations


class RealtimeError(Exception):
    """Base class of every error raised by ``desktop.realtime``."""


class ConfigurationError(RealtimeError, ValueError):
    """The client or endpoint settings cannot produce a usable connection."""


class SessionConfigError(RealtimeError, ValueError):
    """A client event carries a value the protocol does not accept.

    Raised before anything is sent, so the session is unchanged.
    """


class VoiceLockedError(SessionConfigError):
    """The voice cannot change once the session has produced audio."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(
            f"the voice is locked to {current!r} after the first audio output of the "
            f"session; cannot change it to {requested!r} (reconnect to use another voice)"
        )
        self.current = current
        self.requested = requested


class ConnectError(RealtimeError):
    """The WebSocket connection could not be opened (refused, DNS, TLS, handshake)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        #: The redacted URL that was being opened.
        self.url = url


class AuthenticationError(ConnectError):
    """The server rejected the credentials at the handshake (HTTP 401 or 403)."""

    def __init__(self, message: str, *, url: str, status: int, backend: str) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.backend = backend


class HandshakeError(ConnectError):
    """The server answered the WebSocket upgrade with an unexpected HTTP status."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class ConnectionClosed(RealtimeError):
    """The connection is closed; ``code`` and ``reason`` come from the close frame."""

    def __init__(self, code: int | None, reason: str = "", *, message: str | None = None) -> None:
        text = (
            message or f"the connection was closed (code {code}{': ' + reason if reason else ''})"
        )
        super().__init__(text)
        self.code = code
        self.reason = reason


class DialectMismatchError(ConnectionClosed):
    """The server closed the connection because it requires the GA dialect."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(
            code,
            reason,
            message=(
                "the server no longer accepts the beta Realtime dialect and requires the GA "
                f"dialect (close code {code}); connect with dialect='ga'"
            ),
        )


class RecvTimeout(RealtimeError, TimeoutError):
    """``recv(timeout=...)`` waited the whole timeout without a complete frame."""
