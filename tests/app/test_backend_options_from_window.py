"""Every backend option set from the window reaches the server: the dialect and
Azure's endpoint, deployment and sign-in in the handshake (what a scripted server
receives), reply length and text-only replies in the live session; a change while
connected moves the session without a restart; errors name the place in the window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.config.places import CONNECTION_TAB, LABELS, OFFLINE_ENGINE_BOX
from desktop.connection.state import ConnectionState
from desktop.local_engine.intents import FALLBACK, LANGUAGE_MODEL_PLACE
from tests.support.conversation import MakeIdleApp
from tests.support.ga_script import Received, of_type
from tests.support.scripted_server import ScriptedServer
from ui.api_key_dialog import ApiKeyDialog
from ui.connection_panel import ConnectionPanel
from ui.settings_form import SettingsForm

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.entra-test-token"
AZURE_KEY = "azure-key-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def app(make_idle_app: MakeIdleApp) -> ParleyApp:
    return make_idle_app()


def panel(app: ParleyApp) -> ConnectionPanel:
    assert app.window is not None
    return app.window.panels.connection


def choose(form: SettingsForm, name: str, value: object) -> None:
    combo = form.editor(name)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(value))
    combo.activated.emit(combo.currentIndex())


def type_in(form: SettingsForm, name: str, text: str) -> None:
    line = form.editor(name)
    assert isinstance(line, QLineEdit)
    line.setText(text)
    line.editingFinished.emit()


def enter_secret(
    qtbot: QtBot, where: ConnectionPanel, button: QPushButton, value: str
) -> ApiKeyDialog:
    button.click()
    dialog = where.dialog
    assert isinstance(dialog, ApiKeyDialog) and dialog.isVisible()
    dialog.key_edit.setText(value)
    save = next(b for b in dialog.findChildren(QPushButton) if b.text().endswith("Save"))
    save.click()
    qtbot.waitUntil(lambda: dialog.message() != "")
    return dialog


def connect(qtbot: QtBot, app: ParleyApp, server: ScriptedServer, handshakes: int = 1) -> None:
    assert app.window is not None
    if app.controller.connection_state in (ConnectionState.IDLE, ConnectionState.FAILED):
        app.window.connection_bar.connect_button.click()
    qtbot.waitUntil(lambda: len(server.handshakes) >= handshakes, timeout=10000)
    qtbot.waitUntil(lambda: app.controller.connection_state is ConnectionState.LIVE)


def test_the_dialect_from_the_window_reaches_the_handshake(
    qtbot: QtBot, app: ParleyApp, server: ScriptedServer
) -> None:
    form = panel(app).connection
    choose(form, "backend", "custom")
    type_in(form, "url", server.base_url)
    choose(form, "dialect", "beta")
    assert app.window is not None and app.window.connection_bar.url_edit.text() == server.base_url
    connect(qtbot, app, server)
    assert server.handshakes[0].headers.get("OpenAI-Beta") == "realtime=v1"

    choose(form, "dialect", "ga")  # while live: the session moves to the new dialect
    connect(qtbot, app, server, handshakes=2)
    assert server.handshakes[1].headers.get("OpenAI-Beta") is None
    assert app.settings.connection.dialect == "ga"


def test_azure_endpoint_deployment_and_entra_token_from_the_window(
    qtbot: QtBot, app: ParleyApp, server: ScriptedServer, memory_keyring: KeyringBackend
) -> None:
    form = panel(app).connection
    choose(form, "backend", "azure")
    type_in(form, "azure_endpoint", f"http://127.0.0.1:{server.port}")
    type_in(form, "model", "my-deployment")
    choose(form, "azure_auth", "entra")
    assert panel(app).key_button.text().replace("&", "") == "Entra ID token…"
    dialog = enter_secret(qtbot, panel(app), panel(app).key_button, TOKEN)
    assert dialog.message() == "Saved in the system keyring."
    connect(qtbot, app, server)
    first = server.handshakes[0]
    assert first.path == "/openai/v1/realtime?model=my-deployment"
    assert first.headers.get("Authorization") == f"Bearer {TOKEN}"
    assert first.headers.get("api-key") is None

    choose(form, "azure_auth", "key")  # while live: reconnects, then wants the key
    qtbot.waitUntil(lambda: app.controller.connection_state is ConnectionState.FAILED)
    assert "No Azure OpenAI API key" in app.controller.connection_reason
    enter_secret(qtbot, panel(app), panel(app).key_button, AZURE_KEY)
    connect(qtbot, app, server, handshakes=2)
    assert server.handshakes[1].headers.get("api-key") == AZURE_KEY
    assert server.handshakes[1].headers.get("Authorization") is None


def test_reply_length_and_text_only_go_live_without_a_new_session(
    qtbot: QtBot, app: ParleyApp, server: ScriptedServer
) -> None:
    form = panel(app).connection
    choose(form, "backend", "custom")
    type_in(form, "url", server.base_url)
    connect(qtbot, app, server)
    received = Received(server)
    received.wait(of_type("session.update"))
    replies = panel(app).response
    unlimited = replies.editor("max_output_tokens").findChild(QCheckBox)
    spin = replies.editor("max_output_tokens").findChild(QSpinBox)
    assert isinstance(unlimited, QCheckBox) and isinstance(spin, QSpinBox)
    unlimited.click()
    spin.setValue(200)
    choose(replies, "output_modality", "text")
    update = received.wait(
        lambda e: (
            e.get("type") == "session.update"
            and e["session"].get("output_modalities") == ["text"]
            and e["session"].get("max_output_tokens") == 200
        )
    )
    assert update["session"]["tool_choice"] == "auto"
    assert len(server.handshakes) == 1
    assert app.settings.response.max_output_tokens == 200


def test_a_dialect_refusal_names_where_the_dialect_is_set(
    qtbot: QtBot, app: ParleyApp, server: ScriptedServer
) -> None:
    form = panel(app).connection
    choose(form, "backend", "custom")
    type_in(form, "url", server.base_url)
    choose(form, "dialect", "beta")
    connect(qtbot, app, server)
    server.close_client(4000, "beta_api_shape_disabled")
    qtbot.waitUntil(lambda: app.controller.connection_state is ConnectionState.FAILED)
    assert "choose GA in Connection → Dialect" in app.controller.connection_reason


def test_every_place_a_message_names_is_in_the_window(app: ParleyApp) -> None:
    assert app.window is not None
    panels = app.window.panels
    tabs = [panels.tabText(i).replace("&", "") for i in range(panels.count())]
    assert CONNECTION_TAB in tabs
    forms = {"connection": panel(app).connection, "response": panel(app).response,
             "engine": panel(app).engine}  # fmt: skip
    for key, label in LABELS.items():
        group, _, name = key.partition(".")
        assert forms[group].label_text(name) == label, key
    assert panel(app).engine_box.title() == OFFLINE_ENGINE_BOX
    # What the offline engine says when it cannot answer points there too.
    assert f"the {CONNECTION_TAB} tab, under {OFFLINE_ENGINE_BOX}" == LANGUAGE_MODEL_PLACE
    assert LANGUAGE_MODEL_PLACE in FALLBACK
