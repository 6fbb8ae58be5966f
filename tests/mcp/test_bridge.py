"""The Qt face of the MCP host: settings in, queued signals out, secrets from the keyring."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from desktop.config.secrets import KeyStore
from desktop.config.settings import McpServerSettings, McpSettings, Settings
from desktop.mcp.launch import launch_for, token_slot
from desktop.mcp.qt_bridge import McpBridge
from desktop.mcp.records import CallOutcome, ServerState, ServerStatus
from desktop.mcp.server_secrets import save_env_secret, save_token
from tests.support.mcp_servers import DEMO, HTTP_TOKEN, HttpServer


def demo(name: str = "demo", **fields: Any) -> McpServerSettings:
    return McpServerSettings(name=name, command=sys.executable, args=[DEMO], **fields)


def keys() -> KeyStore:
    return KeyStore(Settings.build(environment=False))


@pytest.fixture
def bridge(qtbot: QtBot) -> Iterator[McpBridge]:
    mcp = McpBridge(keys(), reserved_names=["calculate"])
    mcp.start()
    yield mcp
    mcp.shutdown()


def settled_statuses(qtbot: QtBot, bridge: McpBridge) -> tuple[ServerStatus, ...]:
    def done(statuses: tuple[ServerStatus, ...]) -> bool:
        return bool(statuses) and all(s.state is not ServerState.STARTING for s in statuses)

    if not done(bridge.statuses()):
        with qtbot.waitSignal(bridge.servers_changed, timeout=30000, check_params_cb=done):
            pass
    return bridge.statuses()


def run(qtbot: QtBot, bridge: McpBridge, name: str, arguments: dict[str, Any]) -> CallOutcome:
    threads: list[QThread] = []
    bridge.call_finished.connect(lambda _: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(bridge.call_finished, timeout=30000) as finished:
        bridge.execute("call_7", name, json.dumps(arguments))
    assert threads == [bridge.thread()]  # delivered on the GUI thread
    outcome = finished.args[0]
    assert isinstance(outcome, CallOutcome)
    return outcome


def test_tools_are_offered_and_calls_come_back_as_signals(qtbot: QtBot, bridge: McpBridge) -> None:
    with qtbot.waitSignal(bridge.tools_changed, timeout=30000) as offered:
        bridge.apply(McpSettings(servers=[demo()]))
    names = [tool["name"] for tool in offered.args[0]]
    assert "demo__lookup_word" in names and "demo__crash" in names
    assert offered.args[0] == tuple(bridge.function_tools())
    assert not bridge.needs_confirmation("demo__lookup_word")  # read-only
    assert bridge.needs_confirmation("demo__crash")
    assert bridge.owns("demo__crash") and not bridge.owns("calculate")
    outcome = run(qtbot, bridge, "demo__lookup_word", {"word": "signal"})
    assert outcome.ok and outcome.call_id == "call_7"
    assert outcome.output == "signal: a word the demo dictionary knows."


def test_tool_rules_and_the_ask_setting(qtbot: QtBot, bridge: McpBridge) -> None:
    rules = {"crash": "off", "picture": "allow"}
    with qtbot.waitSignal(bridge.tools_changed, timeout=30000):
        bridge.apply(McpSettings(servers=[demo(tool_rules=rules)]))
    names = {tool.tool_name for tool in bridge.tools()}
    assert "crash" not in names and "picture" in names
    assert not bridge.needs_confirmation("demo__picture")
    assert bridge.needs_confirmation("demo__fail")
    refused = run(qtbot, bridge, "demo__crash", {})
    assert not refused.ok and "switched off" in json.loads(refused.output)["error"]
    pid = run(qtbot, bridge, "demo__pids", {}).output

    with qtbot.waitSignal(bridge.servers_changed, timeout=10000):
        bridge.apply(McpSettings(servers=[demo(ask="always", tool_rules=rules)]))
    assert bridge.needs_confirmation("demo__lookup_word")
    assert run(qtbot, bridge, "demo__pids", {}).output == pid  # a rule change restarts nothing


def test_a_bearer_token_from_the_keyring_reaches_the_server(
    qtbot: QtBot, bridge: McpBridge, memory_keyring: KeyringBackend, http_server: HttpServer
) -> None:
    assert save_token(keys(), "web", HTTP_TOKEN).source == "keyring"
    server = McpServerSettings(name="web", transport="http", url=http_server.url)
    assert HTTP_TOKEN not in repr(launch_for(server, keys()))
    bridge.apply(McpSettings(servers=[server]))
    (status,) = settled_statuses(qtbot, bridge)
    assert status.state is ServerState.RUNNING
    assert run(qtbot, bridge, "web__echo", {"text": "keyring"}).output == "echo: keyring"
    assert HTTP_TOKEN not in json.dumps(Settings.build(mcp={"servers": [server]}).storable())


def test_without_a_keyring_secrets_last_for_the_session(
    qtbot: QtBot, no_keyring: None, http_server: HttpServer
) -> None:
    store = keys()
    assert save_token(store, "web", HTTP_TOKEN).source == "memory"
    assert save_env_secret(store, "demo", "DEMO_SECRET", "s3cret-value").source == "memory"
    servers = [
        McpServerSettings(name="web", transport="http", url=http_server.url),
        demo(secret_env=["DEMO_SECRET"], env={"DEMO_PLAIN": "plain"}),
    ]
    session = McpBridge(store)
    session.start()
    try:
        session.apply(McpSettings(servers=servers))
        assert [s.state for s in settled_statuses(qtbot, session)] == [ServerState.RUNNING] * 2
        assert run(qtbot, session, "demo__environment", {"name": "DEMO_SECRET"}).output == (
            "s3cret-value"
        )
        assert run(qtbot, session, "demo__environment", {"name": "DEMO_PLAIN"}).output == "plain"
    finally:
        session.shutdown()
    # The next run of the app has neither secret: both servers say what is missing.
    next_run = McpBridge(keys())
    next_run.start()
    try:
        next_run.apply(McpSettings(servers=servers))
        web, local = settled_statuses(qtbot, next_run)
        assert "asks for a token (HTTP 401)" in web.message
        assert local.message.startswith("It needs a value for DEMO_SECRET")
        assert keys().get_secret(token_slot("web")) is None
    finally:
        next_run.shutdown()


def test_the_gui_side_does_not_load_the_sdk() -> None:
    """Importing the SDK takes about a second; the host thread does it, not the GUI."""
    probe = (
        "import sys, desktop.mcp.qt_bridge, desktop.conversation.controller, ui.main_window; "
        "print('mcp' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "False"
