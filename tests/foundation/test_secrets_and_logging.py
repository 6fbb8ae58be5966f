from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from desktop.config.logging_setup import REDACTED, redact, register_secret, setup_logging
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings


def test_headless_fallback_keeps_key_in_memory(isolated_home: Path, no_keyring: None) -> None:
    store = KeyStore(Settings.build())
    assert store.get("openai") is None
    result = store.save("openai", "sk-headless-key-abcdef")
    assert result.source == "memory"
    assert "OPENAI_API_KEY" in result.message and "no keyring" in result.message
    stored = store.get("openai")
    assert stored is not None and stored.source == "memory"
    assert stored.value.get_secret_value() == "sk-headless-key-abcdef"
    # A new app run (a new store) does not have it: nothing was written anywhere.
    assert KeyStore(Settings.build()).get("openai") is None
    assert not any(
        "sk-headless" in p.read_text(errors="ignore")
        for p in isolated_home.rglob("*")
        if p.is_file()
    )


def test_keyring_round_trip(isolated_home: Path, memory_keyring: KeyringBackend) -> None:
    store = KeyStore(Settings.build())
    assert store.save("azure", "azure-key-0123456789").source == "keyring"
    assert KeyStore(Settings.build()).get("azure") is not None
    store.forget("azure")
    assert KeyStore(Settings.build()).get("azure") is None


def test_environment_wins(
    isolated_home: Path,
    memory_keyring: KeyringBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memory_keyring.set_password("parley", "openai-api-key", "sk-from-keyring-000000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-environment-000")
    stored = KeyStore(Settings.build()).get("openai")
    assert stored is not None and stored.source == "environment"
    assert KeyStore(Settings.build()).get("offline") is None


def test_empty_key_is_refused(isolated_home: Path, no_keyring: None) -> None:
    with pytest.raises(ValueError, match="empty"):
        KeyStore(Settings.build()).save("openai", "   ")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcdefghijklmnop",
        "key sk-proj-abcdefghijklmnopqrstuvwx was rejected",
        "wss://x.openai.azure.com/openai/v1/realtime?api-key=0123456789abcdef&model=m",
        "{'api-key': 'abcdef0123456789'}",
    ],
)
def test_credential_shapes_are_redacted(text: str) -> None:
    out = redact(text)
    assert REDACTED in out
    for secret in ("abcdefghijklmnop", "sk-proj-abc", "0123456789abcdef", "abcdef0123456789"):
        assert secret not in out


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_file_never_holds_a_registered_key(tmp_path: Path, restore_root_logger: None) -> None:
    path = setup_logging("DEBUG", log_dir=tmp_path, stderr=False)
    register_secret("plainlookingsecret42")
    logging.getLogger("parley.test").warning("connecting with plainlookingsecret42 now")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text()
    assert "connecting with" in content
    assert "plainlookingsecret42" not in content


def test_a_server_message_with_lone_surrogates_still_reaches_the_log(
    tmp_path: Path, restore_root_logger: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.realtime import ErrorEvent
    from desktop.realtime.parsing import parse_server_event

    path = setup_logging("INFO", log_dir=tmp_path, stderr=False)
    event = parse_server_event(
        '{"type": "error", "error": {"code": "odd", "message": "half a pair \\ud83d here"}}'
    )
    assert isinstance(event, ErrorEvent) and "\ud83d" in (event.message or "")
    server_log = logging.getLogger("desktop.server_events")
    server_log.info("server error %s: %s", event.code, event.message)
    logging.getLogger("parley.test").info("and the next line")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text(encoding="utf-8")
    assert "server error odd: half a pair \\ud83d here" in content
    assert "and the next line" in content
    assert "Logging error" not in capsys.readouterr().err


def test_an_entra_token_comes_from_the_environment_or_the_keyring(
    isolated_home: Path, memory_keyring: KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyStore(Settings.build())
    assert store.azure_token() is None
    assert store.save_named("azure_token", "eyJ-stored-token-0123").source == "keyring"
    stored = KeyStore(Settings.build()).azure_token()
    assert stored is not None and stored.value.get_secret_value() == "eyJ-stored-token-0123"
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "eyJ-environment-token")
    settings = Settings.build()
    from_env = KeyStore(settings).azure_token()
    assert from_env is not None and from_env.source == "environment"
    assert "eyJ-environment-token" not in str(settings.storable())


def test_without_a_keyring_the_token_message_names_its_variable(
    isolated_home: Path, no_keyring: None
) -> None:
    result = KeyStore(Settings.build()).save_named("azure_token", "eyJ-token")
    assert result.source == "memory" and "AZURE_OPENAI_AD_TOKEN" in result.message
    chat = KeyStore(Settings.build())
    assert chat.save_named("chat", "chat-key").source == "memory"
    assert chat.chat_key() == "chat-key"
    with pytest.raises(ValueError):
        chat.save_named("chat", "  ")
