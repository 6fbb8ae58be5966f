"""Where each option is in the window, for messages that name one.

A message that asks the user to change a setting names it as the window shows it
(``Connection → Dialect``). The Connection tab takes its labels from here, so the
two cannot drift apart, and a test walks the window to find every place.
"""

from __future__ import annotations

#: The settings tab with the backend options and the offline engine's language model.
CONNECTION_TAB = "Connection"
#: The settings tab with the built-in tools and the MCP servers.
TOOLS_TAB = "Tools"
#: The group of the Connection tab that sets the offline engine's language model.
OFFLINE_ENGINE_BOX = "Offline engine"

#: The label of each setting on the Connection tab, by ``group.field``.
LABELS: dict[str, str] = {
    "connection.backend": "Backend",
    "connection.model": "Model or deployment",
    "connection.url": "Server URL",
    "connection.dialect": "Dialect",
    "connection.azure_endpoint": "Azure endpoint",
    "connection.azure_auth": "Azure sign-in",
    "connection.azure_api_version": "Azure API version",
    "connection.auto_connect": "Connect at start",
    "response.max_output_tokens": "Reply length (tokens)",
    "response.output_modality": "Replies",
    "engine.chat_endpoint": "Chat endpoint",
    "engine.chat_model": "Chat model",
}


def place(key: str) -> str:
    """Where ``group.field`` is: ``Connection → Dialect``."""
    if key.startswith("engine."):
        return f"{CONNECTION_TAB} → {OFFLINE_ENGINE_BOX} → {LABELS[key]}"
    return f"{CONNECTION_TAB} → {LABELS[key]}"


def labels_of(group: str) -> dict[str, str]:
    """The labels of one group's fields, by field name (for a settings form)."""
    prefix = f"{group}."
    return {key[len(prefix) :]: label for key, label in LABELS.items() if key.startswith(prefix)}
