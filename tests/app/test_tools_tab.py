"""The Tools tab's MCP servers, driven through the window with real servers: add
(a command or a URL with a token kept in the keyring), state and stderr tail,
per-tool rules, switching off, restart, edit and remove; the live session follows."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.mcp.launch import token_slot
from tests.support.conversation import MakeIdleApp, Traffic, wait_live
from tests.support.mcp_servers import DEMO, HTTP_TOKEN, HttpServer
from ui.mcp_server_dialog import McpServerDialog
from ui.mcp_servers_panel import RULE_LABELS, McpServersPanel


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    yield server
    server.stop()


@pytest.fixture
def app(make_idle_app: MakeIdleApp) -> ParleyApp:
    return make_idle_app()


def servers_panel(app: ParleyApp) -> McpServersPanel:
    assert app.window is not None
    return app.window.panels.tools.mcp


def fill(dialog: McpServerDialog, **fields: str) -> None:
    for name in ("name", "command", "url"):
        if name in fields:
            line = dialog.form.editor(name)
            assert isinstance(line, QLineEdit)
            line.setText(fields[name])
            line.editingFinished.emit()
    if "transport" in fields:
        combo = dialog.form.editor("transport")
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(fields["transport"]))
        combo.activated.emit(combo.currentIndex())
    if "args" in fields:
        dialog.args_edit.setText(fields["args"])
    if "token" in fields:
        dialog.token_edit.setText(fields["token"])


def add(panel: McpServersPanel, **fields: str) -> McpServerDialog:
    panel.add_button.click()
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    fill(dialog, **fields)
    dialog.save_button.click()
    return dialog


def state(panel: McpServersPanel, name: str) -> str:
    item = panel.server_item(name)
    return item.text(1) if item is not None else ""


def choose_rule(panel: McpServersPanel, server: str, tool: str, rule: str) -> None:
    combo = panel.rule_combo(server, tool)
    assert combo is not None
    combo.setCurrentIndex(combo.findData(rule))
    combo.activated.emit(combo.currentIndex())


def rules(app: ParleyApp) -> dict[str, str]:
    return dict(app.settings.mcp.servers[0].tool_rules)


def live(qtbot: QtBot, app: ParleyApp) -> Traffic:
    traffic = Traffic(app.controller)
    app.controller.connect_backend()
    wait_live(qtbot, app.controller)
    return traffic


def test_a_stdio_server_added_in_the_window_offers_its_tools_live(
    qtbot: QtBot, app: ParleyApp
) -> None:
    traffic = live(qtbot, app)
    panel = servers_panel(app)
    assert "No MCP servers yet" in panel.message.text()
    dialog = add(panel, name="dict", command=sys.executable, args=shlex.join([DEMO]))
    assert not dialog.isVisible() and dialog.error_label.isHidden()
    qtbot.waitUntil(lambda: state(panel, "dict").startswith("Running"), timeout=30000)
    qtbot.waitUntil(lambda: "dict__lookup_word" in traffic.offered(), timeout=10000)
    assert panel.message.text() == "dict: Running, 8 tools."
    combo = panel.rule_combo("dict", "lookup_word")
    assert combo is not None and combo.currentText() == RULE_LABELS["allow"]  # read-only
    crash = panel.rule_combo("dict", "crash")
    assert crash is not None and crash.currentText() == RULE_LABELS["ask"]

    choose_rule(panel, "dict", "crash", "off")
    qtbot.waitUntil(lambda: "dict__crash" not in traffic.offered(), timeout=10000)
    assert rules(app) == {"crash": "off"}
    choose_rule(panel, "dict", "lookup_word", "ask")
    qtbot.waitUntil(lambda: rules(app) == {"crash": "off", "lookup_word": "ask"})
    assert app.controller.tools.get("dict__lookup_word").ask_first  # type: ignore[union-attr]
    choose_rule(panel, "dict", "lookup_word", "allow")  # back to the server's default
    qtbot.waitUntil(lambda: rules(app) == {"crash": "off"})

    item = panel.server_item("dict")
    assert item is not None
    item.setCheckState(0, Qt.CheckState.Unchecked)  # switched off: its tools go
    qtbot.waitUntil(lambda: state(panel, "dict") == "Off", timeout=10000)
    qtbot.waitUntil(lambda: "dict__lookup_word" not in traffic.offered(), timeout=10000)
    assert not app.settings.mcp.servers[0].enabled

    panel.select("dict")
    panel.remove_button.click()
    assert app.settings.mcp.servers == []
    assert panel.server_item("dict") is None


def test_a_server_that_fails_to_start_shows_its_error_output_and_can_restart(
    qtbot: QtBot, app: ParleyApp
) -> None:
    panel = servers_panel(app)
    add(panel, name="broken", command=sys.executable, args=shlex.join([DEMO, "--fail-start"]))
    qtbot.waitUntil(lambda: state(panel, "broken") == "Failed", timeout=30000)
    panel.select("broken")
    assert "cannot start, the configuration is missing" in panel.stderr_view.toPlainText()
    assert panel.stderr_view.isVisibleTo(panel) and panel.restart_button.isEnabled()
    # Fixed in the dialog (no more --fail-start): it restarts with the new arguments.
    panel.edit_button.click()
    dialog = panel.dialog
    assert dialog is not None
    fill(dialog, args=shlex.join([DEMO]))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: state(panel, "broken").startswith("Running"), timeout=30000)
    panel.restart_button.click()
    qtbot.waitUntil(lambda: state(panel, "broken").startswith("Running"), timeout=30000)


def test_a_url_server_with_a_token_kept_in_the_keyring(
    qtbot: QtBot,
    app: ParleyApp,
    http_server: HttpServer,
    memory_keyring: KeyringBackend,
) -> None:
    panel = servers_panel(app)
    add(panel, name="web", transport="http", url=http_server.url, token=HTTP_TOKEN)
    qtbot.waitUntil(lambda: state(panel, "web") == "Running · 1 tool", timeout=30000)
    assert memory_keyring.get_password("parley", token_slot("web")) == HTTP_TOKEN
    app.save()
    assert HTTP_TOKEN not in app.loaded.path.read_text()
    assert "http_server" not in app.loaded.path.read_text()

    panel.select("web")
    panel.edit_button.click()  # renamed: the token moves with it
    dialog = panel.dialog
    assert dialog is not None and dialog.token_edit.placeholderText().startswith("stored")
    fill(dialog, name="site")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: state(panel, "site") == "Running · 1 tool", timeout=30000)
    assert app.controller.tools.get("site__echo") is not None
    assert memory_keyring.get_password("parley", token_slot("web")) is None
    panel.select("site")
    panel.remove_button.click()
    assert memory_keyring.get_password("parley", token_slot("site")) is None


def test_the_dialog_says_what_is_missing_or_taken(qtbot: QtBot, app: ParleyApp) -> None:
    panel = servers_panel(app)
    dialog = add(panel, name="demo")
    assert dialog.isVisible() and "Command: enter the program" in dialog.error_label.text()
    fill(dialog, command=sys.executable, args=shlex.join([DEMO]))
    dialog.save_button.click()
    assert not dialog.isVisible()
    again = add(panel, name="Demo", command="uvx", args="some-server")
    assert again.isVisible()
    assert again.error_label.text() == "A server called Demo exists already; choose another name."
    fill(again, args='"unclosed')
    again.save_button.click()
    assert "Arguments" in again.error_label.text()
