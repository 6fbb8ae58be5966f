"""The receiver thread: a QThread that owns one WebSocket session.

Its receive loop parses typed events. Output audio goes straight to the
audio engine from this thread (late deltas of a cancelled response are
dropped); a hands-free ``speech_started`` barges in from here too
(:mod:`desktop.barge_in.interrupt`), so it never waits for the GUI thread.
Everything else reaches the conversation as queued signals. The sender thread
(:mod:`desktop.connection.sender`) is started here once the session exists and
is the only code that writes to the socket. One receiver lives for one
session; :mod:`desktop.connection.lifecycle` starts a new one to reconnect.
"""

from __future__ import annotations

import binascii
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QThread, Signal

from desktop.audio.port import AudioPort
from desktop.barge_in.echo_turns import EchoTurns
from desktop.barge_in.interrupt import Interrupter
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
    InputAudioBufferSpeechStartedEvent,
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


@dataclass(frozen=True)
class StreamingMode:
    """How the microphone reaches the server, and who decides on a hands-free barge-in."""

    handsfree: bool
    muted: bool
    #: The session's interrupt_response: the server cancels a reply on speech_started.
    interrupt_response: bool
    #: Screens hands-free barge-ins (True lets one through); None lets all through.
    barge_in_check: Callable[[], bool] | None = None


@dataclass(frozen=True)
class ConnectPlan:
    """Everything needed to open one session."""

    client: RealtimeClient
    model: str | None
    session: dict[str, Any]
    streaming: StreamingMode
    bytes_per_ms: int = 48


class ConnectionWorker(QThread):
    """One realtime session on its own thread.

    Signals:
        session_ready(): ``session.created`` arrived and the configuration was sent.
        server_event(ServerEvent): a typed server event other than output audio.
        audio_started(str, str): first audio of a response (response_id, item_id).
        barged_in(BargeIn): a hands-free barge-in was handled here.
        barge_in_ignored(): a speech_started was judged to be the assistant's own echo.
        turn_committed(bool, int): push-to-talk release: committed?, milliseconds sent.
        event_rejected(str, str): a client event refused before sending (type, why).
        finished_with(object): the session ended; the exception, or None if closed locally.
    """

    session_ready = Signal()
    server_event = Signal(ServerEvent)
    audio_started = Signal(str, str)
    barged_in = Signal(BargeIn)
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
        self._streaming = plan.streaming
        self._interrupter = Interrupter(tracker, audio, recorder, self.send_event)
        self._echo_turns = EchoTurns(self.send_event)
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

    def set_streaming(self, mode: StreamingMode) -> None:
        self._streaming = mode
        self.submit(SetStreaming(mode.handsfree, mode.muted))

    def start_turn(self) -> None:
        self.submit(StartTurn())

    def commit_turn(self) -> None:
        self.submit(CommitTurn())

    def interrupt(self, cancel_response: bool) -> BargeIn:
        """Barge in now from the GUI thread (push-to-talk, a typed message, Esc)."""
        return self._interrupter.interrupt(cancel_response)

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
                if self._audio is not None:
                    self._audio.finish_item(event.item_id)
            elif (
                isinstance(event, InputAudioBufferSpeechStartedEvent) and self._streaming.handsfree
            ):
                if not self._on_speech_started():
                    self._echo_turns.opened()
                    continue  # the assistant's own echo: not a turn of the user's
            elif self._echo_turns.withholds(event):
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
        sender.submit(SetStreaming(self._plan.streaming.handsfree, self._plan.streaming.muted))
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
        mode = self._streaming
        if mode.barge_in_check is not None and not mode.barge_in_check():
            # The assistant's own voice from the speakers: keep playing. The
            # session's interrupt_response is off, so the server goes on too.
            self.barge_in_ignored.emit()
            return False
        result = self._interrupter.interrupt(cancel_response=not mode.interrupt_response)
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
