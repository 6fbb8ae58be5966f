"""What a misbehaving server, a slow handshake or an odd sequence of user
actions must not do: end the session, abort the app, or wedge the turn."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from websockets.sync.server import ServerConnection, serve

from desktop.barge_in.playback_tracker import PlaybackTracker
from desktop.config.settings import Settings
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.receiver import ConnectionWorker, ConnectPlan, StreamingMode
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.conversation.turn_machine import TurnState
from desktop.realtime import ProtocolErrorEvent, RealtimeClient, ResponseDoneEvent
from tests.support.conversation import MakeController


def _frames() -> list[dict[str, object]]:
    good = base64.b64encode(b"\x00\x00" * 240).decode()
    ids = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}
    return [
        {"type": "session.created", "session": {"id": "sess_1"}},
        {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
        {"type": "response.output_audio.delta", **ids, "delta": "abc"},  # broken base64
        {"type": "response.output_audio.delta", **ids, "delta": good},
        {"type": "response.done", "response": {"id": "resp_1", "status": "completed"}},
    ]


@pytest.fixture
def scripted_server() -> Iterator[str]:
    def handler(connection: ServerConnection) -> None:
        for frame in _frames():
            connection.send(json.dumps(frame))
        for _ in connection:  # keep the session open until the client leaves
            pass

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/v1"
        server.shutdown()
        thread.join(timeout=5)


def test_an_undecodable_audio_delta_is_dropped_and_the_session_goes_on(
    qtbot: QtBot, scripted_server: str
) -> None:
    plan = ConnectPlan(
        client=RealtimeClient(base_url=scripted_server),
        model="m",
        session={"type": "realtime"},
        streaming=StreamingMode(handsfree=False, muted=True, interrupt_response=True),
    )
    worker = ConnectionWorker(plan, None, PlaybackTracker(), InspectorFeed(), None)
    events: list[object] = []
    worker.server_event.connect(events.append)
    ended: list[object] = []
    worker.finished_with.connect(ended.append)
    worker.start()
    try:
        qtbot.waitUntil(
            lambda: any(isinstance(e, ResponseDoneEvent) for e in events), timeout=10000
        )
        assert any(isinstance(e, ProtocolErrorEvent) and "audio" in e.detail for e in events)
        assert not ended  # still connected
    finally:
        worker.stop_session()
        worker.wait(5000)
    assert not worker.isRunning()


def test_quitting_during_a_handshake_that_never_answers_is_prompt(
    qtbot: QtBot, make_controller: MakeController
) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never upgrades
    port = silent.getsockname()[1]
    settings = Settings.build(
        environment=False, connection={"backend": "custom", "url": f"ws://127.0.0.1:{port}/v1"}
    )
    controller = make_controller(settings)
    try:
        controller.connect_backend()
        qtbot.waitUntil(lambda: controller.session.worker is not None, timeout=5000)
        time.sleep(0.3)  # the handshake is now hanging
        worker = controller.session.worker
        assert worker is not None
        started = time.monotonic()
        controller.shutdown()
        assert time.monotonic() - started < 2.0
        assert not worker.isRunning()
    finally:
        silent.close()


def test_releasing_push_to_talk_after_muting_returns_to_idle(
    qtbot: QtBot, controller: ConversationController
) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.LIVE, timeout=15000)
    controller.ptt_press()
    controller.set_muted(True)
    controller.ptt_release()
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=5000)
