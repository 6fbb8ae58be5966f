"""The sender thread: microphone chunks and queued client events to the socket.

It is the only code that sends on the connection, so commands and audio keep
their order: a push-to-talk press (clear, then stream) and release (drain
what the microphone still holds, then commit) happen exactly between the
right chunks.

The microphone runs only while the sender streams (hands-free and not muted,
or push-to-talk held): otherwise the sender gives it up and sleeps on its
command queue, so a connected push-to-talk session with nobody talking wakes
nothing. A press asks for the microphone again; its first block arrives
about 20 ms later and leaves at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.audio.port import AudioPort
from desktop.connection.inspector_feed import InspectorFeed
from desktop.conversation.recorder import ConversationRecorder
from desktop.protocol import MIN_COMMIT_MS
from desktop.realtime import RealtimeConnection, RealtimeError, SessionConfigError

log = logging.getLogger(__name__)

# Commands wake the capture wait, so this only bounds a streaming loop's period.
_IDLE_WAIT_S = 0.25
_CAPTURE_REASON = "sender"
_PCM_BYTES_PER_MS = 48


@dataclass(frozen=True)
class SendEvent:
    event: dict[str, Any]


@dataclass(frozen=True)
class StartTurn:
    """Push-to-talk press: forget buffered audio, clear the server's buffer, stream."""


@dataclass(frozen=True)
class CommitTurn:
    """Push-to-talk release: send what is captured, then commit if long enough."""


@dataclass(frozen=True)
class SetStreaming:
    """Hands-free (always stream) or manual turns; ``muted`` stops the microphone."""

    handsfree: bool
    muted: bool


Command = SendEvent | StartTurn | CommitTurn | SetStreaming
CommitCallback = Callable[[bool, int], None]
RejectCallback = Callable[[str, str], None]


class Sender(threading.Thread):
    """Drains the command queue and the capture ring until stopped."""

    def __init__(
        self,
        connection: RealtimeConnection,
        audio: AudioPort | None,
        feed: InspectorFeed,
        recorder: ConversationRecorder | None,
        on_commit: CommitCallback,
        encode: Callable[[bytes], bytes] | None = None,
        bytes_per_ms: int = _PCM_BYTES_PER_MS,
        on_rejected: RejectCallback | None = None,
    ) -> None:
        super().__init__(name="parley-sender", daemon=True)
        self._connection = connection
        self._audio = audio
        self._feed = feed
        self._recorder = recorder
        self._on_commit = on_commit
        self._on_rejected = on_rejected
        self._encode = encode
        self._bytes_per_ms = bytes_per_ms
        self._commands: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._stop_requested = threading.Event()
        self._handsfree = True
        self._muted = False
        self._ptt_active = False
        self._turn_bytes = 0
        self._capturing = False
        #: Monotonic time the newest chunk was handed to the socket (benchmarks).
        self.last_chunk_sent_at = 0.0

    def submit(self, command: Command) -> None:
        self._enqueue(command)

    def stop(self) -> None:
        self._stop_requested.set()
        self._enqueue(None)

    def _enqueue(self, command: Command | None) -> None:
        self._commands.put(command)
        if self._audio is not None:
            self._audio.wake_reader()  # handled now, not after the next chunk

    def run(self) -> None:
        try:
            while not self._stop_requested.is_set():
                self._drain_commands()
                if self._audio is None or not self._streaming():
                    self._capture(False)
                    self._wait_for_command(None)  # asleep until there is something to do
                    continue
                self._capture(True)
                chunk = self._audio.read_chunk(_IDLE_WAIT_S)
                if chunk:
                    self._handle_chunk(chunk)
        except RealtimeError as error:
            log.info("sender stopped: %s", error)
        except Exception:  # a crash here must not go unnoticed, nor kill the app
            log.exception("sender thread failed")
            self._connection.close(1011, "sender failed")
        finally:
            self._capture(False)

    def _capture(self, wanted: bool) -> None:
        if self._audio is not None and wanted != self._capturing:
            self._capturing = wanted
            self._audio.want_capture(_CAPTURE_REASON, wanted)

    def _wait_for_command(self, timeout: float | None) -> None:
        try:
            command = self._commands.get(timeout=timeout)
        except queue.Empty:
            return
        self._execute(command)

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._execute(command)

    def _execute(self, command: Command | None) -> None:
        if command is None:
            return
        if isinstance(command, SendEvent):
            self._send(command.event)
        elif isinstance(command, SetStreaming):
            self._handsfree, self._muted = command.handsfree, command.muted
            if command.handsfree:
                # A held push-to-talk key ends with the switch; muting while
                # holding only stops the audio, and the release still answers.
                self._ptt_active = False
        elif isinstance(command, StartTurn):
            self._discard_buffered_audio()
            self._send({"type": "input_audio_buffer.clear"})
            self._ptt_active = True
            self._turn_bytes = 0
        elif isinstance(command, CommitTurn):
            self._finish_turn()

    def _send(self, event: dict[str, Any]) -> None:
        try:
            wire = self._connection.send(event)
        except SessionConfigError as error:
            # Refused before reaching the socket: the session is unchanged and goes on.
            log.warning("not sent: %s: %s", event.get("type"), error)
            if self._on_rejected is not None:
                self._on_rejected(str(event.get("type", "")), str(error))
            return
        self._feed.add("client", wire)

    def _streaming(self) -> bool:
        return not self._muted and (self._handsfree or self._ptt_active)

    def _handle_chunk(self, chunk: bytes) -> None:
        if self._recorder is not None:
            self._recorder.add_input(chunk if self._streaming() else bytes(len(chunk)))
        if not self._streaming():
            return
        payload = self._encode(chunk) if self._encode else chunk
        wire = self._connection.input_audio_buffer.append(audio=payload)
        self.last_chunk_sent_at = time.monotonic()
        self._feed.add("client", wire)
        if self._ptt_active:
            self._turn_bytes += len(payload)

    def _discard_buffered_audio(self) -> None:
        if self._audio is None:
            return
        while self._audio.read_chunk(0.0):
            pass

    def _finish_turn(self) -> None:
        if not self._ptt_active:
            # Nothing is being recorded; the controller still waits for an answer.
            self._on_commit(False, 0)
            return
        if self._audio is not None:
            while chunk := self._audio.read_chunk(0.0):
                self._handle_chunk(chunk)
        self._ptt_active = False
        ms = self._turn_bytes // self._bytes_per_ms
        if ms < MIN_COMMIT_MS:
            self._send({"type": "input_audio_buffer.clear"})
            self._on_commit(False, ms)
            return
        self._send({"type": "input_audio_buffer.commit"})
        self._on_commit(True, ms)
