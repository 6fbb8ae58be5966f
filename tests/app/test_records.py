"""Usage accounting, the transcript record and its exports, the conversation
recorder, and the session configuration built from settings."""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path

import numpy as np

from desktop.config.settings import PriceTable, Settings
from desktop.connection.session_builder import build_session, without_voice
from desktop.conversation.export import write_transcript
from desktop.conversation.recorder import RATE, ConversationRecorder
from desktop.conversation.tools import enabled_tool_schemas
from desktop.conversation.transcript import Transcript
from desktop.conversation.usage import TokenCounts, UsageLedger, cost
from desktop.realtime.session_config import translate_session

GA_USAGE = {
    "total_tokens": 400,
    "input_tokens": 300,
    "output_tokens": 100,
    "input_token_details": {
        "text_tokens": 100,
        "audio_tokens": 200,
        "cached_tokens": 60,
        "cached_tokens_details": {"text_tokens": 40, "audio_tokens": 20},
    },
    "output_token_details": {"text_tokens": 30, "audio_tokens": 70},
}


def test_usage_splits_cached_tokens_and_prices_them() -> None:
    counts = TokenCounts.from_usage(GA_USAGE)
    assert counts.as_dict() == {
        "text_input": 60,
        "text_cached_input": 40,
        "audio_input": 180,
        "audio_cached_input": 20,
        "text_output": 30,
        "audio_output": 70,
    }
    assert counts.total == 400
    ledger = UsageLedger.empty()
    ledger.add(counts)
    ledger.add(TokenCounts.from_usage({"input_tokens": 5, "output_tokens": 7}))
    assert ledger.turns == 2
    assert ledger.last_turn.text_input == 5
    assert ledger.session.total == 412


def test_usage_cost_uses_the_editable_price_table() -> None:
    counts = TokenCounts(text_input=1_000_000, audio_output=500_000)
    assert cost(counts, PriceTable()) == 4.0 + 32.0
    assert cost(counts, PriceTable(text_input=2.0, audio_output=10.0)) == 2.0 + 5.0


def test_transcript_exports_markdown_and_json(tmp_path: Path) -> None:
    transcript = Transcript()
    transcript.finish("u1", "user", "what is 6 times 7")
    transcript.update(
        "c1", "tool", tool_name="calculate", tool_arguments='{"e":"6*7"}', tool_result="42"
    )
    transcript.append_text("a1", "assistant", "It is ")
    transcript.append_text("a1", "assistant", "42.")
    transcript.finish("a1", "assistant", None, "interrupted")
    transcript.finish("u2", "user", "no speech recognised", "failed")
    markdown = write_transcript(transcript.entries(), tmp_path / "t.md", "markdown").read_text()
    assert "**You**" in markdown and "what is 6 times 7" in markdown
    assert "`calculate`" in markdown and "> It is 42. (interrupted)\n" in markdown
    assert "transcription failed: no speech recognised" in markdown
    exported = write_transcript(transcript.entries(), tmp_path / "t.json", "json").read_text()
    data = json.loads(exported)["entries"]
    assert [e["role"] for e in data] == ["user", "tool", "assistant", "user"]
    assert data[1]["tool"]["result"] == "42" and "tool" not in data[0]


def test_recorder_places_both_sides_on_one_timeline(tmp_path: Path) -> None:
    recorder = ConversationRecorder()
    start = time.monotonic()
    mic = np.full(2400, 1000, dtype="<i2").tobytes()  # 100 ms
    out = np.full(4800, -2000, dtype="<i2").tobytes()  # 200 ms
    recorder.add_input(mic, at=start + 0.2)
    recorder.add_output(out, at=start + 0.5)
    recorder.add_output(out, at=start + 0.5)  # queued behind the first
    recorder.cut_output(at=start + 0.8)  # barge-in: the rest was never heard
    path = recorder.export_wav(tmp_path / "conversation.wav")
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == RATE
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    left, right = frames[:, 0], frames[:, 1]
    assert np.count_nonzero(left == 1000) == 2400
    assert np.flatnonzero(left)[0] in range(int(0.09 * RATE), int(0.12 * RATE))
    heard = np.flatnonzero(right)
    assert heard[0] in range(int(0.49 * RATE), int(0.52 * RATE))
    assert heard[-1] < int(0.81 * RATE), "audio cut by the barge-in is not in the recording"
    mono = recorder.export_wav(tmp_path / "mono.wav", stereo=False)
    with wave.open(str(mono)) as wav:
        assert wav.getnchannels() == 1


def test_recorder_is_bounded() -> None:
    recorder = ConversationRecorder(max_seconds=0.05)
    recorder.add_input(bytes(48000))
    assert recorder.full and recorder.duration_s == 0


def test_session_config_follows_settings_in_both_dialects() -> None:
    settings = Settings.build(environment=False)
    settings.voice.voice = "cedar"
    settings.turn_detection.mode = "semantic_vad"
    settings.audio.noise_reduction = "far_field"
    session = build_session(settings, enabled_tool_schemas(settings.tools))
    ga = translate_session(session, "ga")
    assert ga["audio"]["output"]["voice"] == "cedar"
    assert ga["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    assert ga["audio"]["input"]["noise_reduction"] == {"type": "far_field"}
    assert [t["name"] for t in ga["tools"]] == ["get_local_time", "calculate", "set_timer"]
    settings.ui.talk_mode = "ptt"
    settings.voice.voice = "alloy"
    beta = translate_session(build_session(settings, []), "beta")
    assert beta["turn_detection"] is None
    assert beta["voice"] == "alloy"
    assert beta["input_audio_format"] == "pcm16"
    assert "voice" not in without_voice(session)["audio"]["output"]
