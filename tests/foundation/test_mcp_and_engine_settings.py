"""The MCP server list and the engine's chat endpoint in the settings file: saved, read
back, repaired entry by entry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from desktop.config.settings import McpServerSettings, McpSettings
from desktop.config.store import default_settings_path, load_settings, save_settings


def write(text: str) -> Path:
    path = default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_servers_are_saved_and_read_back(isolated_home: Path) -> None:
    loaded = load_settings()
    loaded.settings.mcp = McpSettings(
        servers=[
            McpServerSettings(
                name="files", command="npx", args=["-y", "some-server", "/home"],
                env={"LOG_LEVEL": "info"}, secret_env=["API_TOKEN"], tool_rules={"delete": "off"},
            ),
            McpServerSettings(name="web", transport="http", url="https://example.org/mcp"),
        ]
    )  # fmt: skip
    path = save_settings(loaded.settings)
    stored = tomllib.loads(path.read_text())["mcp"]["servers"]
    assert [server["name"] for server in stored] == ["files", "web"]
    assert stored[0]["secret_env"] == ["API_TOKEN"] and "token" not in stored[1]
    again = load_settings().settings.mcp
    assert again == loaded.settings.mcp and load_settings().problems == []


def test_a_bad_server_entry_goes_alone(isolated_home: Path) -> None:
    path = write(
        '[[mcp.servers]]\nname = "good"\ncommand = "run-me"\n'
        '[[mcp.servers]]\ncommand = "nameless"\n'
        '[[mcp.servers]]\nname = "slow"\ncommand = "x"\ncall_timeout_s = 9000\n'
        '[[mcp.servers]]\nname = "web"\ntransport = "http"\nurl = "ftp://nope"\n'
    )
    loaded = load_settings()
    servers = loaded.settings.mcp.servers
    assert [server.name for server in servers] == ["good", "slow", "web"]
    assert servers[1].call_timeout_s == 30.0 and servers[2].url == ""
    joined = "\n".join(loaded.problems)
    assert "mcp.servers.1" in joined
    assert "mcp.servers.1.call_timeout_s" in joined and "mcp.servers.2.url" in joined
    assert len(list(path.parent.glob("settings.bak-*.toml"))) == 1, "the file as it was is kept"


def test_repeated_names_are_numbered_and_bounds_hold() -> None:
    settings = McpSettings(
        servers=[{"name": "tools", "command": "a"}, {"name": "Tools", "command": "b"}]
    )
    assert [server.name for server in settings.servers] == ["tools", "Tools 2"]
    with pytest.raises(ValidationError):
        McpServerSettings(name="x", env={"NOT-A-NAME": "1"})
    with pytest.raises(ValidationError):
        McpServerSettings(name="")
    with pytest.raises(ValidationError):
        McpServerSettings(name="x", call_timeout_s=0.5)


def test_the_chat_endpoint_must_be_http(isolated_home: Path) -> None:
    write('[engine]\nchat_endpoint = "127.0.0.1:11434"\nchat_model = "llama3.2"\n')
    loaded = load_settings()
    assert loaded.settings.engine.chat_endpoint == ""
    assert loaded.settings.engine.chat_model == "llama3.2"
    assert any("engine.chat_endpoint" in problem for problem in loaded.problems)
