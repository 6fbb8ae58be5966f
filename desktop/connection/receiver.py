"""The connection worker: a QThread that owns one WebSocket session.

Its receive loop parses typed events. Output audio goes straight to the
audio engine from this thread (late deltas of a cancelled response are
dropped); a hands-free ``speech_started`` stops playback here too, so barge-in
never waits for the GUI thread. Everything else reaches the controller as
queued signals. One worker lives for one connection; the controller starts a
new one to reconnect.
"""

from __future__ import annotations

import binascii
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QThread, Signal

from desktop.barge_in.playback_tracker import BargeIn, PlaybackTracker
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.sender import (
    Command,
    CommitTurn,
    Sender,
    SendEvent,
    SetStreaming,
    StartTurn,
)
from desktop.conversation.recorder import ConversationRecorder
from desktop.realtime import (
    ConnectionClosed,
    InputAudioBufferCommittedEvent,
    InputAudioBufferSpeechStartedEvent,
    InputAudioBufferSpeechStoppedEvent,
    RealtimeClient,
    RealtimeConnection,
    RealtimeError,
    RecvTimeout,
    ResponseCreatedEvent,
    ResponseDoneEvent,
    ResponseOutputAudioDeltaEvent,
    ResponseOutputAudioDoneEvent,
    ServerEvent,
    SessionCreatedEvent,
)
from desktop.realtime.parsing import protocol_error

log = logging.getLogger(__name__)

_RECV_POLL_S = 0.25


class AudioPort(Protocol):
    """What the worker needs from the audio engine (all thread-safe)."""

    def read_chunk(self, timeout: float) -> bytes | None: ...

    def wake_reader(self) -> None: ...

    def play(self, item_id: str, pcm: bytes) -> object: ...

    def interrupt(self) -> tuple[str | None, int]: ...


@dataclass(frozen=True)
class ConnectPlan:
    """Everything needed to open one session."""

    client: RealtimeClient
    model: str | None
    session: dict[str, Any]
    handsfree: bool
    muted: bool
    interrupt_response: bool
    bytes_per_ms: int = 48
    #: Screens hands-free barge-ins (True lets one through); None lets all through.
    barge_in_check: Callable[[], bool] | None = None


class ConnectionWorker(QThread):
    """One realtime session on its own thread.

    Signals:
        session_ready(): ``session.created`` arrived and the configuration was sent.
        server_event(object): a typed server event other than output audio.
        audio_started(str, str): first audio of a response (response_id, item_id).
        barged_in(object): a hands-free barge-in was handled here (a ``BargeIn``).
        barge_in_ignored(): a speech_started was judged to be the assistant's own echo.
        turn_committed(bool, int): push-to-talk release: committed?, milliseconds sent.
        event_rejected(str, str): a client event refused before sending (type, why).
        finished_with(object): the session ended; the exception, or None if closed locally.
    """

    session_ready = Signal()
    server_event = Signal(object)
    audio_started = Signal(str, str)
    barged_in = Signal(object)
    barge_in_ignored = Signal()
    turn_committed = Signal(bool, int)
    event_rejected = Signal(str, str)
    finished_with = Signal(object)

    def __init__(
        self,
        plan: ConnectPlan,
        audio: AudioPort | None,
        tracker: PlaybackTracker,
        feed: InspectorFeed,
        recorder: ConversationRecorder | None,
        decode: Callable[[bytes], bytes] | None = None,
        encode: Callable[[bytes], bytes] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("parley-receiver")
        self._plan = plan
        self._audio = audio
        self._tracker = tracker
        self._feed = feed
        self._recorder = recorder
        self._decode = decode
        self._encode = encode
        self._connection: RealtimeConnection | None = None
        self._sender: Sender | None = None
        self._pending: list[Command] = []
        self._pending_lock = threading.Lock()
        self._stopping = False
        self._handsfree = plan.handsfree
        self._interrupt_response = plan.interrupt_response
        self._barge_in_check = plan.barge_in_check
        self._echo_turn_open = False
        self._echo_items: set[str] = set()
        self._audio_seen: set[str] = set()
        #: Monotonic time of the newest output delta handed to the sink (benchmarks).
        self.last_delta_played_at = 0.0

    # -- called from the GUI thread ------------------------------------------------------

    def submit(self, command: Command) -> None:
        """Queue a command for the sender (held until the session is up)."""
        with self._pending_lock:
            sender = self._sender
            if sender is None:
                self._pending.append(command)
                return
        sender.submit(command)

    def send_event(self, event: dict[str, Any]) -> None:
        self.submit(SendEvent(event))

    def set_streaming(
        self,
        handsfree: bool,
        muted: bool,
        interrupt_response: bool,
        barge_in_check: Callable[[], bool] | None = None,
    ) -> None:
        self._handsfree = handsfree
        self._interrupt_response = interrupt_response
        self._barge_in_check = barge_in_check
        self.submit(SetStreaming(handsfree, muted))

    def start_turn(self) -> None:
        self.submit(StartTurn())

    def commit_turn(self) -> None:
        self.submit(CommitTurn())

    def barge_in(self) -> BargeIn:
        """Stop playback now (any thread) and queue the truncate; returns what happened."""
        result = self._tracker.barge_in(self._audio.interrupt if self._audio else None)
        if self._recorder is not None and result.truncation is not None:
            self._recorder.cut_output()
        if result.truncation is not None:
            self.send_event(
                {
                    "type": "conversation.item.truncate",
                    "item_id": result.truncation.item_id,
                    "content_index": 0,
                    "audio_end_ms": result.truncation.audio_end_ms,
                }
            )
        return result

    def stop_session(self) -> None:
        """Close the socket; the thread ends and emits ``finished_with(None)``."""
        self._stopping = True
        connection = self._connection
        if connection is not None:
            connection.close()

    # -- the thread ----------------------------------------------------------------------

    def run(self) -> None:
        error: BaseException | None = None
        try:
            connection = self._open()
            if connection is not None:  # None: stopped during the handshake
                self._connection = connection
                if self._stopping:
                    connection.close()
                self._receive_loop(connection)
        except ConnectionClosed as closed:
            error = None if self._stopping else closed
        except RealtimeError as failure:
            error = failure
        except Exception as failure:  # never let the thread die silently
            log.exception("connection worker failed")
            error = failure
        finally:
            self._shutdown()
        self.finished_with.emit(error)

    def _open(self) -> RealtimeConnection | None:
        """Connect on a helper thread, so that a stop during a slow handshake (up to
        the open timeout) ends this thread at once; None when stopped first."""
        outcome: list[RealtimeConnection | BaseException] = []
        done = threading.Event()

        def attempt() -> None:
            try:
                opened = self._plan.client.connect(
                    model=self._plan.model, websocket_connection_options={"open_timeout": 10}
                ).enter()
            except BaseException as exc:  # handed to the worker thread below
                outcome.append(exc)
            else:
                outcome.append(opened)
                if self._stopping:  # nobody will take it any more
                    opened.close()
            finally:
                done.set()

        threading.Thread(target=attempt, name="parley-connect", daemon=True).start()
        while not done.wait(0.05):
            if self._stopping:
                return None
        if self._stopping:
            return None
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _receive_loop(self, connection: RealtimeConnection) -> None:
        while True:
            try:
                event = connection.recv(timeout=_RECV_POLL_S)
            except RecvTimeout:
                continue
            if isinstance(event, ResponseOutputAudioDeltaEvent):
                try:
                    self._on_audio_delta(event)
                except (ValueError, binascii.Error, BufferError) as exc:
                    # One undecodable or unplayable delta must not end the session.
                    log.warning("dropped an output audio delta of %s: %s", event.item_id, exc)
                    self.server_event.emit(protocol_error(f"dropped an output audio chunk: {exc}"))
                continue
            self._feed.add("server", _raw(event))
            if isinstance(event, SessionCreatedEvent) and self._sender is None:
                self._start_sender(connection)
            elif isinstance(event, ResponseCreatedEvent) and event.response.id:
                self._tracker.response_started(event.response.id)
            elif isinstance(event, ResponseDoneEvent) and event.response.id:
                self._tracker.response_finished(event.response.id)
            elif isinstance(event, ResponseOutputAudioDoneEvent):
                finish = getattr(self._audio, "finish_item", None)
                if finish is not None:
                    finish(event.item_id)
            elif isinstance(event, InputAudioBufferSpeechStartedEvent) and self._handsfree:
                if not self._on_speech_started():
                    self._echo_turn_open = True
                    continue  # the assistant's own echo: not a turn of the user's
            elif isinstance(event, InputAudioBufferSpeechStoppedEvent) and self._echo_turn_open:
                self._echo_turn_open = False
                self._echo_items.add(event.item_id)
                continue
            elif (
                isinstance(event, InputAudioBufferCommittedEvent)
                and event.item_id in self._echo_items
            ):
                # The server kept the echo as a user message: take it out again.
                self._echo_items.discard(event.item_id)
                self.send_event({"type": "conversation.item.delete", "item_id": event.item_id})
                continue
            self.server_event.emit(event)

    def _start_sender(self, connection: RealtimeConnection) -> None:
        wire = connection.send({"type": "session.update", "session": self._plan.session})
        self._feed.add("client", wire)
        sender = Sender(
            connection,
            self._audio,
            self._feed,
            self._recorder,
            self.turn_committed.emit,
            encode=self._encode,
            bytes_per_ms=self._plan.bytes_per_ms,
            on_rejected=self.event_rejected.emit,
        )
        sender.submit(SetStreaming(self._plan.handsfree, self._plan.muted))
        with self._pending_lock:
            for command in self._pending:
                sender.submit(command)
            self._pending.clear()
            self._sender = sender
        sender.start()
        self.session_ready.emit()

    def _on_audio_delta(self, event: ResponseOutputAudioDeltaEvent) -> None:
        payload = event.audio_bytes()
        pcm = self._decode(payload) if self._decode else payload
        accepted = self._tracker.accept_delta(event.response_id, event.item_id, len(pcm))
        if accepted and self._audio is not None:
            self._audio.play(event.item_id, pcm)
            self.last_delta_played_at = time.monotonic()
        self._feed.add(
            "server",
            {
                "type": event.type,
                "response_id": event.response_id,
                "item_id": event.item_id,
                "delta": event.delta,
            },
        )
        if not accepted:
            return
        if event.response_id not in self._audio_seen:
            self._audio_seen.add(event.response_id)
            self.audio_started.emit(event.response_id, event.item_id)
        if self._recorder is not None:
            self._recorder.add_output(pcm)

    def _on_speech_started(self) -> bool:
        """Barge in; False when the guard judged the speech to be the assistant's echo."""
        check = self._barge_in_check
        if check is not None and not check():
            # The assistant's own voice from the speakers: keep playing. The
            # session's interrupt_response is off, so the server goes on too.
            self.barge_in_ignored.emit()
            return False
        result = self.barge_in()
        if result.response_id is not None and not self._interrupt_response:
            self.send_event({"type": "response.cancel", "response_id": result.response_id})
        if result.response_id is not None or result.truncation is not None:
            self.barged_in.emit(result)
        return True

    def _shutdown(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.stop()
            sender.join(timeout=2.0)
        if self._connection is not None:
            self._connection.close()


def _raw(event: ServerEvent) -> dict[str, Any]:
    raw = getattr(event, "raw", None)
    if isinstance(raw, dict):
        return raw
    return event.model_dump(exclude_none=True)
