"""Fixtures for the app tests: a controller on the real offline engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.backends import OfflineEngineHost
from desktop.controller import ConversationController
from desktop.secrets import KeyStore
from desktop.settings import Settings
from desktop.state import ConnectionState, TurnState


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and logs go to the test's own directory, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def wait_live(qtbot: QtBot, controller: ConversationController) -> None:
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.LIVE, timeout=15000)


def wait_reply(qtbot: QtBot, controller: ConversationController, count: int = 1) -> None:
    """Until ``count`` assistant replies exist, the newest finished, and the turn is over."""

    def done() -> bool:
        replies = [e for e in controller.transcript.entries() if e.role == "assistant"]
        return len(replies) >= count and replies[-1].status == "done"

    qtbot.waitUntil(done, timeout=15000)
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=10000)


def offline_settings(**groups: dict[str, object]) -> Settings:
    settings = Settings.build(environment=False, **groups)
    settings.connection.backend = "offline"
    return settings


@pytest.fixture
def settings() -> Settings:
    return offline_settings(ui={"talk_mode": "ptt"})


@pytest.fixture
def offline_host() -> Iterator[OfflineEngineHost]:
    host = OfflineEngineHost(speech=False)
    yield host
    host.stop()


@pytest.fixture
def controller(
    qtbot: object, settings: Settings, offline_host: OfflineEngineHost
) -> Iterator[ConversationController]:
    ctrl = ConversationController(settings, KeyStore(settings), offline_host)
    yield ctrl
    ctrl.shutdown()
