"""The audio path: VAD in sample time, Whisper transcription, barge-in, no-speech mode."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from desktop.local_engine import LocalEngine
from desktop.local_engine.stt import INSTALL_HINT
from tests.support.engine_client import EngineClient, silence

VAD_EVENTS = (
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
)


def utterance(speech: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.concatenate((silence(800), speech, silence(1200)))


def enable_transcription(client: EngineClient) -> None:
    client.send(
        "session.update",
        session={"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}},
    )
    client.next_of("session.updated")


def vad_summary(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["type"], e.get("audio_start_ms"), e.get("audio_end_ms"))
        for e in events
        if e["type"] in VAD_EVENTS
    ]


@pytest.mark.speech
def test_spoken_question_is_transcribed_and_answered(
    speech_engine: LocalEngine, client: EngineClient, speech_pcm: Callable[[str], Any]
) -> None:
    enable_transcription(client)
    client.append_audio(utterance(speech_pcm("what time is it")), chunk_ms=100)
    events = client.collect_until("response.done", timeout=30)
    types = [e["type"] for e in events]

    assert types[:3] == list(VAD_EVENTS)
    started, stopped, committed = events[:3]
    assert started["item_id"] == stopped["item_id"] == committed["item_id"]
    assert 300 <= started["audio_start_ms"] <= 800
    assert stopped["audio_end_ms"] > started["audio_start_ms"] + 500
    completed = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )
    assert completed["item_id"] == committed["item_id"]
    delta = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.delta"
    )
    assert delta["delta"] == completed["transcript"]
    assert "time" in completed["transcript"].lower()
    answer = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert answer["transcript"].startswith("It's ")
    assert events[-1]["response"]["status"] == "completed"


@pytest.mark.speech
def test_faster_than_real_time_gives_the_same_vad_events(
    speech_engine: LocalEngine,
    connect_client: Callable[..., EngineClient],
    speech_pcm: Callable[[str], Any],
) -> None:
    audio = utterance(speech_pcm("what is the date today"))
    summaries = []
    for chunk_ms, pace in ((20, True), (20, False), (500, False)):
        client = connect_client()
        step = 24000 * chunk_ms // 1000
        started = time.monotonic()
        for index, begin in enumerate(range(0, len(audio), step)):
            client.append_audio(audio[begin : begin + step], chunk_ms=chunk_ms)
            if pace:  # real time: each append waits for its moment on the clock
                delay = started + (index + 1) * chunk_ms / 1000 - time.monotonic()
                time.sleep(max(0.0, delay))
        events = client.collect_until("response.done", timeout=30)
        summaries.append(vad_summary(events))
    assert summaries[0] == summaries[1] == summaries[2]
    assert [kind for kind, _, _ in summaries[0]] == list(VAD_EVENTS)


@pytest.mark.speech
def test_manual_turn_commit_then_response(
    speech_engine: LocalEngine, client: EngineClient, speech_pcm: Callable[[str], Any]
) -> None:
    client.send(
        "session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    )
    client.next_of("session.updated")
    client.append_audio(speech_pcm("what is five plus three"), chunk_ms=200)
    client.send("input_audio_buffer.commit")
    committed = client.next_of("input_audio_buffer.committed")
    client.send("response.create")
    events = client.collect_until("response.done", timeout=30)
    assert not any(e["type"] == "input_audio_buffer.speech_started" for e in events)
    answer = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert "8" in answer["transcript"]
    client.send("conversation.item.retrieve", item_id=committed["item_id"])
    user_item = client.next_of("conversation.item.retrieved")["item"]
    assert "five" in user_item["content"][0]["transcript"].lower() or "5" in answer["transcript"]


@pytest.mark.speech
def test_turn_detection_without_create_response_commits_only(
    speech_engine: LocalEngine, client: EngineClient, speech_pcm: Callable[[str], Any]
) -> None:
    client.send(
        "session.update",
        session={"type": "realtime", "audio": {"input": {"turn_detection": {
            "type": "server_vad", "create_response": False, "silence_duration_ms": 800,
            "prefix_padding_ms": 100}}}},
    )  # fmt: skip
    turn_detection = client.next_of("session.updated")["session"]["audio"]["input"]
    assert turn_detection["turn_detection"]["silence_duration_ms"] == 800
    client.append_audio(utterance(speech_pcm("what time is it")), chunk_ms=100)
    client.send("conversation.item.retrieve", item_id="marker")
    events = client.collect_until("error", timeout=30)
    assert [e["type"] for e in events if e["type"] in VAD_EVENTS] == list(VAD_EVENTS)
    assert events[0]["audio_start_ms"] >= 800 - 100 - 60  # 100 ms prefix, not the default 300
    client.say_typed("what is 2 plus 2")  # refused if an automatic response were under way
    later = client.collect_until("response.done", timeout=30)
    created = [e for e in events + later if e["type"] == "response.created"]
    assert len(created) == 1
    assert not any(e["type"] == "error" for e in later)
    assert later[-1]["response"]["output"][0]["content"][0]["transcript"] == "2 plus 2 is 4."


@pytest.mark.speech
def test_speech_during_a_response_interrupts_it(
    speech_engine: LocalEngine, client: EngineClient, speech_pcm: Callable[[str], Any]
) -> None:
    client.say_typed("count to two hundred")
    client.append_audio(utterance(speech_pcm("stop please")), chunk_ms=500)
    events = client.collect_until("response.done", timeout=30)
    assert events[-1]["response"]["status"] == "cancelled"
    assert events[-1]["response"]["status_details"]["reason"] == "turn_detected"
    assert any(e["type"] == "input_audio_buffer.speech_started" for e in events)


@pytest.mark.speech
def test_noise_at_stream_start_makes_no_turn(
    speech_engine: LocalEngine, client: EngineClient
) -> None:
    rng = np.random.default_rng(7)
    burst = (rng.standard_normal(24000 * 250 // 1000) * 3000).astype(np.int16)
    client.append_audio(np.concatenate((burst, silence(1500))), chunk_ms=100)
    client.send("conversation.item.retrieve", item_id="nothing", event_id="marker")
    events = client.collect_until("error")
    assert [e["type"] for e in events] == ["error"]


def test_without_speech_a_spoken_turn_fails_with_the_install_hint(
    speech_pcm: Callable[[str], Any], connect_client: Callable[..., EngineClient]
) -> None:
    with LocalEngine(port=0, speech=False) as engine:
        client = connect_client(url=f"{engine.url}/realtime")
        try:
            client.append_audio(utterance(speech_pcm("what time is it")), chunk_ms=200)
            events = client.collect_until(
                "conversation.item.input_audio_transcription.failed", timeout=20
            )
            failed = events[-1]
            assert INSTALL_HINT in failed["error"]["message"]
            assert failed["item_id"] == events[0]["item_id"]
            client.say_typed("what is 1 plus 1")
            later = client.collect_until("response.done")
            assert not any(e["type"] == "response.created" for e in events)
            assert later[-1]["response"]["status"] == "completed"
        finally:
            client.close()


@pytest.mark.speech
def test_client_created_audio_item_is_transcribed_and_answered(
    speech_engine: LocalEngine, client: EngineClient, speech_pcm: Callable[[str], Any]
) -> None:
    enable_transcription(client)
    clip = base64.b64encode(speech_pcm("what time is it").astype("<i2").tobytes()).decode()
    client.send(
        "conversation.item.create",
        item={
            "type": "message",
            "role": "user",
            "content": [{"type": "input_audio", "audio": clip}],
        },
    )
    added = client.next_of("conversation.item.added")
    assert "audio" not in added["item"]["content"][0]
    client.send("response.create")
    events = client.collect_until("response.done", timeout=30)
    completed = next(
        e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed"
    )
    assert completed["item_id"] == added["item"]["id"]
    assert "time" in completed["transcript"].lower()
    answer = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert answer["transcript"].startswith("It's ")
