"""Server VAD's idle timeout, counted in sample time from the end of the assistant's audio."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.engine_client import EngineClient, silence

IDLE_MS = 2000
CHUNK_MS = 100


def enable_idle_timeout(client: EngineClient, idle_ms: int = IDLE_MS) -> None:
    detection = {"type": "server_vad", "idle_timeout_ms": idle_ms}
    client.send(
        "session.update",
        session={"type": "realtime", "audio": {"input": {"turn_detection": detection}}},
    )
    updated = client.next_of("session.updated")
    assert updated["session"]["audio"]["input"]["turn_detection"]["idle_timeout_ms"] == idle_ms


def response_audio_ms(events: list[dict[str, Any]]) -> int:
    return sum(
        len(base64.b64decode(e["delta"])) // 2 * 1000 // 24000
        for e in events
        if e["type"] == "response.output_audio.delta"
    )


def test_silence_after_the_answer_triggers_the_timeout_and_a_prompt(client: EngineClient) -> None:
    enable_idle_timeout(client)
    client.say_typed("hello")
    answer = client.collect_until("response.done")
    spoken_ms = response_audio_ms(answer)
    assert spoken_ms > 0

    # Far faster than real time: the timeout follows the stream clock, not the wall clock.
    client.append_audio(silence(spoken_ms + IDLE_MS + 1000), chunk_ms=CHUNK_MS)
    timeout = client.next_of("input_audio_buffer.timeout_triggered")
    assert timeout["audio_start_ms"] == spoken_ms
    assert IDLE_MS <= timeout["audio_end_ms"] - timeout["audio_start_ms"] < IDLE_MS + CHUNK_MS
    events = client.collect_until("response.done")
    committed = next(e for e in events if e["type"] == "input_audio_buffer.committed")
    assert committed["item_id"] == timeout["item_id"]
    transcript = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
    assert transcript["transcript"] == "Are you still there?"
    assert not any(e["type"].endswith("transcription.failed") for e in events)

    # It re-arms once the prompt has been spoken.
    prompt_ms = response_audio_ms(events)
    client.append_audio(silence(prompt_ms + IDLE_MS + 500), chunk_ms=CHUNK_MS)
    again = client.next_of("input_audio_buffer.timeout_triggered")
    assert again["audio_start_ms"] >= timeout["audio_end_ms"] + prompt_ms
    client.collect_until("response.done")


def test_shorter_silence_or_no_idle_timeout_triggers_nothing(client: EngineClient) -> None:
    enable_idle_timeout(client)
    client.say_typed("hello")
    spoken_ms = response_audio_ms(client.collect_until("response.done"))
    client.append_audio(silence(spoken_ms + IDLE_MS - 300), chunk_ms=CHUNK_MS)
    client.send("input_audio_buffer.clear")
    quiet = client.collect_until("input_audio_buffer.cleared")
    assert [e["type"] for e in quiet] == ["input_audio_buffer.cleared"]

    client.send(
        "session.update",
        session={
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad"}}},
        },
    )
    client.next_of("session.updated")
    client.append_audio(silence(IDLE_MS * 3), chunk_ms=CHUNK_MS)
    client.send("input_audio_buffer.clear")
    quiet = client.collect_until("input_audio_buffer.cleared")
    assert [e["type"] for e in quiet] == ["input_audio_buffer.cleared"]
