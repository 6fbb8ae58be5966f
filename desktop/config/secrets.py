"""API keys: from the environment, the OS keyring, or memory for this session.

Keys are never written to the settings file or a log. Where the machine has
no keyring backend (a headless box, a minimal desktop), a key the user types
is kept in memory until the app quits, and :attr:`KeyStore.keyring_problem`
explains why it will not be remembered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from desktop import APP_ID
from desktop.config.logging_setup import register_secret
from desktop.config.settings import Backend, Settings

log = logging.getLogger(__name__)

KeySource = Literal["environment", "keyring", "memory"]
#: The secrets the window asks for by name: a backend's API key, Azure's Entra ID
#: token, the offline engine's chat endpoint key.
SecretName = Literal["openai", "azure", "custom", "azure_token", "chat"]
#: The slot of the offline engine's chat endpoint key (see :meth:`KeyStore.get_secret`).
CHAT_KEY_SLOT = "offline-chat-api-key"
#: The slot of the Microsoft Entra ID access token for Azure OpenAI.
AZURE_TOKEN_SLOT = "azure-entra-token"
AZURE_TOKEN_VARIABLE = "AZURE_OPENAI_AD_TOKEN"
_KEYRING_USER = {"openai": "openai-api-key", "azure": "azure-api-key", "custom": "custom-api-key"}
_ENV_NAME = {
    "openai": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "custom": "PARLEY_CUSTOM_API_KEY",
}


@dataclass(frozen=True)
class StoredKey:
    value: SecretStr
    source: KeySource


@dataclass(frozen=True)
class SaveResult:
    source: KeySource
    message: str


class KeyStore:
    """Looks up and stores API keys per backend.

    Lookup order: environment (via settings), OS keyring, session memory.
    """

    def __init__(self, settings: Settings, service: str = APP_ID) -> None:
        self._settings = settings
        self._service = service
        self._memory: dict[str, SecretStr] = {}
        self.keyring_problem: str | None = None
        for backend in ("openai", "azure", "custom"):
            key = settings.api_key_for(backend)
            if key is not None:
                register_secret(key.get_secret_value())

    def environment_variable(self, backend: Backend) -> str:
        return _ENV_NAME.get(backend, "")

    def get(self, backend: Backend) -> StoredKey | None:
        if backend == "offline":
            return None
        env_key = self._settings.api_key_for(backend)
        if env_key is not None and env_key.get_secret_value():
            return StoredKey(env_key, "environment")
        return self.get_secret(_KEYRING_USER[backend])

    def save(self, backend: Backend, key: str) -> SaveResult:
        """Remember ``key`` for ``backend``: in the keyring when there is one,
        otherwise in memory for this session only (never in plain text)."""
        if not key.strip():
            raise ValueError("The API key is empty.")
        result = self.save_secret(_KEYRING_USER[backend], key)
        if result.source == "keyring":
            return result
        return SaveResult(
            "memory",
            f"No system keyring is available ({self.keyring_problem}). The key is kept in "
            "memory until Parley quits; to keep it, set "
            f"{self.environment_variable(backend)} in your environment.",
        )

    def forget(self, backend: Backend) -> None:
        self.forget_secret(_KEYRING_USER.get(backend, backend))

    def azure_token(self) -> StoredKey | None:
        """The Entra ID token for Azure OpenAI: from AZURE_OPENAI_AD_TOKEN, else stored."""
        env_token = self._settings.azure_ad_token
        if env_token is not None and env_token.get_secret_value():
            return StoredKey(env_token, "environment")
        return self.get_secret(AZURE_TOKEN_SLOT)

    def chat_key(self) -> str | None:
        """The offline engine's chat endpoint key, if one is stored."""
        stored = self.get_secret(CHAT_KEY_SLOT)
        return stored.value.get_secret_value() if stored is not None else None

    def save_named(self, name: SecretName, value: str) -> SaveResult:
        """Remember the secret the window asked for as ``name`` (see :data:`SecretName`)."""
        if name == "openai" or name == "azure" or name == "custom":
            return self.save(name, value)
        if not value.strip():
            raise ValueError("The value is empty.")
        slot = AZURE_TOKEN_SLOT if name == "azure_token" else CHAT_KEY_SLOT
        result = self.save_secret(slot, value)
        if result.source == "memory" and name == "azure_token":
            return SaveResult(
                "memory",
                f"{result.message} To keep it, set {AZURE_TOKEN_VARIABLE} in your environment.",
            )
        return result

    # --- other secrets (a chat endpoint's key, an MCP server's token) by keyring slot ---

    def get_secret(self, slot: str) -> StoredKey | None:
        """The secret stored under ``slot``: from the OS keyring, else this session's memory."""
        stored = self._keyring_get(slot)
        if stored:
            register_secret(stored)
            return StoredKey(SecretStr(stored), "keyring")
        if slot in self._memory:
            return StoredKey(self._memory[slot], "memory")
        return None

    def save_secret(self, slot: str, value: str) -> SaveResult:
        """Remember ``value`` under ``slot``: in the keyring when there is one,
        otherwise in memory for this session only (never in plain text)."""
        value = value.strip()
        if not value:
            raise ValueError("The secret is empty.")
        register_secret(value)
        self._memory[slot] = SecretStr(value)
        if self._keyring_set(slot, value):
            return SaveResult("keyring", "Saved in the system keyring.")
        return SaveResult(
            "memory",
            f"No system keyring is available ({self.keyring_problem}). It is kept in "
            "memory until Parley quits.",
        )

    def forget_secret(self, slot: str) -> None:
        self._memory.pop(slot, None)
        try:
            import keyring
            import keyring.errors

            keyring.delete_password(self._service, slot)
        except Exception as exc:  # any backend failure only means nothing was stored
            log.debug("keyring delete for %s: %s", slot, type(exc).__name__)

    def _keyring_get(self, slot: str) -> str | None:
        try:
            import keyring

            value = keyring.get_password(self._service, slot)
        except Exception as exc:  # backends raise many kinds: no backend, locked, D-Bus
            self._note_keyring_problem(exc)
            return None
        return value if isinstance(value, str) and value else None

    def _keyring_set(self, slot: str, value: str) -> bool:
        try:
            import keyring

            keyring.set_password(self._service, slot, value)
        except Exception as exc:  # backends raise many kinds: no backend, locked, D-Bus
            self._note_keyring_problem(exc)
            return False
        return True

    def _note_keyring_problem(self, exc: Exception) -> None:
        name = type(exc).__name__
        if name == "NoKeyringError":
            self.keyring_problem = "no keyring backend is installed or running"
        else:
            self.keyring_problem = f"the keyring refused: {name}"
        log.info("keyring unavailable: %s", self.keyring_problem)
