"""Fixtures for the app tests: controllers and whole apps on the real offline engine.

The factories close what they made after the test, so a test never needs its
own try/finally around a controller or an app.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.audio.port import AudioPort
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.config.store import LoadedSettings, load_settings
from desktop.connection.backends import OfflineEngineHost
from desktop.conversation.controller import ConversationController
from tests.support.ci import unavailable
from tests.support.conversation import MakeApp, MakeController, MakeIdleApp, offline_settings
from tests.support.relay import DroppingRelay


@pytest.fixture
def settings() -> Settings:
    return offline_settings(ui={"talk_mode": "ptt"})


@pytest.fixture
def offline_host() -> Iterator[OfflineEngineHost]:
    host = OfflineEngineHost(speech=False)
    yield host
    host.stop()


@pytest.fixture(scope="module")
def speech_host() -> Iterator[OfflineEngineHost]:
    """The offline engine with speech recognition, shared by a module's tests (a
    failure in CI if it cannot load)."""
    host = OfflineEngineHost(speech=True)
    host.url()
    if not host.wait_speech_ready(timeout=60):
        reason = f"offline speech recognition unavailable: {host.speech_error}"
        host.stop()
        unavailable(reason)
    yield host
    host.stop()


@pytest.fixture
def make_controller(qtbot: QtBot, offline_host: OfflineEngineHost) -> Iterator[MakeController]:
    """``make_controller(settings, keys=None, host=None, audio=None)``: a controller on
    ``host`` (the test's offline engine by default), shut down after the test."""
    made: list[ConversationController] = []

    def make(
        settings: Settings,
        keys: KeyStore | None = None,
        host: OfflineEngineHost | None = None,
        audio: AudioPort | None = None,
    ) -> ConversationController:
        controller = ConversationController(
            settings, keys or KeyStore(settings), host or offline_host, audio=audio
        )
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


@pytest.fixture
def relayed_controller(
    make_controller: MakeController,
    offline_host: OfflineEngineHost,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[ConversationController, DroppingRelay]]:
    """A push-to-talk controller on the 'custom URL' backend, reaching the test's
    offline engine through a relay that can drop sockets and refuse connections."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    port = urlsplit(offline_host.url()).port
    assert port is not None
    relay = DroppingRelay(port)
    settings = offline_settings(ui={"talk_mode": "ptt"})
    settings.connection.backend = "custom"
    settings.connection.url = f"ws://127.0.0.1:{relay.port}/v1"
    keys = KeyStore(settings)
    keys.save("custom", offline_host.token)
    controller = make_controller(settings, keys)
    yield controller, relay
    controller.shutdown()
    relay.close()


@pytest.fixture
def controller(make_controller: MakeController, settings: Settings) -> ConversationController:
    return make_controller(settings)


@pytest.fixture
def make_app(qtbot: QtBot, isolated_home: Path) -> Iterator[MakeApp]:
    """``make_app(loaded=None, **options)``: a whole app without audio (unless asked),
    on the offline engine without speech by default; closed after the test."""
    apps: list[ParleyApp] = []

    def make(loaded: LoadedSettings | None = None, **options: Any) -> ParleyApp:
        if loaded is None:
            loaded = load_settings(
                isolated_home / "settings.toml", connection={"backend": "offline"}
            )
            options.setdefault("engine_options", {"speech": False})
        options.setdefault("with_audio", False)
        app = ParleyApp(loaded, **options)
        apps.append(app)
        if app.window is not None:
            qtbot.addWidget(app.window)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def make_idle_app(make_app: MakeApp, tmp_path: Path) -> MakeIdleApp:
    """``make_idle_app(**sections)``: a whole app on the offline engine without speech,
    not connected, in push-to-talk; ``sections`` add to its settings (``mcp=...``)."""

    def make(**sections: Any) -> ParleyApp:
        loaded = load_settings(
            tmp_path / "settings.toml",
            connection={"backend": "offline", "auto_connect": False},
            ui={"talk_mode": "ptt"},
            **sections,
        )
        return make_app(loaded, engine_options={"speech": False})

    return make
