"""The controller's parts on their own: the reconnect policy, the response gate,
the one barge-in path, the tool registry and the conversation record."""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
from pytestqt.qtbot import QtBot

from desktop.audio.port import NullAudio
from desktop.barge_in.interrupt import Interrupter
from desktop.barge_in.playback_tracker import PlaybackTracker
from desktop.config.settings import ToolSettings
from desktop.connection.reconnect import RETRY_DELAYS_S, GiveUp, ReconnectPolicy, Retry
from desktop.conversation.record import ConversationRecord
from desktop.conversation.recorder import RATE, ConversationRecorder
from desktop.conversation.response_gate import ResponseGate
from desktop.conversation.tools import Tool, ToolResult, builtin_tools
from desktop.realtime import AuthenticationError, ConnectError


def test_reconnect_retries_with_growing_pauses_then_gives_up() -> None:
    policy = ReconnectPolicy()
    refused = ConnectError("connection refused", url="ws://127.0.0.1:9/v1")
    steps = [policy.after(refused) for _ in RETRY_DELAYS_S]
    assert [step.delay_s for step in steps if isinstance(step, Retry)] == list(RETRY_DELAYS_S)
    last = policy.after(refused)
    assert isinstance(last, GiveUp) and "Gave up after 7 attempts" in last.reason
    policy.reset()  # a live session counts from the start again
    assert policy.after(None) == Retry(0.5, "Connection lost; retrying in 0.5 s")


def test_reconnect_gives_up_at_once_on_a_rejected_key() -> None:
    rejected = AuthenticationError(
        "The server rejected the key", url="wss://api.openai.com/v1", status=401, backend="openai"
    )
    step = ReconnectPolicy().after(rejected)
    assert isinstance(step, GiveUp) and "Check your API key" in step.reason


class RecordingWorker:
    """What the gate sends, instead of a socket."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_event(self, event: dict[str, Any]) -> None:
        self.sent.append(event)


def test_the_gate_holds_a_second_response_until_the_first_is_done() -> None:
    worker = RecordingWorker()
    gate = ResponseGate(lambda: worker)  # type: ignore[arg-type, return-value]
    gate.request()
    gate.request()  # one is pending: this one waits
    assert [e["type"] for e in worker.sent] == ["response.create"]
    gate.created("resp_1")
    assert gate.running and not gate.idle
    assert gate.finished([]) is True  # the waiting request goes out now
    assert [e["type"] for e in worker.sent] == ["response.create", "response.create"]
    gate.created("resp_2")
    assert gate.finished([]) is False and gate.idle


def test_the_gate_answers_tool_outputs_and_forgets_a_refused_request() -> None:
    worker = RecordingWorker()
    gate = ResponseGate(lambda: worker)  # type: ignore[arg-type, return-value]
    gate.request()
    gate.create_failed()
    assert gate.idle
    gate.request()
    gate.created("resp_1")
    output = {"type": "conversation.item.create", "item": {"type": "function_call_output"}}
    assert gate.finished([output]) is True
    assert [e["type"] for e in worker.sent][-2:] == ["conversation.item.create", "response.create"]
    gate.reset()
    assert gate.idle


class HeardOutput(NullAudio):
    """A device 400 ms into item_1."""

    def interrupt(self) -> tuple[str | None, int]:
        return "item_1", 400


def test_one_interruption_stops_cuts_truncates_and_cancels_once(tmp_path: Path) -> None:
    tracker = PlaybackTracker()
    tracker.response_started("resp_1")
    assert tracker.accept_delta("resp_1", "item_1", 48 * 1000)
    recorder = ConversationRecorder()
    queued = np.full(RATE * 2, 1000, dtype="<i2").tobytes()  # two seconds queued ahead
    recorder.add_output(queued)
    started = time.monotonic()
    sent: list[dict[str, Any]] = []
    result = Interrupter(tracker, HeardOutput(), recorder, sent.append).interrupt(True)
    assert result.truncation is not None and result.truncation.audio_end_ms == 400
    assert sent == [
        {
            "type": "conversation.item.truncate",
            "item_id": "item_1",
            "content_index": 0,
            "audio_end_ms": 400,
        },
        {"type": "response.cancel", "response_id": "resp_1"},
    ]
    cut_within_s = time.monotonic() - started
    with wave.open(str(recorder.export_wav(tmp_path / "cut.wav"))) as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    kept = np.count_nonzero(frames[:, 1]) / RATE
    assert kept <= cut_within_s + 0.05, "the audio queued beyond the interruption is cut"
    assert not tracker.accept_delta("resp_1", "item_1", 480), "late deltas are dropped"


def test_the_registry_offers_and_runs_a_tool_that_joins_it() -> None:
    registry = builtin_tools()
    echo = Tool(
        name="echo",
        schema={"type": "function", "name": "echo", "parameters": {"type": "object"}},
        run=lambda args: ToolResult({"said": args.get("text", "")}),
    )
    registry.add(echo)
    names = [schema["name"] for schema in registry.schemas(ToolSettings(calculator=False))]
    assert names == ["get_local_time", "set_timer", "echo"]
    assert registry.run("echo", '{"text": "hi"}', ToolSettings()).output == {"said": "hi"}
    registry.remove("echo")
    assert "error" in registry.run("echo", "{}", ToolSettings()).output


def test_the_record_announces_every_change_with_the_new_entry(qtbot: QtBot) -> None:
    record = ConversationRecord()
    seen: list[tuple[str, str, str]] = []
    record.entry_changed.connect(lambda entry: seen.append((entry.id, entry.text, entry.status)))
    record.append_text("a1", "assistant", "Hel")
    record.append_text("a1", "assistant", "lo")
    record.finish("a1", "assistant", None)
    assert seen == [
        ("a1", "Hel", "streaming"),
        ("a1", "Hello", "streaming"),
        ("a1", "Hello", "done"),
    ]
    before = record.transcript.get("a1")
    record.update("a1", "assistant", status="interrupted")
    assert before is not None and before.status == "done", "an entry never changes in place"
    cleared: list[bool] = []
    record.cleared.connect(lambda: cleared.append(True))
    record.clear()
    assert cleared == [True] and len(record.transcript) == 0 and record.usage.turns == 0
