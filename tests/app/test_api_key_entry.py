"""A key typed into the window goes to the keyring, or stays in memory with an explanation."""

from __future__ import annotations

import keyring.backend
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.config_store import load_settings

KEY = "sk-typed-into-the-window-0123"


def test_a_typed_key_is_saved_in_the_keyring(
    qtbot: QtBot, memory_keyring: keyring.backend.KeyringBackend
) -> None:
    parley = ParleyApp(load_settings(None), with_audio=False)
    try:
        parley.window.connection_bar.api_key_entered.emit("openai", KEY)
        assert memory_keyring.get_password("parley", "openai-api-key") == KEY
        assert "keyring" in parley.window.status_label.text()
        stored = parley.keys.get("openai")
        assert stored is not None and stored.source == "keyring"
    finally:
        parley.close()


def test_without_a_keyring_the_key_lives_in_memory_and_the_window_says_so(
    qtbot: QtBot, no_keyring: None
) -> None:
    parley = ParleyApp(load_settings(None), with_audio=False)
    try:
        parley.window.connection_bar.api_key_entered.emit("openai", KEY)
        message = parley.window.status_label.text()
        assert "No system keyring" in message and "OPENAI_API_KEY" in message
        stored = parley.keys.get("openai")
        assert stored is not None and stored.source == "memory"
        assert KEY not in message
    finally:
        parley.close()
