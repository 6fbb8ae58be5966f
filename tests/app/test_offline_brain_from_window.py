"""The offline engine's language model from the window: the chat endpoint, its model
and key (in the keyring), the Check button, and changes that reach the running
engine at its next reply, against small OpenAI-compatible servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.config.secrets import CHAT_KEY_SLOT
from desktop.connection.state import ConnectionState
from desktop.local_engine.intents import FALLBACK
from tests.support.chat_server import FakeChatServer, text_chunks
from tests.support.conversation import MakeIdleApp, Traffic, wait_live, wait_reply
from tests.support.mcp_servers import demo_settings
from ui.connection_panel import ConnectionPanel

KEY = "chat-key-5f1e2d"


def replying(text: str) -> Any:
    return lambda _body: text_chunks(text)


@pytest.fixture
def first_model() -> Iterator[FakeChatServer]:
    server = FakeChatServer(replying("The first model answers."), KEY, ("tiny", "small"))
    yield server
    server.close()


@pytest.fixture
def second_model() -> Iterator[FakeChatServer]:
    server = FakeChatServer(replying("The second model answers."))
    yield server
    server.close()


@pytest.fixture
def app(make_idle_app: MakeIdleApp) -> ParleyApp:
    return make_idle_app(mcp={"servers": [demo_settings().model_dump()]})


def panel(app: ParleyApp) -> ConnectionPanel:
    assert app.window is not None
    return app.window.panels.connection


def set_endpoint(app: ParleyApp, url: str, model: str = "") -> None:
    for name, text in (("chat_endpoint", url), ("chat_model", model)):
        line = panel(app).engine.editor(name)
        assert isinstance(line, QLineEdit)
        line.setText(text)
        line.editingFinished.emit()


def check(qtbot: QtBot, app: ParleyApp) -> str:
    panel(app).check_button.click()
    qtbot.waitUntil(panel(app).check_button.isEnabled, timeout=15000)
    return panel(app).check_text()


def enter_key(qtbot: QtBot, app: ParleyApp, key: str) -> None:
    panel(app).engine_key_button.click()
    dialog = panel(app).dialog
    assert dialog is not None
    dialog.key_edit.setText(key)
    dialog.api_key_entered.emit("chat", dialog.key_edit.text())
    qtbot.waitUntil(lambda: dialog.message() != "")


def say(qtbot: QtBot, app: ParleyApp, text: str, count: int) -> str:
    assert app.controller.send_text(text)
    wait_reply(qtbot, app.controller, count)
    replies = [e for e in app.controller.transcript.entries() if e.role == "assistant"]
    return replies[-1].text


def test_the_chat_endpoint_is_checked_and_changed_on_the_running_engine(
    qtbot: QtBot,
    app: ParleyApp,
    first_model: FakeChatServer,
    second_model: FakeChatServer,
    memory_keyring: KeyringBackend,
) -> None:
    set_endpoint(app, first_model.url, "tiny")
    assert "wants an API key (HTTP 401)" in check(qtbot, app)
    enter_key(qtbot, app, KEY)
    assert app.keys.chat_key() == KEY and memory_keyring.get_password("parley", CHAT_KEY_SLOT)
    assert check(qtbot, app) == "The endpoint answered with 2 model(s): small, tiny."
    assert KEY not in (app.loaded.path.read_text() if app.loaded.path.exists() else "")

    traffic = Traffic(app.controller)
    app.controller.connect_backend()
    wait_live(qtbot, app.controller)
    qtbot.waitUntil(lambda: "demo__lookup_word" in traffic.offered(), timeout=30000)
    assert say(qtbot, app, "What is the capital of France?", 1) == "The first model answers."
    request = first_model.requests[-1]
    assert request["auth"] == f"Bearer {KEY}" and request["body"]["model"] == "tiny"
    system = request["body"]["messages"][0]
    assert system == {"role": "system", "content": app.settings.instructions.instructions}
    offered = {tool["function"]["name"] for tool in request["body"]["tools"]}
    assert {"get_local_time", "demo__lookup_word"} <= offered

    set_endpoint(app, second_model.url)  # while live: the next reply comes from it
    assert say(qtbot, app, "And of Spain?", 2) == "The second model answers."
    assert second_model.requests[-1]["body"]["model"] == "default"
    set_endpoint(app, "")  # back to the built-in rules, whose fallback says where to look
    assert say(qtbot, app, "And of Italy?", 3) == FALLBACK
    assert app.controller.connection_state is ConnectionState.LIVE
    assert len(traffic.received("session.created")) == 1  # one session throughout


def test_check_says_what_is_wrong(qtbot: QtBot, app: ParleyApp) -> None:
    set_endpoint(app, "http://127.0.0.1:9/v1")
    assert check(qtbot, app) == "Nothing answered at http://127.0.0.1:9/v1; is the server running?"
    line = panel(app).engine.editor("chat_endpoint")
    assert isinstance(line, QLineEdit)
    line.setText("localhost:11434")
    panel(app).check_button.click()  # an invalid URL is not checked, and says why
    assert "http://" in panel(app).engine.error_text("chat_endpoint")
    assert app.settings.engine.chat_endpoint == "http://127.0.0.1:9/v1"
