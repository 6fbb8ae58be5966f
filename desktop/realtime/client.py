"""``RealtimeClient``: holds credentials and the endpoint, opens connections."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from desktop.protocol import DIALECTS, Dialect
from desktop.realtime.connection import RealtimeConnection
from desktop.realtime.endpoints import (
    OPENAI_BASE_URL,
    Endpoint,
    azure_endpoint_for,
    openai_compatible_endpoint,
)
from desktop.realtime.errors import ConfigurationError
from desktop.realtime.transport import open_socket


class RealtimeClient:
    """Connection settings for OpenAI, Azure OpenAI or any compatible server.

    ``base_url`` (default OpenAI) may be ``wss://``, ``ws://``, ``https://`` or
    ``http://``; ``/realtime`` is appended. ``azure_endpoint`` selects Azure:
    GA by default, the preview API with ``dialect="beta"``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        azure_ad_token: str | None = None,
        api_version: str | None = None,
        dialect: Dialect = "ga",
    ) -> None:
        if dialect not in DIALECTS:
            raise ConfigurationError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
        if base_url and azure_endpoint:
            raise ConfigurationError("give either base_url or azure_endpoint, not both")
        self.api_key = api_key
        self.base_url = base_url or OPENAI_BASE_URL
        self.azure_endpoint = azure_endpoint
        self.azure_deployment = azure_deployment
        self.azure_ad_token = azure_ad_token
        self.api_version = api_version
        self.dialect: Dialect = dialect

    def __repr__(self) -> str:
        target = self.azure_endpoint or self.base_url
        return f"{type(self).__name__}({target!r}, dialect={self.dialect!r})"

    def endpoint(
        self,
        *,
        model: str | None = None,
        call_id: str | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """The URL and headers a connection would use (raises ConfigurationError)."""
        if self.azure_endpoint:
            return azure_endpoint_for(
                azure_endpoint=self.azure_endpoint,
                deployment=self.azure_deployment or model,
                api_key=self.api_key,
                azure_ad_token=self.azure_ad_token,
                dialect=self.dialect,
                api_version=self.api_version,
                call_id=call_id,
                extra_query=extra_query,
                extra_headers=extra_headers,
            )
        return openai_compatible_endpoint(
            base_url=self.base_url,
            api_key=self.api_key,
            dialect=self.dialect,
            model=model,
            call_id=call_id,
            extra_query=extra_query,
            extra_headers=extra_headers,
        )

    def connect(
        self,
        *,
        model: str | None = None,
        call_id: str | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        websocket_connection_options: Mapping[str, Any] | None = None,
    ) -> RealtimeConnectionManager:
        """A manager: ``with client.connect(...) as connection`` or ``.enter()``.

        ``websocket_connection_options`` go to ``websocket.create_connection``;
        ``open_timeout`` (seconds, default 15) bounds the handshake and
        ``timeout`` sets a socket timeout for the whole connection.
        """
        endpoint = self.endpoint(
            model=model, call_id=call_id, extra_query=extra_query, extra_headers=extra_headers
        )
        return RealtimeConnectionManager(endpoint, dict(websocket_connection_options or {}))


class RealtimeConnectionManager:
    """Opens the connection on ``__enter__``/``enter()``; ``__exit__`` closes it."""

    def __init__(self, endpoint: Endpoint, options: dict[str, Any]) -> None:
        self.endpoint = endpoint
        self._options = options
        self._connection: RealtimeConnection | None = None

    def enter(self) -> RealtimeConnection:
        """Connect; the caller must ``close()`` the connection."""
        self._connection = RealtimeConnection(
            open_socket(self.endpoint, self._options), self.endpoint
        )
        return self._connection

    def __enter__(self) -> RealtimeConnection:
        return self.enter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            self._connection.close()
