"""Transcription of committed user audio, reported as ``input_audio_transcription`` events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from desktop.local_engine.audio_formats import INTERNAL_RATE, Int16Array
from desktop.local_engine.stt import SpeechRecognizer, SpeechUnavailable

log = logging.getLogger(__name__)
Emit = Callable[[dict[str, Any]], None]


class InputTranscriber:
    """Runs Whisper on the STT worker and fills in user items' transcripts.

    A failure or an empty result is always reported (``…transcription.failed``) so
    the client learns why a spoken turn got no answer; successes are reported only
    when the session has input transcription enabled (``reports_enabled``).
    """

    def __init__(
        self,
        recognizer: SpeechRecognizer,
        executor: Executor,
        emit: Emit,
        reports_enabled: Callable[[], bool],
    ) -> None:
        self._recognizer = recognizer
        self._executor = executor
        self._emit = emit
        self._reports_enabled = reports_enabled
        self._pending: dict[str, asyncio.Task[str | None]] = {}

    @property
    def available(self) -> bool:
        return self._recognizer.ready

    def start(self, samples: Int16Array) -> asyncio.Future[str]:
        """Begins transcribing (also speculatively, before a commit)."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, self._recognizer.transcribe, samples)

    def track(
        self, item: dict[str, Any], samples: Int16Array, started: asyncio.Future[str] | None = None
    ) -> None:
        """Transcribes ``item``'s audio (reusing ``started`` if given) and reports the result."""
        future = started or self.start(samples)
        task = asyncio.ensure_future(self._finish(item, future, len(samples)))
        self._pending[item["id"]] = task

    async def wait(self, item_id: str) -> None:
        pending = self._pending.get(item_id)
        if pending is not None:
            await asyncio.shield(pending)

    def close(self) -> None:
        for task in self._pending.values():
            task.cancel()

    async def _finish(
        self, item: dict[str, Any], future: asyncio.Future[str], sample_count: int
    ) -> str | None:
        ids = {"item_id": item["id"], "content_index": 0}
        try:
            transcript = await future
        except SpeechUnavailable as exc:
            self._failed(ids, "speech_unavailable", str(exc))
            return None
        except Exception as exc:
            log.exception("transcription failed")
            self._failed(ids, "transcription_failed", f"Transcription failed: {exc}")
            return None
        if not transcript:
            self._failed(ids, "no_speech", "No speech was recognized in the audio.")
            return None
        item["content"][0]["transcript"] = transcript
        if self._reports_enabled():
            seconds = round(sample_count / INTERNAL_RATE, 3)
            self._emit(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    **ids,
                    "delta": transcript,
                }
            )
            self._emit(
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    **ids,
                    "transcript": transcript,
                    "usage": {"type": "duration", "seconds": seconds},
                }
            )
        return transcript

    def _failed(self, ids: dict[str, Any], code: str, message: str) -> None:
        error = {"type": "transcription_error", "code": code, "message": message, "param": None}
        self._emit(
            {"type": "conversation.item.input_audio_transcription.failed", **ids, "error": error}
        )
