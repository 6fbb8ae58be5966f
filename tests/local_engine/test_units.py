"""The engine's pure parts: wire codecs, numbers and intents, the tool router, session config."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from desktop.local_engine.audio_formats import decode_input, encode_output, resample
from desktop.local_engine.errors import ProtocolError
from desktop.local_engine.intents import FALLBACK, builtin_reply, stated_name
from desktop.local_engine.session_config import SessionConfig, apply_update, looks_beta, to_wire
from desktop.local_engine.tools_router import route

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the reference codec, present up to Python 3.12

ALL_CODES = bytes(range(256))


def test_g711_wire_formats_use_the_reference_codec() -> None:
    tone = (8000 * np.sin(np.arange(2400) / 7)).astype(np.int16)
    narrow = resample(tone, 24000, 8000).tobytes()
    assert encode_output(tone, "g711_ulaw") == audioop.lin2ulaw(narrow, 2)
    assert encode_output(tone, "g711_alaw") == audioop.lin2alaw(narrow, 2)
    for wire_format, reference in (
        ("g711_ulaw", audioop.ulaw2lin),
        ("g711_alaw", audioop.alaw2lin),
    ):
        linear = np.frombuffer(reference(ALL_CODES, 2), dtype="<i2").astype(np.int16)
        expected = resample(linear, 8000, 24000)
        assert np.array_equal(decode_input(ALL_CODES, wire_format), expected)


def test_the_engine_imports_without_qt_or_portaudio() -> None:
    probe = (
        "import sys, desktop.local_engine.server; "
        "print([m for m in sys.modules if m.startswith(('PySide6', 'pyaudio', 'sounddevice'))])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


NOON = dt.datetime(2026, 11, 26, 15, 5)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("What time is it?", "It's 3:05 PM."),
        ("what's the date today", "Today is Thursday, November 26, 2026."),
        ("what is twenty five divided by four", "25 divided by 4 is 6.25."),
        ("what's 9 minus 12", "9 minus 12 is -3."),
        ("What is 12 times for?", "12 times 4 is 48."),
        ("what is 3 divided by zero", "3 divided by 0 has no answer: you can't divide by zero."),
        ("can you repeat that", "It's 3:05 PM."),
        ("tell me a joke", FALLBACK),
    ],
)
def test_builtin_intents(text: str, reply: str) -> None:
    assert builtin_reply(text, last_answer="It's 3:05 PM.", now=NOON) == reply


def test_the_name_the_user_gave_is_remembered() -> None:
    assert stated_name(["Hello, my name is ada.", "call me Bob please"]) == "Bob"
    assert stated_name(["my name is not Bob"]) is None
    assert stated_name(["what is my name?"]) is None
    assert builtin_reply("Hi, my name's Zoë", None) == "Nice to meet you, Zoë."
    assert builtin_reply("What's my name?", None, user_name="Ada") == "Your name is Ada."
    assert builtin_reply("who am I", None) == "You haven't told me your name yet."


def test_fallback_says_it_is_the_offline_engine() -> None:
    assert "offline engine" in FALLBACK and "time" in FALLBACK


TOOLS = (
    {"type": "function", "name": "get_weather", "description": "Weather forecast for a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                    "units": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                    "required": ["city"]}},
    {"type": "function", "name": "set_volume", "description": "Change the speaker volume",
     "parameters": {"type": "object", "properties": {"level": {"type": "number"},
                    "muted": {"type": "boolean"}}}},
    {"type": "function", "name": "create_note", "description": "Save a note",
     "parameters": {"type": "object", "properties": {"text": {"type": "string"}},
                    "required": ["text"]}},
)  # fmt: skip


@pytest.mark.parametrize(
    ("utterance", "name", "arguments"),
    [
        ("what's the weather in Paris in celsius", "get_weather",
         {"city": "Paris", "units": "celsius"}),
        ("weather forecast for Oslo", "get_weather", {"city": "Oslo"}),
        ("set the volume to seventy", "set_volume", {"level": 70}),
        ('create a note "buy milk"', "create_note", {"text": "buy milk"}),
        ("save a note called groceries", "create_note", {"text": "groceries"}),
    ],
)  # fmt: skip
def test_tool_router_picks_tool_and_fills_arguments(
    utterance: str, name: str, arguments: dict[str, object]
) -> None:
    call = route(utterance, TOOLS, "auto")
    assert call is not None
    assert (call.name, json.loads(call.arguments)) == (name, arguments)


def test_tool_router_leaves_unrelated_speech_alone() -> None:
    assert route("what time is it", TOOLS, "auto") is None
    assert route("what time is it", TOOLS, "none") is None
    forced = route("what time is it", TOOLS, {"type": "function", "name": "create_note"})
    assert forced is not None and forced.name == "create_note"


def test_session_update_is_all_or_nothing() -> None:
    config = SessionConfig()
    with pytest.raises(ProtocolError) as rejected:
        apply_update(
            config,
            {"type": "realtime", "instructions": "x", "audio": {"output": {"speed": 9}}},
            "ga",
            voice_locked=False,
        )
    assert rejected.value.param == "session.audio.output.speed"
    assert config.instructions == ""


def test_beta_and_ga_shapes_carry_the_same_config() -> None:
    beta_update = {"modalities": ["text"], "input_audio_format": "g711_alaw", "voice": "verse"}
    assert looks_beta(beta_update)
    config = apply_update(SessionConfig(), beta_update, "beta", voice_locked=False)
    ga = to_wire(config, "ga")
    assert ga["output_modalities"] == ["text"]
    assert ga["audio"]["input"]["format"] == {"type": "audio/pcma"}
    assert ga["audio"]["output"]["voice"] == "verse"
    beta = to_wire(config, "beta")
    assert (beta["modalities"], beta["input_audio_format"]) == (["text"], "g711_alaw")


def test_synthesizers_on_several_threads_each_get_their_own_audio() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from desktop.local_engine.tts import Synthesizer

    texts = ["One two three four five.", "Hi.", "A somewhat longer sentence to speak now."]
    alone = [len(Synthesizer().synthesize(text, "alloy")) for text in texts]
    synthesizers = [Synthesizer() for _ in texts]
    with ThreadPoolExecutor(3) as pool:
        for _ in range(5):
            lengths = list(
                pool.map(lambda s, t: len(s.synthesize(t, "alloy")), synthesizers, texts)
            )
            assert lengths == alone
    assert min(alone) > 0
