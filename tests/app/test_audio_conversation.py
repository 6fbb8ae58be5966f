"""Spoken conversation end to end: the app, the offline engine (with speech
recognition) and real PortAudio streams on the PulseAudio virtual devices.

Speech is played into the virtual microphone; what the app plays is recorded
from the speaker's monitor and compared sample-exactly with what it received.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from audio_engine import AudioEngine
from desktop.config.secrets import KeyStore
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from desktop.conversation.turn_machine import TurnState
from tests.support.app_audio import (
    audible_blocks,
    heard_blocks,
    make_speech,
    matched_prefix,
    play_into_microphone,
)
from tests.support.conversation import offline_settings
from tests.support.sound_card import MonitorRecorder

pytestmark = [pytest.mark.audio, pytest.mark.speech]


@pytest.fixture(scope="module")
def phrases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("phrases")
    return {
        "hello": make_speech(folder, "Hello there, how are you today?", "hello"),
        "stop": make_speech(folder, "Stop, please stop talking now.", "stop"),
    }


class Session:
    """A connected controller with real audio, recording everything it sends."""

    def __init__(self, controller: ConversationController, audio: AudioEngine) -> None:
        self.controller = controller
        self.audio = audio
        self.events: list[tuple[str, dict[str, Any]]] = []
        controller.inspector_records.connect(self.events.extend)

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [e for d, e in self.events if d == "client" and e.get("type") == kind]

    def received_audio(self, item_id: str) -> np.ndarray:
        chunks = [
            base64.b64decode(e["delta"])
            for d, e in self.events
            if d == "server" and e.get("type") == "response.output_audio.delta"
            and e.get("item_id") == item_id
        ]  # fmt: skip
        return np.frombuffer(b"".join(chunks), dtype="<i2")

    def assistant_entries(self) -> list[Any]:
        return [e for e in self.controller.transcript.entries() if e.role == "assistant"]


@pytest.fixture
def session(
    qtbot: QtBot, pulse_server: str, speech_host: OfflineEngineHost, request: pytest.FixtureRequest
) -> Iterator[Session]:
    mode = getattr(request, "param", "handsfree")
    settings = offline_settings(ui={"talk_mode": mode})
    controller = ConversationController(settings, KeyStore(settings), speech_host)
    audio = AudioEngine(chunk_ms=20)
    audio.start()
    controller.attach_audio(audio)
    audio.playback_drained.connect(controller.on_playback_drained)
    result = Session(controller, audio)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_state is ConnectionState.LIVE, timeout=15000)
    yield result
    controller.shutdown()
    audio.stop()


def wait_spoken_reply(qtbot: QtBot, session: Session, timeout: int = 30000) -> Any:
    qtbot.waitUntil(
        lambda: any(e.status == "done" and e.text for e in session.assistant_entries()),
        timeout=timeout,
    )
    qtbot.waitUntil(lambda: session.controller.turn_state is TurnState.IDLE, timeout=20000)
    return session.assistant_entries()[-1]


def assert_heard_at_sink(session: Session, sink: np.ndarray, item_id: str) -> None:
    reference = session.received_audio(item_id)
    assert len(reference) > 24000 * 0.3
    found = heard_blocks(sink, reference)
    assert len(found) >= 0.9 * audible_blocks(reference), "the reply did not reach the speaker"


def test_hands_free_speech_gets_a_transcript_and_a_spoken_reply(
    qtbot: QtBot, session: Session, phrases: dict[str, Path]
) -> None:
    sink = MonitorRecorder.started()
    try:
        player = play_into_microphone(phrases["hello"])
        reply = wait_spoken_reply(qtbot, session)
        player.wait(timeout=10)
    finally:
        recorded = sink.stop()
    users = [e for e in session.controller.transcript.entries() if e.role == "user"]
    assert users and users[0].status == "done"
    assert "hello" in users[0].text.lower() or "how are you" in users[0].text.lower()
    assert reply.text
    assert_heard_at_sink(session, recorded, reply.id)
    assert not session.sent("input_audio_buffer.commit"), "server VAD commits hands-free turns"


@pytest.mark.parametrize("session", ["ptt"], indirect=True)
def test_push_to_talk_press_and_release(
    qtbot: QtBot, session: Session, phrases: dict[str, Path]
) -> None:
    controller = session.controller
    controller.ptt_press()
    player = play_into_microphone(phrases["hello"])
    player.wait(timeout=10)
    qtbot.wait(200)
    sink = MonitorRecorder.started()
    try:
        controller.ptt_release()
        reply = wait_spoken_reply(qtbot, session)
    finally:
        recorded = sink.stop()
    assert session.sent("input_audio_buffer.clear"), "pressing clears the server's buffer"
    assert len(session.sent("input_audio_buffer.commit")) == 1
    assert len(session.sent("response.create")) == 1
    users = [e for e in controller.transcript.entries() if e.role == "user"]
    assert users and users[0].text
    assert_heard_at_sink(session, recorded, reply.id)


def test_barge_in_stops_playback_and_truncates_at_what_was_heard(
    qtbot: QtBot, session: Session, phrases: dict[str, Path]
) -> None:
    controller = session.controller
    sink = MonitorRecorder.started()
    try:
        controller.send_text("count to forty")
        qtbot.waitUntil(lambda: controller.turn_state is TurnState.SPEAKING, timeout=15000)
        qtbot.wait(1500)  # let the assistant talk for a while
        player = play_into_microphone(phrases["stop"])
        qtbot.waitUntil(lambda: bool(session.sent("conversation.item.truncate")), timeout=10000)
        qtbot.wait(600)
        assert not session.audio.is_playing, "playback stopped at speech start"
        player.wait(timeout=10)
    finally:
        recorded = sink.stop()
    truncate = session.sent("conversation.item.truncate")[0]
    item_id = truncate["item_id"]
    reference = session.received_audio(item_id)
    found = heard_blocks(recorded, reference)
    assert found, "the reply reached the speaker before the interruption"
    last_ref, last_rec = found[-1]
    # The cut may fall in a pause; then anything from the last sound to the end
    # of the exactly matching run (the pause) is what was heard.
    low = (last_ref + 480) / 24
    high = (last_ref + matched_prefix(recorded, last_rec, reference[last_ref:])) / 24
    assert high < len(reference) / 24 - 100, "the reply was cut short"
    end_ms = truncate["audio_end_ms"]
    assert low - 40 <= end_ms <= high + 40, (end_ms, low, high)
    entry = controller.transcript.get(item_id)
    assert entry is not None and entry.status == "interrupted"
