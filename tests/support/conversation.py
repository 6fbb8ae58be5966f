"""Driving a controller or a whole app through a conversation: offline settings,
the shapes of the factory fixtures, and the waits."""

from __future__ import annotations

from typing import Any, Protocol

from pytestqt.qtbot import QtBot

from desktop.app import ParleyApp
from desktop.audio.port import AudioPort
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.config.store import LoadedSettings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.conversation.turn_machine import TurnState


class MakeController(Protocol):
    """The ``make_controller`` fixture: a controller shut down after the test."""

    def __call__(
        self,
        settings: Settings,
        keys: KeyStore | None = None,
        host: OfflineEngineHost | None = None,
        audio: AudioPort | None = None,
    ) -> ConversationController: ...


class MakeApp(Protocol):
    """The ``make_app`` fixture: a whole app closed after the test."""

    def __call__(self, loaded: LoadedSettings | None = None, **options: Any) -> ParleyApp: ...


class MakeIdleApp(Protocol):
    """The ``make_idle_app`` fixture: ``make_app`` on the offline engine, not connected,
    in push-to-talk, with ``sections`` added to its settings."""

    def __call__(self, **sections: Any) -> ParleyApp: ...


def offline_settings(**groups: Any) -> Settings:
    """Settings from defaults and ``groups`` only (no environment), on the offline engine."""
    settings = Settings.build(environment=False, **groups)
    settings.connection.backend = "offline"
    return settings


def wait_live(qtbot: QtBot, controller: ConversationController) -> None:
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.LIVE, timeout=15000)


def wait_reply(qtbot: QtBot, controller: ConversationController, count: int = 1) -> None:
    """Until ``count`` assistant replies exist, the newest finished, and the turn is over."""

    def done() -> bool:
        replies = [e for e in controller.transcript.entries() if e.role == "assistant"]
        return len(replies) >= count and replies[-1].status == "done"

    qtbot.waitUntil(done, timeout=15000)
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=10000)


class Traffic:
    """Every event the controller's session sent and received (the inspector's feed)."""

    def __init__(self, controller: ConversationController) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []
        controller.inspector_records.connect(self.records.extend)

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [e for d, e in self.records if d == "client" and e.get("type") == kind]

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [e for d, e in self.records if d == "server" and e.get("type") == kind]

    def offered(self) -> set[str]:
        """The tools the last ``session.update`` offered."""
        updates = self.sent("session.update")
        tools = (updates[-1].get("session") or {}).get("tools") or [] if updates else []
        return {str(tool.get("name")) for tool in tools}

    def outputs(self) -> list[str]:
        """The function outputs sent, in order."""
        items = [e.get("item") or {} for e in self.sent("conversation.item.create")]
        return [str(i.get("output")) for i in items if i.get("type") == "function_call_output"]
