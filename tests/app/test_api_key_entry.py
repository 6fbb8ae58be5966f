"""A key typed into the window goes to the keyring, or stays in memory with an explanation."""

from __future__ import annotations

import keyring.backend

from desktop.config.store import load_settings
from tests.support.conversation import MakeApp

KEY = "sk-typed-into-the-window-0123"


def test_a_typed_key_is_saved_in_the_keyring(
    make_app: MakeApp, memory_keyring: keyring.backend.KeyringBackend
) -> None:
    parley = make_app(load_settings(None))
    parley.window.connection_bar.api_key_entered.emit("openai", KEY)
    assert memory_keyring.get_password("parley", "openai-api-key") == KEY
    assert "keyring" in parley.window.status_label.text()
    stored = parley.keys.get("openai")
    assert stored is not None and stored.source == "keyring"


def test_without_a_keyring_the_key_lives_in_memory_and_the_window_says_so(
    make_app: MakeApp, no_keyring: None
) -> None:
    parley = make_app(load_settings(None))
    parley.window.connection_bar.api_key_entered.emit("openai", KEY)
    message = parley.window.status_label.text()
    assert "No system keyring" in message and "OPENAI_API_KEY" in message
    stored = parley.keys.get("openai")
    assert stored is not None and stored.source == "memory"
    assert KEY not in message
