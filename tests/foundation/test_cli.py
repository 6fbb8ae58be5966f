from __future__ import annotations

from pathlib import Path

import pytest

from desktop import __version__
from desktop.config.cli import parse_args
from desktop.config.settings import Settings


def test_flags_become_setting_overrides() -> None:
    options = parse_args(
        [
            "--backend",
            "azure",
            "--model",
            "my-deployment",
            "--mode",
            "ptt",
            "--dialect",
            "ga",
            "--input-device",
            "USB Mic",
            "--echo-cancellation",
            "on",
            "--log-level",
            "debug",
        ]
    )
    settings = Settings.build(**options.overrides)
    assert settings.connection.backend == "azure"
    assert settings.connection.model == "my-deployment"
    assert settings.ui.talk_mode == "ptt"
    assert settings.audio.input_device == "USB Mic"
    assert settings.audio.echo_cancellation == "on"
    assert settings.log_level == "DEBUG"


def test_url_implies_custom_backend() -> None:
    options = parse_args(["--url", "ws://127.0.0.1:9000/v1"])
    assert options.overrides["connection"] == {"url": "ws://127.0.0.1:9000/v1", "backend": "custom"}


def test_actions(tmp_path: Path) -> None:
    options = parse_args(["--connect", "--list-devices", "--settings", str(tmp_path / "s.toml")])
    assert options.connect and options.list_devices
    assert options.settings_path == tmp_path / "s.toml"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_bad_choice_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(["--mode", "shout"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
