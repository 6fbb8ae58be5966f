"""An MCP server's secrets in the key store: its bearer token, its secret variables.

Like API keys, they go to the OS keyring, or stay in memory until Parley quits on
a machine without one; the settings file only says which variables are secret.
"""

from __future__ import annotations

from desktop.config.secrets import KeyStore, SaveResult
from desktop.config.settings import McpServerSettings
from desktop.mcp.launch import env_slot, token_slot


def save_token(keys: KeyStore, server: str, token: str) -> SaveResult:
    return keys.save_secret(token_slot(server), token)


def has_token(keys: KeyStore, server: str) -> bool:
    return keys.get_secret(token_slot(server)) is not None


def save_env_secret(keys: KeyStore, server: str, variable: str, value: str) -> SaveResult:
    return keys.save_secret(env_slot(server, variable), value)


def forget_server_secrets(keys: KeyStore, server: McpServerSettings) -> None:
    """For a server being removed: its token and secret variables leave the keyring."""
    keys.forget_secret(token_slot(server.name))
    for variable in server.secret_env:
        keys.forget_secret(env_slot(server.name, variable))


def rename_server_secrets(keys: KeyStore, server: McpServerSettings, new_name: str) -> None:
    """Moves the secrets of ``server`` to the slots of its new name."""
    slots = [(token_slot(server.name), token_slot(new_name))] + [
        (env_slot(server.name, v), env_slot(new_name, v)) for v in server.secret_env
    ]
    for old, new in slots:
        stored = keys.get_secret(old)
        if stored is not None:
            keys.save_secret(new, stored.value.get_secret_value())
            keys.forget_secret(old)
