from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from desktop.config.settings import GROUPS, Settings
from desktop.config.store import default_settings_path, load_settings, save_settings


def test_defaults_are_valid_and_documented(isolated_home: Path) -> None:
    settings = Settings.build()
    assert settings.connection.backend == "offline"
    assert settings.connection.dialect == "ga"
    for group in GROUPS:
        model = type(getattr(settings, group))
        for name, info in model.model_fields.items():
            assert info.description, f"{group}.{name} has no description"


def test_bounds_are_enforced() -> None:
    with pytest.raises(ValidationError):
        Settings.build(turn_detection={"threshold": 1.5})
    with pytest.raises(ValidationError):
        Settings.build(voice={"voice": "robot"})
    with pytest.raises(ValidationError):
        Settings.build(response={"max_output_tokens": 5000})
    assert Settings.build(response={"max_output_tokens": 4096}).response.max_output_tokens == 4096


def test_sources_later_wins(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file_data = {"connection": {"model": "from-file", "dialect": "beta"}, "voice": {"speed": 1.2}}
    (isolated_home / ".env").write_text("PARLEY_VOICE__SPEED=1.3\n")
    monkeypatch.setenv("PARLEY_CONNECTION__MODEL", "from-env")
    settings = Settings.build(file_data, ui={"talk_mode": "ptt"})
    assert settings.connection.model == "from-env"  # env beats the file
    assert settings.connection.dialect == "beta"  # the file beats defaults
    assert settings.voice.speed == 1.3  # .env beats the file
    assert settings.ui.talk_mode == "ptt"  # flags beat everything
    flagged = Settings.build(file_data, connection={"model": "from-flag"})
    assert flagged.connection.model == "from-flag"


def test_conventional_variables(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-conventional-123456")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    settings = Settings.build()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-conventional-123456"
    assert settings.connection.azure_endpoint == "https://res.openai.azure.com"
    assert "sk-test" not in repr(settings)


def test_save_never_writes_keys(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-on-disk-0000000")
    loaded = load_settings()
    loaded.settings.voice.voice = "cedar"
    path = save_settings(loaded.settings)
    assert path == default_settings_path()
    assert path.is_relative_to(isolated_home)
    text = path.read_text()
    assert "sk-never-on-disk" not in text
    assert "api_key" not in text
    assert tomllib.loads(text)["voice"]["voice"] == "cedar"
    assert load_settings().settings.voice.voice == "cedar"


def test_corrupt_file_is_kept_and_defaults_used(isolated_home: Path) -> None:
    path = default_settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("[voice\nvoice = ")
    loaded = load_settings()
    assert loaded.settings.voice.voice == "marin"
    assert path.with_name("settings.toml.bak").read_text() == "[voice\nvoice = "
    assert any("not valid TOML" in p for p in loaded.problems)


def test_invalid_key_is_named_and_others_kept(isolated_home: Path) -> None:
    path = default_settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('[voice]\nvoice = "cedar"\nspeed = 9.0\n[turn_detection]\nmode = "sideways"\n')
    loaded = load_settings()
    assert loaded.settings.voice.voice == "cedar"
    assert loaded.settings.voice.speed == 1.0
    assert loaded.settings.turn_detection.mode == "server_vad"
    joined = "\n".join(loaded.problems)
    assert "voice.speed" in joined and "turn_detection.mode" in joined
    assert path.with_name("settings.toml.bak").exists()


def test_keys_in_file_are_ignored(isolated_home: Path) -> None:
    path = default_settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('openai_api_key = "sk-in-the-file-123456"\n')
    loaded = load_settings()
    assert loaded.settings.openai_api_key is None
    assert any("keyring" in p for p in loaded.problems)


def test_invalid_environment_does_not_stop_startup(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_VOICE__SPEED", "fast")
    loaded = load_settings()
    assert loaded.settings.voice.speed == 1.0
    assert any("voice.speed" in p for p in loaded.problems)
