"""Text to speech with eSpeak NG: libespeak-ng through ctypes, or the espeak-ng program.

libespeak-ng keeps global state (one callback, one voice), so every synthesizer in
the process shares one library backend and takes turns under a lock; several
engines in one process stay correct. Output is 24 kHz PCM16.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
import shutil
import subprocess
import threading
import wave
from typing import Any

import numpy as np

from desktop.local_engine.audio_formats import INTERNAL_RATE, Int16Array, resample

log = logging.getLogger(__name__)

#: Each Realtime voice gets its own eSpeak voice and variant so they sound distinct.
ESPEAK_VOICES = {
    "alloy": "en-us+f3",
    "ash": "en-us+m3",
    "ballad": "en-gb-x-rp+m2",
    "coral": "en-us+f2",
    "echo": "en-us+m1",
    "sage": "en-gb-x-rp+f4",
    "shimmer": "en-us+f5",
    "verse": "en-gb-scotland+m4",
    "marin": "en-us+f1",
    "cedar": "en-us+m7",
}
DEFAULT_ESPEAK_VOICE = "en-us"
BASE_WORDS_PER_MINUTE = 175
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_ESPEAK_CHARS_UTF8 = 1
_LIBRARY_LOCK = threading.RLock()
_shared_backend: _LibraryBackend | None = None
_shared_backend_loaded = False
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def espeak_voice_for(voice: str) -> str:
    return ESPEAK_VOICES.get(voice, DEFAULT_ESPEAK_VOICE)


class _LibraryBackend:
    def __init__(self, library: ctypes.CDLL, data_path: str | None) -> None:
        self._lib = library
        library.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
        ]  # fmt: skip
        library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        library.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        path = data_path.encode() if data_path else None
        self.sample_rate = int(library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, path, 0))
        if self.sample_rate <= 0:
            raise OSError("espeak_Initialize failed")
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._on_samples)  # kept alive with the backend
        library.espeak_SetSynthCallback(self._callback)

    def _on_samples(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def synthesize(self, text: str, espeak_voice: str, words_per_minute: int) -> Int16Array:
        with _LIBRARY_LOCK:  # one synthesis at a time per process: libespeak-ng is global
            if self._lib.espeak_SetVoiceByName(espeak_voice.encode()) != 0:
                self._lib.espeak_SetVoiceByName(DEFAULT_ESPEAK_VOICE.encode())
            self._lib.espeak_SetParameter(_ESPEAK_RATE, words_per_minute, 0)
            self._chunks = []
            encoded = text.encode("utf-8")
            self._lib.espeak_Synth(
                encoded, len(encoded) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            pcm = np.frombuffer(b"".join(self._chunks), dtype=np.int16)
        return resample(pcm, self.sample_rate, INTERNAL_RATE)


class _ProgramBackend:
    def __init__(self, program: str) -> None:
        self._program = program

    def synthesize(self, text: str, espeak_voice: str, words_per_minute: int) -> Int16Array:
        result = subprocess.run(
            [
                self._program,
                "--stdout",
                "-v",
                espeak_voice,
                "-s",
                str(words_per_minute),
                "--",
                text,
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
        with wave.open(io.BytesIO(result.stdout)) as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        return resample(pcm, rate, INTERNAL_RATE)


def _shared_library_backend() -> _LibraryBackend | None:
    """The process's one libespeak-ng backend (its callback and voice are global state)."""
    global _shared_backend, _shared_backend_loaded
    with _LIBRARY_LOCK:
        if not _shared_backend_loaded:
            _shared_backend_loaded = True
            _shared_backend = _load_library_backend()
        return _shared_backend


def _load_library_backend() -> _LibraryBackend | None:
    try:
        import espeakng_loader

        return _LibraryBackend(
            ctypes.CDLL(espeakng_loader.get_library_path()), espeakng_loader.get_data_path()
        )
    except (ImportError, OSError, AttributeError) as exc:
        log.info("bundled libespeak-ng unavailable: %s", exc)
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        return _LibraryBackend(ctypes.CDLL(name), None)
    except (OSError, AttributeError) as exc:
        log.info("system libespeak-ng unavailable: %s", exc)
    return None


class Synthesizer:
    """Speaks one sentence at a time."""

    def __init__(self, prefer_library: bool = True) -> None:
        self._prefer_library = prefer_library
        self._backend: _LibraryBackend | _ProgramBackend | None = None
        self._loaded = False

    def _ensure_backend(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._prefer_library:
            self._backend = _shared_library_backend()
        if self._backend is None and (program := shutil.which("espeak-ng")):
            self._backend = _ProgramBackend(program)
        if self._backend is None:
            log.warning("no eSpeak NG found; spoken replies will be silent")

    @property
    def backend_name(self) -> str:
        self._ensure_backend()
        return type(self._backend).__name__ if self._backend else "silence"

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Int16Array:
        self._ensure_backend()
        words_per_minute = max(80, min(450, round(BASE_WORDS_PER_MINUTE * speed)))
        if self._backend is None:
            # Keep the event flow intact: a pause roughly as long as the words.
            return np.zeros(INTERNAL_RATE * max(1, len(text.split())) // 3, dtype=np.int16)
        try:
            return self._backend.synthesize(text, espeak_voice_for(voice), words_per_minute)
        except (OSError, subprocess.SubprocessError, wave.Error) as exc:
            log.warning("speech synthesis failed: %s", exc)
            return np.zeros(INTERNAL_RATE // 2, dtype=np.int16)
