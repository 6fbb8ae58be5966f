"""Client events for the input audio buffer, and the turns that VAD finds in it.

Everything here runs in sample time: speech start and stop, speculative
transcription during the silence window, and the idle timeout all follow the
stream clock, so audio pushed faster than real time gets the same events.
"""

from __future__ import annotations

import asyncio

import numpy as np

from desktop.local_engine import vad
from desktop.local_engine.conversation import new_id
from desktop.local_engine.errors import ProtocolError, invalid_type, missing_parameter
from desktop.local_engine.input_audio import InputAudioBuffer
from desktop.local_engine.response_control import ResponseControl
from desktop.local_engine.session_state import ClientEvent, Handler, SessionState
from desktop.local_engine.transcription import InputTranscriber
from desktop.protocol import MIN_COMMIT_MS


class InputHandlers:
    def __init__(
        self, state: SessionState, audio: InputAudioBuffer, transcriber: InputTranscriber
    ) -> None:
        self._state = state
        self._input = audio
        self._transcriber = transcriber
        self._responses: ResponseControl | None = None
        self._speech_item_id: str | None = None
        self._speech_start_ms = 0
        self._speculation: tuple[int, asyncio.Future[str]] | None = None
        #: Stream time from which silence counts towards the idle timeout; None: not armed.
        self._idle_since_ms: int | None = None

    def attach(self, responses: ResponseControl) -> None:
        self._responses = responses

    def handlers(self) -> dict[str, Handler]:
        return {
            "input_audio_buffer.append": self._on_audio_append,
            "input_audio_buffer.commit": self._on_audio_commit,
            "input_audio_buffer.clear": self._on_audio_clear,
        }

    def on_response_finished(self, playback_end_ms: int) -> None:
        """The assistant stops speaking at ``playback_end_ms``: idle time counts from there."""
        if not self._input.in_speech:
            self._idle_since_ms = playback_end_ms

    @property
    def _control(self) -> ResponseControl:
        assert self._responses is not None, "attach() the response control first"
        return self._responses

    def _on_audio_append(self, event: ClientEvent) -> None:
        audio = event.get("audio")
        if audio is None:
            raise missing_parameter("audio")
        if not isinstance(audio, str):
            raise invalid_type("audio", "a base64 string")
        pcm = self._state.decode_audio(audio, "audio")
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        for vad_event in self._input.append(samples):
            self._on_vad_event(vad_event)
        self._check_idle_timeout()

    def _on_vad_event(self, event: vad.VadEvent) -> None:
        detection = self._state.config.turn_detection
        if detection is None:
            return
        if isinstance(event, vad.SpeechStarted):
            self._speech_item_id = new_id("item")
            self._speech_start_ms = event.audio_start_ms
            self._speculation = None
            self._idle_since_ms = None
            self._input.start_at(event.audio_start_ms)
            self._state.emit(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": event.audio_start_ms,
                    "item_id": self._speech_item_id,
                }
            )
            if detection.interrupt_response and self._control.active:
                self._control.cancel("turn_detected")
        elif isinstance(event, vad.SilenceProbe):
            if self._transcriber.available:
                samples = self._input.samples_between(self._speech_start_ms, event.segment_end_ms)
                self._speculation = (self._speech_start_ms, self._transcriber.start(samples))
        elif isinstance(event, vad.SpeechResumed):
            self._speculation = None
        elif isinstance(event, vad.SpeechStopped):
            item_id = self._speech_item_id or new_id("item")
            self._state.emit(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": event.audio_end_ms,
                    "item_id": item_id,
                }
            )
            speculation = self._speculation
            self._speculation = None
            reuse = (
                speculation[1] if speculation and speculation[0] == self._speech_start_ms else None
            )
            self._commit(item_id, reuse)
            self._speech_item_id = None
            self._idle_since_ms = event.audio_end_ms
            if detection.create_response and not self._control.active:
                self._control.start(None, auto=True)

    def _check_idle_timeout(self) -> None:
        detection = self._state.config.turn_detection
        since = self._idle_since_ms
        if (
            detection is None
            or detection.type != "server_vad"
            or detection.idle_timeout_ms is None
            or since is None
            or self._input.in_speech
            or self._control.active
        ):
            return
        now = self._input.clock_ms
        if now - since < detection.idle_timeout_ms:
            return
        self._idle_since_ms = None  # re-armed when the prompt it triggers has been spoken
        item_id = new_id("item")
        self._state.emit(
            {
                "type": "input_audio_buffer.timeout_triggered",
                "audio_start_ms": since,
                "audio_end_ms": now,
                "item_id": item_id,
            }
        )
        # As the hosted API does, the silent audio becomes a user item; there is no speech
        # in it, so it is not transcribed.
        self._commit(item_id, None, transcribe=False)
        if detection.create_response:
            self._control.start(None, auto=True, idle=True)

    def _on_audio_commit(self, event: ClientEvent) -> None:
        if self._input.duration_ms < MIN_COMMIT_MS:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                f"Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {self._input.duration_ms}ms "
                "of audio.",
            )
        self._commit(self._speech_item_id or new_id("item"), None)
        self._speech_item_id = None

    def _on_audio_clear(self, event: ClientEvent) -> None:
        self._input.clear()
        self._speculation = None
        self._speech_item_id = None
        self._state.emit({"type": "input_audio_buffer.cleared"})

    def _commit(
        self, item_id: str, transcription: asyncio.Future[str] | None, transcribe: bool = True
    ) -> None:
        state = self._state
        samples = self._input.take()
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None if transcribe else ""}],
        }
        previous = state.conversation.insert(item)
        state.conversation.audio[item_id] = samples.astype("<i2").tobytes()
        state.emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        state.emit_item_added(item, previous)
        if transcribe:
            self._transcriber.track(item, samples, transcription)
