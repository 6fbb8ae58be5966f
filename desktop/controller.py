"""The conversation controller: the one owner of connection and turn state.

Lives on the GUI thread. It starts a :class:`ConnectionWorker` per session,
reacts to its queued signals, keeps the transcript, usage and tool calls, and
tells the widgets what to show through its own signals. It never blocks:
connecting, sending and playing all happen on other threads.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.backends import BackendUnavailable, OfflineEngineHost, resolve_target
from desktop.inspector_feed import InspectorFeed
from desktop.playback_tracker import BargeIn, PlaybackTracker
from desktop.realtime import (
    AuthenticationError,
    ConfigurationError,
    DialectMismatchError,
    RealtimeError,
    SessionConfigError,
)
from desktop.realtime.names import bytes_per_ms
from desktop.recorder import ConversationRecorder
from desktop.secrets import KeyStore
from desktop.server_events import ServerEventHandler
from desktop.session_builder import SESSION_GROUPS, build_session, without_voice
from desktop.settings import Settings
from desktop.state import ConnectionState, TurnState
from desktop.tool_calls import ToolCallTracker
from desktop.tools import enabled_tool_schemas
from desktop.turns import Entry, Transcript
from desktop.usage import UsageLedger
from desktop.worker import AudioPort, ConnectionWorker, ConnectPlan

log = logging.getLogger(__name__)

#: Renew a session this long after it started (the server ends it at 60 min).
RENEW_AFTER_S = 55 * 60
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
VOICE_LOCK_REASON = (
    "The voice is fixed once the assistant has spoken in a session. "
    "Start a new session to use another voice."
)


class ConversationController(QObject):
    """Owns the session, the state machines and the conversation record.

    Signals:
        connection_state_changed(object, str): a ConnectionState and the reason.
        turn_state_changed(object): a TurnState.
        entry_changed(object): a transcript Entry was added or updated.
        transcript_cleared(): the conversation was reset.
        status_message(str): a short message for the status bar.
        notification(str, str): title and text for a desktop notification.
        usage_changed(object): the UsageLedger after a response.
        voice_lock_changed(str): why the voice is locked; empty once it is free again.
        inspector_records(list): a batch of InspectorRecord for the inspector.
    """

    connection_state_changed = Signal(object, str)
    turn_state_changed = Signal(object)
    entry_changed = Signal(object)
    transcript_cleared = Signal()
    status_message = Signal(str)
    notification = Signal(str, str)
    usage_changed = Signal(object)
    voice_lock_changed = Signal(str)
    inspector_records = Signal(list)

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        offline: OfflineEngineHost,
        audio: AudioPort | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.keys = keys
        self.offline = offline
        self.audio = audio
        self.transcript = Transcript()
        self.usage = UsageLedger.empty()
        self.feed = InspectorFeed()
        self.recorder = ConversationRecorder()
        self.tracker = PlaybackTracker()
        self.tool_calls = ToolCallTracker()
        self.connection_state = ConnectionState.IDLE
        self.connection_reason = ""
        self.turn_state = TurnState.IDLE
        self.voice_locked = False
        self.muted = False
        self.renew_after_s: float = RENEW_AFTER_S
        self._worker: ConnectionWorker | None = None
        self._target_label = ""
        self._old_workers: list[ConnectionWorker] = []
        self._want_connected = False
        self._fatal_reason: str | None = None
        self._renewing = False
        self._attempt = 0
        self._session_started = 0.0
        self._active_response: str | None = None
        self._response_wanted = False
        self._ptt_down = False
        self._timers: list[QTimer] = []
        self._events = ServerEventHandler(self)
        self._retry_timer = QTimer(self, singleShot=True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._inspector_timer = QTimer(self, interval=150)
        self._inspector_timer.timeout.connect(self._on_inspector_timer_timeout)
        self._inspector_timer.start()
        self._renew_timer = QTimer(self, interval=1000)
        self._renew_timer.timeout.connect(self._on_renew_timer_timeout)
        self._renew_timer.start()
        self._speech_note_timer = QTimer(self, singleShot=True, interval=1500)
        self._speech_note_timer.timeout.connect(self._report_offline_speech)
        self._session_update_timer = QTimer(self, singleShot=True, interval=150)
        self._session_update_timer.timeout.connect(self._on_session_update_timer_timeout)

    # -- connection ----------------------------------------------------------------------

    @property
    def worker(self) -> ConnectionWorker | None:
        return self._worker

    def connect_backend(self) -> None:
        """Open a session with the configured backend (no-op when connected)."""
        self._want_connected = True
        self._fatal_reason = None
        self._attempt = 0
        if self._worker is None:
            self._start_worker(ConnectionState.CONNECTING)

    def disconnect_backend(self) -> None:
        self._want_connected = False
        self._retry_timer.stop()
        self._stop_worker()
        self._stop_playback()
        self._set_connection(ConnectionState.IDLE, "Disconnected")
        self._set_turn(TurnState.IDLE)

    def new_session(self) -> None:
        """A fresh server session (new voice allowed); the transcript stays."""
        self._stop_playback()
        if self._worker is None:
            self.connect_backend()
            return
        self._renewing = True
        self._stop_worker()

    def shutdown(self) -> None:
        """Stop every thread and timer this controller started (on quit)."""
        self._want_connected = False
        timers = (self._retry_timer, self._inspector_timer, self._renew_timer, *self._timers)
        for timer in (*timers, self._speech_note_timer, self._session_update_timer):
            timer.stop()
        self._stop_worker()
        for worker in self._old_workers:
            worker.wait(3000)
        self._old_workers.clear()

    def _start_worker(self, state: ConnectionState) -> None:
        self._set_connection(state, "Connecting…" if state is ConnectionState.CONNECTING else "")
        try:
            target = resolve_target(self.settings, self.keys, self.offline)
            session = self.session_config()
        except (BackendUnavailable, RealtimeError) as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # e.g. the offline engine could not bind a port
            log.exception("could not start the backend")
            self._fail(f"Could not start the backend: {exc}")
            return
        audio_format = self.settings.audio.format
        self.tracker.reset()
        self.tracker.set_bytes_per_ms(48)
        plan = ConnectPlan(
            client=target.client,
            model=target.model,
            session=session,
            handsfree=self.handsfree,
            muted=self.muted,
            interrupt_response=self.settings.turn_detection.interrupt_response,
            bytes_per_ms=bytes_per_ms(audio_format),
        )
        decode, encode = _codec_functions(audio_format)
        worker = ConnectionWorker(
            plan, self.audio, self.tracker, self.feed, self.recorder, decode, encode
        )
        worker.session_ready.connect(self._on_worker_session_ready)
        worker.server_event.connect(self._events.handle)
        worker.audio_started.connect(self._on_worker_audio_started)
        worker.barged_in.connect(self._on_worker_barged_in)
        worker.turn_committed.connect(self._on_worker_turn_committed)
        worker.event_rejected.connect(self._on_worker_event_rejected)
        worker.finished_with.connect(self._on_worker_finished_with)
        self._worker = worker
        self._target_label = target.label
        worker.start()

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        worker.stop_session()
        self._old_workers.append(worker)

    def _on_worker_session_ready(self) -> None:
        self._attempt = 0
        self._session_started = time.monotonic()
        self._active_response = None
        self._response_wanted = False
        self.set_voice_locked(False)
        self._set_connection(ConnectionState.LIVE, self._target_label)
        if self.settings.connection.backend == "offline":
            self._speech_note_timer.start()

    def _report_offline_speech(self) -> None:
        problem = self.offline.speech_error
        if problem:
            self.status_message.emit(f"Offline engine: typed conversation only. {problem}")

    def _on_worker_finished_with(self, error: object) -> None:
        worker = self.sender()
        if isinstance(worker, ConnectionWorker):
            worker.wait(2000)
            if worker in self._old_workers:
                self._old_workers.remove(worker)
            if worker is self._worker:
                self._worker = None
            elif self._worker is not None:
                return
        if self._renewing and self._want_connected:
            self._renewing = False
            self._start_worker(ConnectionState.CONNECTING)
            return
        self._active_response = None
        self._stop_playback()
        if not self._want_connected:
            return
        if self._fatal_reason is not None:
            self._fail(self._fatal_reason)
            return
        if isinstance(error, AuthenticationError):
            self._fail(f"{error} Check your API key ('API key…').")
        elif isinstance(error, DialectMismatchError):
            self._fail(f"{error}. This server needs the GA dialect; change it in the settings.")
        elif isinstance(error, ConfigurationError):
            self._fail(str(error))
        elif self._attempt >= len(RETRY_DELAYS_S):
            self._fail(f"Gave up after {self._attempt} attempts: {error}")
        else:
            delay = RETRY_DELAYS_S[self._attempt]
            self._attempt += 1
            self._set_connection(
                ConnectionState.RECONNECTING,
                f"{error or 'Connection lost'}; retrying in {delay:g} s",
            )
            self._retry_timer.start(int(delay * 1000))

    def _on_retry_timer_timeout(self) -> None:
        if self._want_connected and self._worker is None:
            self._start_worker(ConnectionState.RECONNECTING)

    def _on_renew_timer_timeout(self) -> None:
        if (
            self.connection_state is ConnectionState.LIVE
            and self.turn_state is TurnState.IDLE
            and self._active_response is None
            and time.monotonic() - self._session_started > self.renew_after_s
        ):
            self.status_message.emit("Renewing the session before the server's time limit")
            self.new_session()

    def fatal(self, reason: str) -> None:
        """A server error that retrying cannot fix: stop and say what to do."""
        self._fatal_reason = reason
        self._stop_worker()

    def _fail(self, reason: str) -> None:
        self._want_connected = False
        self._retry_timer.stop()
        self._set_connection(ConnectionState.FAILED, reason)
        self.notification.emit("Parley: connection failed", reason)

    def _set_connection(self, state: ConnectionState, reason: str) -> None:
        self.connection_state, self.connection_reason = state, reason
        self.connection_state_changed.emit(state, reason)

    # -- turns ---------------------------------------------------------------------------

    @property
    def handsfree(self) -> bool:
        return (
            self.settings.ui.talk_mode == "handsfree" and self.settings.turn_detection.mode != "off"
        )

    def set_turn(self, state: TurnState) -> None:
        self._set_turn(state)

    def _set_turn(self, state: TurnState) -> None:
        if state is not self.turn_state:
            self.turn_state = state
            self.turn_state_changed.emit(state)

    def send_text(self, text: str) -> bool:
        """A typed user message and a response request."""
        text = text.strip()
        if not text:
            return False
        if self._worker is None or self.connection_state is not ConnectionState.LIVE:
            self.status_message.emit("Not connected: connect first, then send your message.")
            return False
        if self.turn_state is TurnState.SPEAKING:
            self.interrupt()
        entry = self.transcript.finish(f"local_{uuid.uuid4().hex[:12]}", "user", text)
        self.entry_changed.emit(entry)
        self._worker.send_event(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": text}],
                },
            }
        )
        self.request_response()
        self._set_turn(TurnState.THINKING)
        return True

    def request_response(self) -> None:
        """``response.create`` now, or once the active response is done."""
        if self._worker is None:
            return
        if self._active_response is not None:
            self._response_wanted = True
            return
        self._response_wanted = False
        self._active_response = "pending"
        self._worker.send_event({"type": "response.create"})

    def _on_worker_event_rejected(self, kind: str, reason: str) -> None:
        self.status_message.emit(f"Not sent ({kind}): {reason}")
        if kind == "response.create":
            self.response_create_failed()

    def response_create_failed(self) -> None:
        """The server rejected our response.create: nothing is pending any more."""
        if self._active_response == "pending":
            self._active_response = None
        if self.turn_state is TurnState.THINKING:
            self._set_turn(TurnState.IDLE)

    def response_refused(self) -> None:
        """The server already had a response running: ask again when it is done."""
        self._response_wanted = True

    def ptt_press(self) -> None:
        """Push-to-talk pressed: interrupt the assistant, clear the buffer, stream."""
        if self._ptt_down or self._worker is None or self.handsfree:
            return
        self._ptt_down = True
        self.interrupt()
        self._worker.start_turn()
        self._set_turn(TurnState.LISTENING)

    def ptt_release(self) -> None:
        """Push-to-talk released: commit (if long enough) and ask for a reply."""
        if not self._ptt_down:
            return
        self._ptt_down = False
        if self._worker is None:
            self._set_turn(TurnState.IDLE)
            return
        self._worker.commit_turn()
        self._set_turn(TurnState.THINKING)

    def _on_worker_turn_committed(self, committed: bool, ms: int) -> None:
        if committed:
            self.request_response()
            return
        self.status_message.emit(f"Too short ({ms} ms): hold to talk for at least 0.1 s.")
        self._set_turn(TurnState.IDLE)

    def interrupt(self) -> None:
        """Stop the assistant now (local barge-in) and tell the server what was heard."""
        worker = self._worker
        if worker is None:
            return
        result = worker.barge_in()
        if result.response_id is not None and self._active_response not in (None, "pending"):
            worker.send_event({"type": "response.cancel", "response_id": result.response_id})
        self._after_barge_in(result)

    def _on_worker_barged_in(self, result: object) -> None:
        if isinstance(result, BargeIn):
            self._after_barge_in(result)

    def _after_barge_in(self, result: BargeIn) -> None:
        self.recorder.cut_output()
        if result.truncation is not None:
            entry = self.transcript.get(result.truncation.item_id)
            if entry is not None:
                entry.status = "interrupted"
                self.entry_changed.emit(entry)

    def _on_worker_audio_started(self, response_id: str, item_id: str) -> None:
        del response_id, item_id
        if not self.voice_locked:
            self.set_voice_locked(True)
        if self.turn_state is not TurnState.LISTENING:
            self._set_turn(TurnState.SPEAKING)

    def on_playback_drained(self, item_id: str) -> None:
        """The audio engine played the last sample of an item."""
        del item_id
        if self.turn_state is TurnState.SPEAKING and self._active_response is None:
            self._set_turn(TurnState.IDLE)

    def response_created(self, response_id: str) -> None:
        self._active_response = response_id

    def response_done(self) -> None:
        self._active_response = None
        outputs = self.tool_calls.take_outputs()
        if outputs and self._worker is not None:
            for event in outputs:
                self._worker.send_event(event)
            self.request_response()
            return
        if self._response_wanted:
            self.request_response()
            return
        playing = self.audio is not None and bool(getattr(self.audio, "is_playing", False))
        if self.turn_state in (TurnState.THINKING, TurnState.SPEAKING) and not playing:
            self._set_turn(TurnState.IDLE)

    def _stop_playback(self) -> None:
        if self.audio is not None:
            self.audio.interrupt()
        self.tracker.reset()

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._apply_streaming()
        self.status_message.emit("Microphone muted" if muted else "Microphone on")

    def _apply_streaming(self) -> None:
        if self._worker is not None:
            self._worker.set_streaming(
                self.handsfree, self.muted, self.settings.turn_detection.interrupt_response
            )

    # -- settings ------------------------------------------------------------------------

    def session_config(self) -> dict[str, Any]:
        return build_session(self.settings, enabled_tool_schemas(self.settings.tools))

    def update_setting(self, group: str, name: str, value: Any) -> bool:
        """Change one setting (validated); session settings go live. False if refused."""
        target = getattr(self.settings, group)
        if group == "voice" and name == "voice" and self.voice_locked and value != target.voice:
            self.status_message.emit(VOICE_LOCK_REASON)
            self.voice_lock_changed.emit(VOICE_LOCK_REASON)
            return False
        try:
            setattr(target, name, value)
        except ValueError as exc:
            self.status_message.emit(f"Invalid value for {group}.{name}: {exc}")
            return False
        self.settings_changed(group)
        return True

    def settings_changed(self, group: str) -> None:
        """Settings in ``group`` changed (by any means): push what affects the session."""
        if group in ("ui", "turn_detection"):
            self._apply_streaming()
        if group in SESSION_GROUPS or group == "ui":
            self._session_update_timer.start()

    def _on_session_update_timer_timeout(self) -> None:
        if self._worker is None or self.connection_state is not ConnectionState.LIVE:
            return
        session = self.session_config()
        if self.voice_locked:
            session = without_voice(session)
        try:
            self._worker.send_event({"type": "session.update", "session": session})
        except SessionConfigError as exc:
            self.status_message.emit(f"Settings not applied: {exc}")

    def set_voice_locked(self, locked: bool) -> None:
        self.voice_locked = locked
        self.voice_lock_changed.emit(VOICE_LOCK_REASON if locked else "")

    # -- conversation record -------------------------------------------------------------

    def emit_entry(self, entry: Entry) -> None:
        self.entry_changed.emit(entry)

    def add_usage(self, ledger_update: Any) -> None:
        self.usage.add(ledger_update)
        self.usage_changed.emit(self.usage)

    def start_timer(self, seconds: float, label: str) -> None:
        timer = QTimer(self, singleShot=True)
        timer.setInterval(int(seconds * 1000))
        timer.timeout.connect(lambda: self._on_tool_timer_timeout(timer, label))
        self._timers.append(timer)
        timer.start()

    def _on_tool_timer_timeout(self, timer: QTimer, label: str) -> None:
        if timer in self._timers:
            self._timers.remove(timer)
        self.notification.emit("Parley timer", f"{label}: time is up")
        entry = self.transcript.finish(f"notice_{uuid.uuid4().hex[:8]}", "notice", f"⏰ {label}")
        self.entry_changed.emit(entry)

    def reset_conversation(self) -> None:
        """Forget the transcript, usage and recording; start a fresh session."""
        self.transcript.clear()
        self.usage = UsageLedger.empty()
        self.recorder.clear()
        self.tool_calls.reset()
        self.transcript_cleared.emit()
        self.usage_changed.emit(self.usage)
        if self._worker is not None:
            self.new_session()

    def export_markdown(self, path: Path) -> Path:
        path.write_text(self.transcript.to_markdown(), encoding="utf-8")
        return path

    def export_json(self, path: Path) -> Path:
        path.write_text(self.transcript.to_json(), encoding="utf-8")
        return path

    def export_audio(self, path: Path, stereo: bool = True) -> Path:
        return self.recorder.export_wav(path, stereo=stereo)

    def _on_inspector_timer_timeout(self) -> None:
        records = self.feed.drain()
        if records:
            self.inspector_records.emit(records)


def _codec_functions(audio_format: str) -> tuple[Any, Any]:
    if audio_format == "pcm16":
        return None, None
    from audio_engine import SessionCodec

    codec = SessionCodec(audio_format)
    return codec.decode_playback, codec.encode_capture
