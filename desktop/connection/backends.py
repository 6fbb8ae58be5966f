"""From settings and stored keys to a RealtimeClient, plus the in-process offline engine."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.config.logging_setup import register_secret
from desktop.config.places import place
from desktop.config.secrets import AZURE_TOKEN_VARIABLE, KeyStore
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


@dataclass(frozen=True)
class EngineChat:
    """The offline engine's language model: an OpenAI-compatible base URL, a model
    name and an optional key; an empty ``base_url`` means the built-in rules."""

    base_url: str = ""
    model: str = ""
    api_key: str | None = field(default=None, repr=False)


class OfflineEngineHost:
    """Starts the offline engine on first use, with a random per-launch token.

    The engine's language model (:meth:`set_chat`) may change at any time: a running
    engine takes it from its next reply on, and an engine started later starts with it.
    """

    def __init__(self, **engine_options: Any) -> None:
        self._lock = threading.Lock()
        self._engine: LocalEngine | None = None
        self._url: str | None = None
        self._options = engine_options
        self._chat = EngineChat(
            engine_options.pop("chat_endpoint", None) or "",
            engine_options.pop("chat_model", None) or "",
            engine_options.pop("chat_api_key", None),
        )
        self.token = secrets.token_urlsafe(24)
        register_secret(self.token)

    @property
    def chat(self) -> EngineChat:
        return self._chat

    def set_chat(self, choice: EngineChat) -> None:
        """Replies come from ``choice`` from now on (ValueError for a non-http(s) URL)."""
        with self._lock:
            if self._engine is not None:
                self._engine.set_chat_endpoint(
                    choice.base_url or None, choice.model or "default", choice.api_key
                )
            elif choice.base_url and not choice.base_url.startswith(("http://", "https://")):
                raise ValueError("The chat endpoint must be an http(s) URL.")
            self._chat = choice
            if choice.api_key:
                register_secret(choice.api_key)

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
                chat = self._chat
                engine = LocalEngine(
                    host="127.0.0.1",
                    port=0,
                    token=self.token,
                    chat_endpoint=chat.base_url or None,
                    chat_model=chat.model or "default",
                    chat_api_key=chat.api_key,
                    **self._options,
                )
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
        return _azure_target(settings, keys, key)
    if not conn.url:
        raise BackendUnavailable(
            f"No server URL. Enter the custom server's ws:// URL in {place('connection.url')}."
        )
    client = RealtimeClient(api_key=key, base_url=conn.url, dialect=conn.dialect)
    return Target(client, conn.model, redact_url(conn.url))


def _azure_target(settings: Settings, keys: KeyStore, key: str | None) -> Target:
    conn = settings.connection
    if not conn.azure_endpoint:
        raise BackendUnavailable(
            f"No Azure endpoint. Enter it in {place('connection.azure_endpoint')} "
            "or set AZURE_OPENAI_ENDPOINT."
        )
    if conn.dialect == "ga" and conn.azure_api_version:
        raise BackendUnavailable(
            "The Azure GA endpoint takes no API version: clear "
            f"{place('connection.azure_api_version')}, or choose Beta in "
            f"{place('connection.dialect')} for the preview protocol."
        )
    token: str | None = None
    if conn.azure_auth == "entra":
        stored = keys.azure_token()
        token = stored.value.get_secret_value() if stored else None
        key = None
        if not token:
            raise BackendUnavailable(
                f"No Entra ID token for Azure ({place('connection.azure_auth')}). Enter one "
                f"with 'Entra token…' or set {AZURE_TOKEN_VARIABLE}."
            )
    elif not key:
        raise BackendUnavailable(
            "No Azure OpenAI API key. Enter one with 'API key…' or set AZURE_OPENAI_API_KEY."
        )
    client = RealtimeClient(
        api_key=key,
        azure_ad_token=token,
        azure_endpoint=conn.azure_endpoint,
        azure_deployment=conn.model,
        api_version=conn.azure_api_version or None,
        dialect=conn.dialect,
    )
    return Target(client, conn.model, "Azure OpenAI")
