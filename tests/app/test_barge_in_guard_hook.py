"""The worker consults the echo guard before a hands-free barge-in."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.audio.port import NullAudio
from desktop.barge_in.playback_tracker import PlaybackTracker
from desktop.config.settings import Settings
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.receiver import ConnectionWorker, ConnectPlan, StreamingMode
from desktop.realtime import RealtimeClient
from tests.support.conversation import MakeController


class PlayingOutput(NullAudio):
    """The worker's view of an output device that is 400 ms into a reply."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = 0

    def interrupt(self) -> tuple[str | None, int]:
        self.interrupted += 1
        return "item_1", 400


def make_worker(verdict: bool | None) -> tuple[ConnectionWorker, PlayingOutput]:
    output = PlayingOutput()
    tracker = PlaybackTracker()
    tracker.response_started("resp_1")
    assert tracker.accept_delta("resp_1", "item_1", 48 * 1000)  # one second received
    plan = ConnectPlan(
        client=RealtimeClient(base_url="ws://127.0.0.1:9/v1"),
        model="m",
        session={},
        streaming=StreamingMode(
            handsfree=True,
            muted=False,
            interrupt_response=verdict is None,
            barge_in_check=None if verdict is None else (lambda: verdict),
        ),
    )
    worker = ConnectionWorker(plan, output, tracker, InspectorFeed(), None)
    return worker, output


def test_echo_judged_speech_keeps_the_assistant_talking(qtbot: QtBot) -> None:
    worker, output = make_worker(verdict=False)
    with qtbot.assertNotEmitted(worker.barged_in), qtbot.waitSignal(worker.barge_in_ignored):
        worker._on_speech_started()
    assert output.interrupted == 0


def test_the_user_clearly_louder_still_interrupts(qtbot: QtBot) -> None:
    worker, output = make_worker(verdict=True)
    with (
        qtbot.waitSignal(worker.barged_in) as blocker,
        qtbot.assertNotEmitted(worker.barge_in_ignored),
    ):
        worker._on_speech_started()
    assert output.interrupted == 1
    truncation = blocker.args[0].truncation
    assert truncation.item_id == "item_1" and truncation.audio_end_ms == 400


def test_without_the_guard_every_barge_in_goes_through(qtbot: QtBot) -> None:
    worker, output = make_worker(verdict=None)
    with qtbot.waitSignal(worker.barged_in):
        worker._on_speech_started()
    assert output.interrupted == 1


def test_the_controller_arms_the_guard_only_when_asked(make_controller: MakeController) -> None:
    from audio_engine import AudioEngine

    settings = Settings.build(environment=False)
    settings.audio.echo_cancellation = "off"
    engine = AudioEngine()  # not started: nothing plays, levels are silence
    controller = make_controller(settings, audio=engine)
    echo, turns = controller.echo, controller.turns
    assert echo.barge_in_check() is None and echo.server_interrupts()
    assert controller.update_setting("audio", "ignore_echo_barge_in", True)
    check = echo.barge_in_check()
    assert check is not None and not echo.server_interrupts()
    assert check() is True  # nothing is playing, so any speech is the user's
    assert turns.answers_voice_turns()  # the server no longer answers by itself
    assert controller.update_setting("audio", "headset_mode", True)
    assert echo.barge_in_check() is None
    assert not turns.answers_voice_turns()


def test_an_echo_turn_is_taken_back_and_never_reaches_the_conversation(qtbot: QtBot) -> None:
    import json
    import threading

    from websockets.sync.server import ServerConnection, serve

    from desktop.realtime import (
        InputAudioBufferCommittedEvent,
        InputAudioBufferSpeechStartedEvent,
        ResponseDoneEvent,
    )

    received: list[dict[str, object]] = []
    deleted = threading.Event()

    def handler(connection: ServerConnection) -> None:
        script = [
            {"type": "session.created", "session": {"id": "sess_1"}},
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": 100, "item_id": "e1"},
            {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900, "item_id": "e1"},
            {"type": "input_audio_buffer.committed", "item_id": "e1"},
            {"type": "response.done", "response": {"id": "r0", "status": "completed"}},
        ]
        for frame in script:
            connection.send(json.dumps(frame))
        for message in connection:
            event = json.loads(message)
            received.append(event)
            if event.get("type") == "conversation.item.delete":
                deleted.set()

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        plan = ConnectPlan(
            client=RealtimeClient(base_url=f"ws://127.0.0.1:{server.socket.getsockname()[1]}/v1"),
            model="m",
            session={"type": "realtime"},
            streaming=StreamingMode(
                handsfree=True,
                muted=True,
                interrupt_response=False,
                barge_in_check=lambda: False,  # the guard hears only the assistant's echo
            ),
        )
        worker = ConnectionWorker(plan, PlayingOutput(), PlaybackTracker(), InspectorFeed(), None)
        events: list[object] = []
        worker.server_event.connect(events.append)
        worker.start()
        try:
            qtbot.waitUntil(lambda: any(isinstance(e, ResponseDoneEvent) for e in events))
            assert deleted.wait(5)
        finally:
            worker.stop_session()
            worker.wait(5000)
            server.shutdown()
            thread.join(timeout=5)
    assert {"type": "conversation.item.delete", "item_id": "e1"}.items() <= next(
        e for e in received if e.get("type") == "conversation.item.delete"
    ).items()
    assert not any(
        isinstance(e, InputAudioBufferSpeechStartedEvent | InputAudioBufferCommittedEvent)
        for e in events
    )
