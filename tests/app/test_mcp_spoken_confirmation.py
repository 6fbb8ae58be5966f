"""Asking by voice, answering by voice: the offline engine with speech recognition,
real PortAudio streams on the virtual sound card, and a real MCP server. The user
asks for something only the MCP server can do; the tool asks first; the user says
yes; the tool runs and the spoken reply uses its answer. The "yes" answers the
question only: it gets no reply of its own and leaves the model's conversation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from audio_engine import AudioEngine
from desktop.config.secrets import KeyStore
from desktop.connection.backends import OfflineEngineHost
from desktop.conversation.controller import ConversationController
from desktop.conversation.turn_machine import TurnState
from tests.support.app_audio import make_speech, play_into_microphone
from tests.support.conversation import Traffic, offline_settings, wait_live
from tests.support.mcp_servers import demo_settings

pytestmark = [pytest.mark.audio, pytest.mark.speech]


@pytest.fixture(scope="module")
def phrases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("phrases")
    return {
        "ask": make_speech(folder, "Look up the word banana.", "ask"),
        "yes": make_speech(folder, "Yes.", "yes"),
    }


@pytest.fixture
def controller(
    qtbot: QtBot, pulse_server: str, speech_host: OfflineEngineHost
) -> Iterator[ConversationController]:
    demo = demo_settings(tool_rules={"lookup_word": "ask"})
    settings = offline_settings(ui={"talk_mode": "handsfree"}, mcp={"servers": [demo]})
    made = ConversationController(settings, KeyStore(settings), speech_host)
    audio = AudioEngine(chunk_ms=20)
    audio.start()
    made.attach_audio(audio)
    audio.playback_drained.connect(made.on_playback_drained)
    yield made
    made.shutdown()
    audio.stop()


def holds_replies(update: dict[str, Any]) -> bool:
    detection = update["session"]["audio"]["input"]["turn_detection"] or {}
    return detection.get("create_response") is False


def test_a_spoken_yes_runs_the_tool_and_is_no_turn_of_its_own(
    qtbot: QtBot, controller: ConversationController, phrases: dict[str, Path]
) -> None:
    traffic = Traffic(controller)
    controller.connect_backend()
    wait_live(qtbot, controller)
    qtbot.waitUntil(lambda: "demo__lookup_word" in traffic.offered(), timeout=30000)

    play_into_microphone(phrases["ask"]).wait(timeout=10)
    entries = controller.transcript.entries
    qtbot.waitUntil(lambda: any(e.consent == "asking" for e in entries()), timeout=30000)
    # While the question is open the server may not answer a turn by itself.
    qtbot.waitUntil(lambda: holds_replies(traffic.sent("session.update")[-1]), timeout=5000)
    qtbot.waitUntil(lambda: controller.turn_state is TurnState.IDLE, timeout=10000)
    assert traffic.outputs() == []

    play_into_microphone(phrases["yes"]).wait(timeout=10)
    qtbot.waitUntil(lambda: bool(traffic.outputs()), timeout=30000)
    qtbot.waitUntil(
        lambda: any(
            e.role == "assistant" and e.status == "done" and "dictionary knows" in e.text
            for e in entries()
        ),
        timeout=30000,
    )
    (output,) = traffic.outputs()
    assert output.endswith(": a word the demo dictionary knows.")
    users = [e for e in entries() if e.role == "user"]
    assert [u.text.strip(" .").lower() for u in users][-1] == "yes"
    answer_id = users[-1].id
    deleted = [e.get("item_id") for e in traffic.sent("conversation.item.delete")]
    assert answer_id in deleted, "the answer left the model's conversation"
    # Two responses: the call, and the reply to its output; none for the "yes".
    qtbot.waitUntil(lambda: len(traffic.received("response.done")) >= 2, timeout=10000)
    qtbot.wait(500)
    assert len(traffic.received("response.created")) == 2
    tool = next(e for e in entries() if e.role == "tool")
    assert tool.consent == "allowed" and tool.status == "done"
    qtbot.waitUntil(lambda: not holds_replies(traffic.sent("session.update")[-1]), timeout=5000)
