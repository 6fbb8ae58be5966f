"""The protocol client and the offline engine validate session values alike.

The client refuses a bad value before it reaches the socket
(``SessionConfigError``); the engine answers it with the API's error event
(``ProtocolError``). Both take their names and limits from
``desktop.protocol``; this table proves they draw the same line. Each row is a
``session.update`` payload in the wire shape of its dialect. What the client
does beyond validation, by design, stays out of the table: it also accepts the
flat vocabulary in GA sessions and drops (with a warning) fields a dialect
cannot carry (tests/realtime/test_session_config.py covers that), and the
engine's own limits (function tools only) are capabilities, not validity.
"""

from __future__ import annotations

from typing import Any

import pytest

from desktop.local_engine.errors import ProtocolError
from desktop.local_engine.session_config import SessionConfig, apply_update
from desktop.realtime import SessionConfigError, translate_session


def ga(**fields: Any) -> dict[str, Any]:
    return {"type": "realtime", **fields}


def ga_in(**fields: Any) -> dict[str, Any]:
    return ga(audio={"input": fields})


def ga_out(**fields: Any) -> dict[str, Any]:
    return ga(audio={"output": fields})


def ga_turn(**fields: Any) -> dict[str, Any]:
    return ga_in(turn_detection=fields)


def beta_turn(**fields: Any) -> dict[str, Any]:
    return {"turn_detection": fields}


PCM = {"type": "audio/pcm", "rate": 24000}
ACCEPT, REFUSE = True, False

CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    # speed 0.25-1.5
    ("speed at the low end", "ga", ga_out(speed=0.25), ACCEPT),
    ("speed at the high end", "ga", ga_out(speed=1.5), ACCEPT),
    ("speed too slow", "ga", ga_out(speed=0.2), REFUSE),
    ("speed too fast", "ga", ga_out(speed=1.6), REFUSE),
    ("speed as text", "ga", ga_out(speed="fast"), REFUSE),
    ("speed as a boolean", "ga", ga_out(speed=True), REFUSE),
    ("beta speed too fast", "beta", {"speed": 2.0}, REFUSE),
    ("beta speed in range", "beta", {"speed": 0.5}, ACCEPT),
    # max output tokens 1-4096 or "inf"
    ("max tokens 1", "ga", ga(max_output_tokens=1), ACCEPT),
    ("max tokens 4096", "ga", ga(max_output_tokens=4096), ACCEPT),
    ("max tokens inf", "ga", ga(max_output_tokens="inf"), ACCEPT),
    ("max tokens 0", "ga", ga(max_output_tokens=0), REFUSE),
    ("max tokens 4097", "ga", ga(max_output_tokens=4097), REFUSE),
    ("max tokens as a float", "ga", ga(max_output_tokens=10.0), REFUSE),
    ("max tokens as a boolean", "ga", ga(max_output_tokens=True), REFUSE),
    ("beta max tokens 4097", "beta", {"max_response_output_tokens": 4097}, REFUSE),
    ("beta max tokens inf", "beta", {"max_response_output_tokens": "inf"}, ACCEPT),
    # temperature: beta only, 0.6-1.2
    ("beta temperature in range", "beta", {"temperature": 0.8}, ACCEPT),
    ("beta temperature too low", "beta", {"temperature": 0.5}, REFUSE),
    ("beta temperature too high", "beta", {"temperature": 1.3}, REFUSE),
    # voices
    ("a GA voice", "ga", ga_out(voice="marin"), ACCEPT),
    ("a custom voice", "ga", ga_out(voice={"id": "voice_123"}), ACCEPT),
    ("an unknown voice", "ga", ga_out(voice="robot"), REFUSE),
    ("a custom voice with extras", "ga", ga_out(voice={"id": "voice_1", "pitch": 2}), REFUSE),
    ("a beta voice", "beta", {"voice": "verse"}, ACCEPT),
    ("an unknown beta voice", "beta", {"voice": "robot"}, REFUSE),
    # audio formats
    ("PCM at 24 kHz", "ga", ga_in(format=PCM), ACCEPT),
    ("PCM without a rate", "ga", ga_in(format={"type": "audio/pcm"}), ACCEPT),
    ("PCM at 16 kHz", "ga", ga_in(format={"type": "audio/pcm", "rate": 16000}), REFUSE),
    ("PCM with an unknown option", "ga", ga_in(format={**PCM, "bits": 16}), REFUSE),
    ("G.711 mu-law", "ga", ga_out(format={"type": "audio/pcmu"}), ACCEPT),
    ("G.711 with a rate", "ga", ga_out(format={"type": "audio/pcmu", "rate": 8000}), REFUSE),
    ("an unknown format", "ga", ga_out(format={"type": "audio/mp3"}), REFUSE),
    ("a beta format", "beta", {"input_audio_format": "g711_alaw"}, ACCEPT),
    ("an unknown beta format", "beta", {"input_audio_format": "mp3"}, REFUSE),
    # turn detection: types, their fields and ranges
    (
        "server VAD, every field",
        "ga",
        ga_turn(
            type="server_vad",
            threshold=0.7,
            prefix_padding_ms=200,
            silence_duration_ms=400,
            create_response=False,
            interrupt_response=True,
            idle_timeout_ms=5000,
        ),
        ACCEPT,
    ),
    ("server VAD without a type", "ga", ga_turn(threshold=0.5), ACCEPT),
    ("threshold 0", "ga", ga_turn(type="server_vad", threshold=0.0), ACCEPT),
    ("threshold above 1", "ga", ga_turn(type="server_vad", threshold=1.1), REFUSE),
    ("threshold below 0", "ga", ga_turn(type="server_vad", threshold=-0.1), REFUSE),
    ("threshold as text", "ga", ga_turn(type="server_vad", threshold="high"), REFUSE),
    ("negative silence", "ga", ga_turn(type="server_vad", silence_duration_ms=-5), REFUSE),
    ("fractional padding", "ga", ga_turn(type="server_vad", prefix_padding_ms=2.5), REFUSE),
    ("null padding", "ga", ga_turn(type="server_vad", prefix_padding_ms=None), REFUSE),
    ("null idle timeout", "ga", ga_turn(type="server_vad", idle_timeout_ms=None), ACCEPT),
    ("create_response as text", "ga", ga_turn(type="server_vad", create_response="yes"), REFUSE),
    ("an unknown VAD type", "ga", ga_turn(type="push_to_talk"), REFUSE),
    ("an unknown VAD field", "ga", ga_turn(type="server_vad", loudness=3), REFUSE),
    (
        "semantic VAD",
        "ga",
        ga_turn(
            type="semantic_vad",
            eagerness="high",
            create_response=True,
            interrupt_response=False,
        ),
        ACCEPT,
    ),
    ("semantic VAD with a threshold", "ga", ga_turn(type="semantic_vad", threshold=0.5), REFUSE),
    (
        "semantic VAD with a silence",
        "ga",
        ga_turn(type="semantic_vad", silence_duration_ms=500),
        REFUSE,
    ),
    (
        "semantic VAD, unknown eagerness",
        "ga",
        ga_turn(type="semantic_vad", eagerness="eager"),
        REFUSE,
    ),
    ("server VAD with an eagerness", "ga", ga_turn(type="server_vad", eagerness="low"), REFUSE),
    ("turn detection off", "ga", ga_in(turn_detection=None), ACCEPT),
    ("turn detection as text", "ga", ga_in(turn_detection="server_vad"), REFUSE),
    ("beta server VAD", "beta", beta_turn(type="server_vad", threshold=0.4), ACCEPT),
    (
        "beta semantic VAD with a threshold",
        "beta",
        beta_turn(type="semantic_vad", threshold=0.4),
        REFUSE,
    ),
    ("beta threshold above 1", "beta", beta_turn(type="server_vad", threshold=2), REFUSE),
    # noise reduction and transcription
    ("near-field noise reduction", "ga", ga_in(noise_reduction={"type": "near_field"}), ACCEPT),
    (
        "noise reduction with a strength",
        "ga",
        ga_in(noise_reduction={"type": "far_field", "strength": 0.3}),
        ACCEPT,
    ),
    ("an unknown noise reduction", "ga", ga_in(noise_reduction={"type": "everywhere"}), REFUSE),
    (
        "a noise strength above 1",
        "ga",
        ga_in(noise_reduction={"type": "far_field", "strength": 2}),
        REFUSE,
    ),
    ("noise reduction off", "ga", ga_in(noise_reduction=None), ACCEPT),
    (
        "beta noise reduction",
        "beta",
        {"input_audio_noise_reduction": {"type": "far_field"}},
        ACCEPT,
    ),
    (
        "an unknown beta noise reduction",
        "beta",
        {"input_audio_noise_reduction": {"type": "loud"}},
        REFUSE,
    ),
    ("transcription", "ga", ga_in(transcription={"model": "whisper-1", "language": "en"}), ACCEPT),
    ("transcription off", "ga", ga_in(transcription=None), ACCEPT),
    ("a transcription model number", "ga", ga_in(transcription={"model": 5}), REFUSE),
    ("transcription as text", "ga", ga_in(transcription="whisper-1"), REFUSE),
    # modalities, instructions, tools
    ("audio output", "ga", ga(output_modalities=["audio"]), ACCEPT),
    ("text output", "ga", ga(output_modalities=["text"]), ACCEPT),
    ("no output modality", "ga", ga(output_modalities=[]), REFUSE),
    ("a video output", "ga", ga(output_modalities=["video"]), REFUSE),
    ("beta text and audio", "beta", {"modalities": ["text", "audio"]}, ACCEPT),
    ("beta video", "beta", {"modalities": ["video"]}, REFUSE),
    ("instructions", "ga", ga(instructions="Be brief."), ACCEPT),
    ("instructions as a number", "ga", ga(instructions=42), REFUSE),
    ("tool choice auto", "ga", ga(tool_choice="auto"), ACCEPT),
    ("tool choice of a function", "ga", ga(tool_choice={"type": "function", "name": "f"}), ACCEPT),
    ("an unknown tool choice", "ga", ga(tool_choice="sometimes"), REFUSE),
    (
        "a function tool",
        "ga",
        ga(tools=[{"type": "function", "name": "f", "parameters": {}}]),
        ACCEPT,
    ),
    ("tools as text", "ga", ga(tools="get_time"), REFUSE),
    ("an unknown session field", "ga", ga(colour="blue"), REFUSE),
    ("an unknown audio part", "ga", ga(audio={"speakers": {}}), REFUSE),
    ("an unknown output field", "ga", ga_out(volume=11), REFUSE),
    ("an unknown beta field", "beta", {"colour": "blue"}, REFUSE),
]


def client_accepts(session: dict[str, Any], dialect: str) -> bool:
    try:
        translate_session(session, dialect)  # type: ignore[arg-type]
    except SessionConfigError:
        return False
    return True


def engine_accepts(session: dict[str, Any], dialect: str) -> bool:
    try:
        apply_update(SessionConfig(), session, dialect, voice_locked=False)  # type: ignore[arg-type]
    except ProtocolError:
        return False
    return True


@pytest.mark.parametrize(
    ("dialect", "session", "valid"),
    [pytest.param(dialect, session, valid, id=name) for name, dialect, session, valid in CASES],
)
def test_client_and_engine_accept_and_refuse_the_same_sessions(
    dialect: str, session: dict[str, Any], valid: bool
) -> None:
    assert (client_accepts(session, dialect), engine_accepts(session, dialect)) == (valid, valid)


def test_the_protocol_module_imports_nothing_of_its_own() -> None:
    """Client, engine and settings all import it; it must pull none of them in."""
    import ast
    from pathlib import Path

    import desktop.protocol

    tree = ast.parse(Path(desktop.protocol.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "typing"}
