"""From settings and stored keys to a RealtimeClient, plus the in-process offline engine."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.config.logging_setup import register_secret
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.realtime import RealtimeClient, redact_url

if TYPE_CHECKING:  # loaded on first use: the app runs without the offline extra too
    from desktop.local_engine import LocalEngine

log = logging.getLogger(__name__)


class BackendUnavailable(Exception):
    """The chosen backend cannot be reached as configured; the message says what to do."""


@dataclass(frozen=True)
class Target:
    client: RealtimeClient
    model: str | None
    label: str


class OfflineEngineHost:
    """Starts the offline engine on first use, with a random per-launch token."""

    def __init__(self, **engine_options: Any) -> None:
        self._lock = threading.Lock()
        self._engine: LocalEngine | None = None
        self._url: str | None = None
        self._options = engine_options
        self.token = secrets.token_urlsafe(24)
        register_secret(self.token)

    @property
    def running(self) -> bool:
        return self._url is not None

    def url(self) -> str:
        with self._lock:
            if self._url is None:
                try:
                    from desktop.local_engine import LocalEngine
                except ImportError as exc:
                    raise BackendUnavailable(
                        f"The offline engine is not installed ({exc})."
                    ) from exc
                engine = LocalEngine(host="127.0.0.1", port=0, token=self.token, **self._options)
                self._url = engine.start()
                self._engine = engine
                log.info("offline engine listening on %s", self._url)
            return self._url

    @property
    def speech_error(self) -> str | None:
        """Why the running engine cannot transcribe speech (typed turns still work)."""
        engine = self._engine
        return engine.speech_error if engine is not None else None

    def wait_speech_ready(self, timeout: float) -> bool:
        """Whether the running engine's speech recogniser loaded within ``timeout``."""
        engine = self._engine
        return bool(engine is not None and engine.wait_speech_ready(timeout=timeout))

    def stop(self) -> None:
        with self._lock:
            engine, self._engine, self._url = self._engine, None, None
        if engine is not None:
            engine.stop()


def resolve_target(settings: Settings, keys: KeyStore, offline: OfflineEngineHost) -> Target:
    """The client to connect with; raises BackendUnavailable with advice."""
    conn = settings.connection
    backend = conn.backend
    if backend == "offline":
        client = RealtimeClient(api_key=offline.token, base_url=offline.url(), dialect=conn.dialect)
        return Target(client, conn.model, "Offline engine")
    stored = keys.get(backend)
    key = stored.value.get_secret_value() if stored else None
    if backend == "openai":
        if not key:
            raise BackendUnavailable(
                "No OpenAI API key. Enter one with 'API key…' or set OPENAI_API_KEY."
            )
        client = RealtimeClient(api_key=key, dialect=conn.dialect)
        return Target(client, conn.model, "OpenAI")
    if backend == "azure":
        if not conn.azure_endpoint:
            raise BackendUnavailable(
                "No Azure endpoint. Set it in the connection settings or AZURE_OPENAI_ENDPOINT."
            )
        if not key:
            raise BackendUnavailable(
                "No Azure OpenAI API key. Enter one with 'API key…' or set AZURE_OPENAI_API_KEY."
            )
        client = RealtimeClient(
            api_key=key,
            azure_endpoint=conn.azure_endpoint,
            azure_deployment=conn.model,
            api_version=conn.azure_api_version or None,
            dialect=conn.dialect,
        )
        return Target(client, conn.model, "Azure OpenAI")
    if not conn.url:
        raise BackendUnavailable("No server URL. Enter the custom server's ws:// URL.")
    client = RealtimeClient(api_key=key, base_url=conn.url, dialect=conn.dialect)
    return Target(client, conn.model, redact_url(conn.url))
