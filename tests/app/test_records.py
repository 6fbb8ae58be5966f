"""Usage accounting, the transcript record and its exports, the conversation
recorder, and the session configuration built from settings."""

from __future__ import annotations

import json
import time
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

from desktop.config.settings import PriceTable, Settings
from desktop.connection.session_builder import build_session, without_voice
from desktop.conversation.export import write_transcript
from desktop.conversation.recorder import RATE, ConversationRecorder, repair_wav_header
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


def test_usage_of_the_wrong_shape_counts_nothing_rather_than_raising() -> None:
    odd = {"input_tokens": 7, "input_token_details": "x", "output_token_details": [1]}
    assert TokenCounts.from_usage(odd).as_dict()["text_input"] == 7
    nested = {"input_token_details": {"text_tokens": 5, "cached_tokens_details": "none"}}
    assert TokenCounts.from_usage(nested).text_input == 5
    assert TokenCounts.from_usage("not an object").total == 0


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


def _tone(seconds: float, value: int) -> bytes:
    return np.full(int(seconds * RATE), value, dtype="<i2").tobytes()


def test_a_long_recording_has_no_limit_and_flat_memory(tmp_path: Path) -> None:
    recorder = ConversationRecorder(temp_dir=tmp_path)
    start = recorder.started_at
    minutes = 21  # past the old 20-minute limit
    tracemalloc.start()
    try:
        for second in range(minutes * 60):
            recorder.add_input(_tone(1.0, 100 + second % 7), at=start + second + 1.0)
            if second % 10 < 4:  # the assistant speaks four seconds in every ten
                recorder.add_output(_tone(1.0, -300), at=start + second)
            if second % 10 == 9:
                recorder.flush()  # ten times faster than real time, not a thousand
            if second == 60:
                after_a_minute, _ = tracemalloc.get_traced_memory()
        growth = tracemalloc.get_traced_memory()[0] - after_a_minute
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert growth < 200_000, f"memory grew by {growth} bytes over {minutes - 1} minutes"
    assert peak < 2_000_000
    assert not recorder.full
    assert recorder.duration_s == pytest.approx(minutes * 60, abs=0.05)
    assert recorder.size_bytes == 44 + minutes * 60 * RATE * 4
    assert recorder.path is None and not list(tmp_path.iterdir()), "an anonymous file"
    path = recorder.export_wav(tmp_path / "long.wav", stereo=False)
    with wave.open(str(path)) as wav:
        assert wav.getnframes() == minutes * 60 * RATE
        wav.setpos((minutes * 60 - 6) * RATE)  # second 1254: the assistant is silent
        last = np.frombuffer(wav.readframes(RATE), dtype="<i2")
    assert set(last.tolist()) == {100 + (minutes * 60 - 6) % 7}
    recorder.close()


def test_kept_audio_is_a_playable_wav_even_after_a_crash(tmp_path: Path) -> None:
    kept = tmp_path / "audio" / "conversation-1.wav"
    recorder = ConversationRecorder(kept)
    start = recorder.started_at
    recorder.add_input(_tone(8.0, 500), at=start + 8.0)
    recorder.add_output(_tone(2.0, -500), at=start + 1.0)
    recorder.flush()
    assert recorder.path == kept and kept.exists()
    assert kept.stat().st_size == recorder.size_bytes == 44 + 8 * RATE * 4
    # Like a crash: the file as it is on disk, before any orderly close.
    crashed = tmp_path / "crashed.wav"
    crashed.write_bytes(kept.read_bytes())
    with wave.open(str(crashed)) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() >= 5 * RATE, "header at most 5 s old"
    assert repair_wav_header(crashed) == pytest.approx(8.0)
    with wave.open(str(crashed)) as wav:
        assert wav.getnframes() == 8 * RATE
    recorder.restart()  # the next conversation records to a temporary file
    assert recorder.path is None and recorder.duration_s == 0
    with wave.open(str(kept)) as wav:  # the kept file was completed, and stays
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(frames) == 8 * RATE
    assert np.count_nonzero(frames[:, 0] == 500) == 8 * RATE
    assert np.count_nonzero(frames[:, 1] == -500) == 2 * RATE
    recorder.close()


def test_a_full_disk_stops_the_recording_and_keeps_what_it_has(small_disk: Path) -> None:
    recorder = ConversationRecorder(small_disk / "kept.wav")
    start = recorder.started_at
    for second in range(30):  # 30 s of stereo is 2.9 MB: more than the 1 MB disk
        recorder.add_input(_tone(1.0, 700), at=start + second + 1.0)
    recorder.flush()
    assert recorder.full and recorder.problem and "space" in recorder.problem.lower()
    recorder.add_input(_tone(1.0, 700), at=start + 31.0)  # refused quietly from now on
    exported = recorder.export_wav(small_disk.parent / "what-there-is.wav")
    with wave.open(str(exported)) as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    recorded = np.count_nonzero(frames[:, 0] == 700) / RATE
    assert 5.0 <= recorded <= 11.0, "what fitted on the disk is kept"
    recorder.close()


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
