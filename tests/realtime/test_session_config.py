"""Session and response configuration: flat and GA vocabularies, both dialects."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from desktop.realtime import SessionConfigError, translate_response, translate_session

FLAT = {
    "instructions": "Be concise.",
    "voice": "alloy",
    "input_audio_format": "pcm16",
    "output_audio_format": "g711_ulaw",
    "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
    "max_response_output_tokens": 200,
    "modalities": ["text", "audio"],
    "input_audio_transcription": {"model": "whisper-1"},
}


def test_flat_session_becomes_the_ga_nested_shape() -> None:
    assert translate_session(FLAT, "ga") == {
        "type": "realtime",
        "instructions": "Be concise.",
        "output_modalities": ["audio"],
        "max_output_tokens": 200,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "silence_duration_ms": 500,
                },
                "transcription": {"model": "whisper-1"},
            },
            "output": {"voice": "alloy", "format": {"type": "audio/pcmu"}},
        },
    }


def test_flat_session_stays_flat_in_beta() -> None:
    assert translate_session(FLAT, "beta") == {
        "instructions": "Be concise.",
        "voice": "alloy",
        "input_audio_format": "pcm16",
        "output_audio_format": "g711_ulaw",
        "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
        "max_response_output_tokens": 200,
        "modalities": ["text", "audio"],
        "input_audio_transcription": {"model": "whisper-1"},
    }


def test_ga_nested_session_passes_through_unchanged() -> None:
    nested = translate_session(FLAT, "ga")
    assert translate_session(nested, "ga") == nested
    assert translate_session(nested, "beta") == translate_session(FLAT, "beta")


def test_text_only_modalities_map_both_ways() -> None:
    assert translate_session({"modalities": ["text"]}, "ga") == {
        "type": "realtime",
        "output_modalities": ["text"],
    }
    assert translate_session({"output_modalities": ["audio"]}, "beta") == {
        "modalities": ["text", "audio"]
    }


def test_temperature_is_dropped_in_ga_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        wire = translate_session({"temperature": 0.8, "voice": "ash"}, "ga")
    assert "temperature" not in repr(wire)
    assert "temperature" in caplog.text
    assert translate_session({"temperature": 0.8}, "beta") == {"temperature": 0.8}


def test_ga_only_settings_are_translated_or_dropped_for_beta(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ga = {
        "audio": {
            "input": {
                "noise_reduction": {"type": "near_field", "strength": 0.3},
                "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000},
                "transcription": {"model": "gpt-4o-transcribe", "delay": "low"},
            },
            "output": {"voice": "marin", "speed": 1.2},
        },
        "truncation": "auto",
        "reasoning": {"effort": "low"},
    }
    with caplog.at_level(logging.WARNING):
        beta = translate_session(ga, "beta")
    assert beta == {
        "input_audio_noise_reduction": {"type": "near_field"},
        "turn_detection": {"type": "server_vad"},
        "input_audio_transcription": {"model": "gpt-4o-transcribe"},
        "speed": 1.2,
    }
    for dropped in ("strength", "idle_timeout_ms", "delay", "marin", "truncation", "reasoning"):
        assert dropped in caplog.text


def test_semantic_vad_eagerness_survives_both_dialects() -> None:
    turn = {"type": "semantic_vad", "eagerness": "low", "create_response": False}
    assert translate_session({"turn_detection": turn}, "beta") == {"turn_detection": turn}
    assert translate_session({"turn_detection": turn}, "ga")["audio"]["input"] == {
        "turn_detection": turn
    }


def test_null_values_clear_settings() -> None:
    ga = translate_session({"turn_detection": None, "input_audio_transcription": None}, "ga")
    assert ga["audio"]["input"] == {"turn_detection": None, "transcription": None}
    beta = translate_session(ga, "beta")
    assert beta == {"turn_detection": None, "input_audio_transcription": None}


@pytest.mark.parametrize(
    ("session", "message"),
    [
        ({"turn_detection": {"type": "server_vad", "threshold": 1.5}}, "threshold"),
        ({"turn_detection": {"type": "server_vad", "threshold": -0.1}}, "threshold"),
        ({"turn_detection": {"type": "push_to_talk"}}, "turn_detection.type"),
        ({"turn_detection": {"type": "semantic_vad", "eagerness": "eager"}}, "eagerness"),
        ({"turn_detection": {"type": "server_vad", "silence_duration_ms": -5}}, "silence"),
        ({"voice": "robot"}, "unknown voice"),
        ({"max_response_output_tokens": 0}, "max output tokens"),
        ({"max_output_tokens": 5000}, "max output tokens"),
        ({"max_output_tokens": "infinite"}, "max output tokens"),
        ({"max_output_tokens": True}, "max output tokens"),
        ({"input_audio_format": "mp3"}, "unknown audio format"),
        ({"audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}, "24000 Hz"),
        ({"speed": 3}, "speed"),
        ({"modalities": ["video"]}, "modalities"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"temperature": "hot"}, "temperature"),
        ({"colour": "blue"}, "unknown session field"),
        ({"voice": "alloy", "audio": {"output": {"voice": "ash"}}}, "conflicts"),
        ({"type": "conversation"}, "session.type"),
    ],
)
def test_invalid_values_raise_in_both_dialects(session: dict[str, Any], message: str) -> None:
    for dialect in ("ga", "beta"):
        with pytest.raises(SessionConfigError, match=message):
            translate_session(session, dialect)  # type: ignore[arg-type]


def test_temperature_range_is_the_beta_dialects() -> None:
    with pytest.raises(SessionConfigError, match=r"0\.6 to 1\.2"):
        translate_session({"temperature": 1.5}, "beta")
    assert "temperature" not in translate_session({"temperature": 1.5}, "ga")


def test_marin_is_a_ga_voice_only(caplog: pytest.LogCaptureFixture) -> None:
    assert translate_session({"voice": "cedar"}, "ga")["audio"]["output"]["voice"] == "cedar"
    with caplog.at_level(logging.WARNING):
        assert translate_session({"voice": "cedar"}, "beta") == {}
    assert "cedar" in caplog.text


def test_response_overrides_translate_per_dialect(caplog: pytest.LogCaptureFixture) -> None:
    flat = {
        "voice": "verse",
        "output_audio_format": "pcm16",
        "modalities": ["text"],
        "temperature": 0.9,
        "max_response_output_tokens": 50,
        "instructions": "Short.",
        "conversation": "none",
    }
    with caplog.at_level(logging.WARNING):
        ga = translate_response(flat, "ga")
    assert ga == {
        "instructions": "Short.",
        "conversation": "none",
        "output_modalities": ["text"],
        "max_output_tokens": 50,
        "audio": {"output": {"voice": "verse", "format": {"type": "audio/pcm", "rate": 24000}}},
    }
    assert "temperature" in caplog.text
    assert translate_response(ga, "beta") == {
        "instructions": "Short.",
        "conversation": "none",
        "modalities": ["text"],
        "max_response_output_tokens": 50,
        "voice": "verse",
        "output_audio_format": "pcm16",
    }
    with pytest.raises(SessionConfigError, match="unknown response field"):
        translate_response({"turn_detection": None}, "ga")


@pytest.mark.parametrize(
    "session",
    [
        "alloy",
        {"audio": "loud"},
        {"audio": {"input": [1]}},
        {"audio": {"output": {"volume": 11}}},
        {"audio": {"speakers": {}}},
        {"turn_detection": "server_vad"},
        {"input_audio_transcription": {"model": 5}},
        {"input_audio_noise_reduction": {"type": "everywhere"}},
        {"tools": "get_time"},
        {"instructions": 42},
    ],
)
def test_malformed_shapes_are_clear_errors(session: object) -> None:
    with pytest.raises(SessionConfigError):
        translate_session(session, "ga")  # type: ignore[arg-type]
