"""The session lifecycle: one receiver thread per server session, from connect to close.

:class:`SessionLifecycle` owns the connection state and everything about
sessions as such: opening one (the backend, the session configuration, the
threads), reconnecting when one drops (:mod:`desktop.connection.reconnect`),
renewing a session before the server's time limit, sending a live
``session.update`` when settings change, and the voice lock of the current
session. The rest of the conversation learns of sessions through its signals:
``worker_started`` (connect a new session's per-session signals),
``session_ready`` and ``session_ended``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.audio.port import AudioPort
from desktop.barge_in.playback_tracker import PlaybackTracker
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.connection.backends import BackendUnavailable, OfflineEngineHost, resolve_target
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.receiver import ConnectionWorker, ConnectPlan, StreamingMode
from desktop.connection.reconnect import GiveUp, ReconnectPolicy
from desktop.connection.session_builder import without_voice
from desktop.connection.state import ConnectionState
from desktop.conversation.recorder import ConversationRecorder
from desktop.protocol import SESSION_LIFETIME_S, bytes_per_ms
from desktop.realtime import RealtimeError, SessionConfigError

log = logging.getLogger(__name__)

#: Renew a session this long after it started (the server ends it at 60 min).
RENEW_AFTER_S = SESSION_LIFETIME_S - 5 * 60
VOICE_LOCK_REASON = (
    "The voice is fixed once the assistant has spoken in a session. "
    "Start a new session to use another voice."
)
#: Settings changes reach the server at most this often (a slider drag is one update).
SESSION_UPDATE_DELAY_MS = 150
#: How long after an offline session starts to say whether it can hear speech.
SPEECH_NOTE_DELAY_MS = 1500


@dataclass
class SessionMedia:
    """The thread-safe objects every session shares with the rest of the app.

    ``audio`` is None until the sound devices open (and for a text-only run).
    """

    tracker: PlaybackTracker
    feed: InspectorFeed
    recorder: ConversationRecorder
    audio: AudioPort | None = None

    def stop_playback(self) -> None:
        """Silence now, and forget what was played (that audio is over)."""
        if self.audio is not None:
            self.audio.interrupt()
        self.tracker.reset()


class SessionLifecycle(QObject):
    """Starts one :class:`ConnectionWorker` per session and decides what follows its end.

    ``session_config`` and ``streaming`` describe the next session when it
    opens; ``is_quiet`` says whether the conversation is between turns (a
    session is only renewed then).

    Signals:
        state_changed(ConnectionState, str): the connection state and why.
        worker_started(ConnectionWorker): a session's receiver, about to start.
        session_ready(): the session is live (``session.created``; configuration sent).
        session_ended(): a session is over with no successor: its turn, response
            and tool calls are void, and its playback is stopped.
        voice_lock_changed(str): why the voice is locked; empty once it is free again.
        status_message(str): a short message for the status bar.
        notification(str, str): title and text for a desktop notification.
    """

    state_changed = Signal(ConnectionState, str)
    worker_started = Signal(ConnectionWorker)
    session_ready = Signal()
    session_ended = Signal()
    voice_lock_changed = Signal(str)
    status_message = Signal(str)
    notification = Signal(str, str)

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        offline: OfflineEngineHost,
        media: SessionMedia,
        *,
        session_config: Callable[[], dict[str, Any]],
        streaming: Callable[[], StreamingMode],
        is_quiet: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._keys = keys
        self._offline = offline
        self._media = media
        self._session_config = session_config
        self._streaming = streaming
        self._is_quiet = is_quiet
        self.state = ConnectionState.IDLE
        self.reason = ""
        self.voice_locked = False
        self.renew_after_s: float = RENEW_AFTER_S
        self._worker: ConnectionWorker | None = None
        self._old_workers: list[ConnectionWorker] = []
        self._target_label = ""
        self._want_connected = False
        self._fatal_reason: str | None = None
        self._reconnect = ReconnectPolicy()
        self._session_started = 0.0
        self._retry_timer = QTimer(self, singleShot=True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._renew_timer = QTimer(self, interval=1000)
        self._renew_timer.timeout.connect(self._on_renew_timer_timeout)
        self._update_timer = QTimer(self, singleShot=True, interval=SESSION_UPDATE_DELAY_MS)
        self._update_timer.timeout.connect(self._on_update_timer_timeout)
        self._speech_note_timer = QTimer(self, singleShot=True, interval=SPEECH_NOTE_DELAY_MS)
        self._speech_note_timer.timeout.connect(self._on_speech_note_timer_timeout)

    @property
    def worker(self) -> ConnectionWorker | None:
        """The receiver of the current session, if there is one."""
        return self._worker

    # -- what the user asks for ------------------------------------------------------------

    def open(self) -> None:
        """Open a session with the configured backend (nothing happens when there is one)."""
        self._want_connected = True
        self._fatal_reason = None
        self._reconnect.reset()
        if self._worker is None:
            self._start_worker(ConnectionState.CONNECTING)

    def close(self) -> None:
        """Close the session and stay disconnected."""
        self._want_connected = False
        self._retry_timer.stop()
        self._stop_worker()
        self._set_state(ConnectionState.IDLE, "Disconnected")
        self.session_ended.emit()

    def new_session(self) -> None:
        """A fresh server session (a new voice allowed); the conversation record stays."""
        self._media.stop_playback()
        if self._worker is None:
            self.open()
            return
        # The next session starts now, not when the old socket has closed, so
        # there is never a moment without a worker: a message typed meanwhile
        # waits in the new worker's queue instead of being refused.
        self._stop_worker()
        self._start_worker(ConnectionState.CONNECTING)

    def shutdown(self) -> None:
        """Stop every thread and timer this lifecycle started (on quit)."""
        self._want_connected = False
        for timer in (
            self._retry_timer,
            self._renew_timer,
            self._update_timer,
            self._speech_note_timer,
        ):
            timer.stop()
        self._stop_worker()
        for worker in self._old_workers:
            worker.wait(3000)
        self._old_workers.clear()

    def fatal(self, reason: str) -> None:
        """A server error that retrying cannot fix: stop and say what to do."""
        self._fatal_reason = reason
        self._stop_worker()

    # -- the session's configuration ---------------------------------------------------------

    def update_configuration(self) -> None:
        """Settings that shape the session changed: send a ``session.update`` shortly."""
        self._update_timer.start()

    # -- sessions --------------------------------------------------------------------------

    def _start_worker(self, state: ConnectionState) -> None:
        self._set_state(state, "Connecting…" if state is ConnectionState.CONNECTING else "")
        try:
            target = resolve_target(self._settings, self._keys, self._offline)
            session = self._session_config()
        except (BackendUnavailable, RealtimeError) as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # e.g. the offline engine could not bind a port
            log.exception("could not start the backend")
            self._fail(f"Could not start the backend: {exc}")
            return
        audio_format = self._settings.audio.format
        media = self._media
        media.tracker.reset()
        media.tracker.set_bytes_per_ms(48)  # what is played is always 24 kHz PCM16
        plan = ConnectPlan(
            client=target.client,
            model=target.model,
            session=session,
            streaming=self._streaming(),
            bytes_per_ms=bytes_per_ms(audio_format),
        )
        decode, encode = _codec_functions(audio_format)
        worker = ConnectionWorker(
            plan, media.audio, media.tracker, media.feed, media.recorder, decode, encode
        )
        worker.session_ready.connect(self._on_worker_session_ready)
        worker.audio_started.connect(self._on_worker_audio_started)
        worker.finished_with.connect(self._on_worker_finished_with)
        self.worker_started.emit(worker)
        self._worker = worker
        self._target_label = target.label
        worker.start()

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        self._renew_timer.stop()
        worker.stop_session()
        self._old_workers.append(worker)

    def _on_worker_session_ready(self) -> None:
        self._reconnect.reset()
        self._session_started = time.monotonic()
        self._set_voice_locked(False)
        self.session_ready.emit()
        self._set_state(ConnectionState.LIVE, self._target_label)
        self._renew_timer.start()
        if self._settings.connection.backend == "offline":
            self._speech_note_timer.start()

    def _on_worker_audio_started(self, response_id: str, item_id: str) -> None:
        del response_id, item_id
        if not self.voice_locked:  # the assistant has spoken: the server keeps its voice
            self._set_voice_locked(True)

    def _on_worker_finished_with(self, error: object) -> None:
        worker = self.sender()
        if isinstance(worker, ConnectionWorker):
            worker.wait(2000)
            if worker in self._old_workers:
                self._old_workers.remove(worker)
            if worker is self._worker:
                self._worker = None
                self._renew_timer.stop()
            elif self._worker is not None:
                return  # a replaced session ended; its successor carries on
        self.session_ended.emit()
        if not self._want_connected:
            return
        if self._fatal_reason is not None:
            self._fail(self._fatal_reason)
            return
        step = self._reconnect.after(error)
        if isinstance(step, GiveUp):
            self._fail(step.reason)
            return
        self._set_state(ConnectionState.RECONNECTING, step.reason)
        self._retry_timer.start(int(step.delay_s * 1000))

    def _on_retry_timer_timeout(self) -> None:
        if self._want_connected and self._worker is None:
            self._start_worker(ConnectionState.RECONNECTING)

    def _on_renew_timer_timeout(self) -> None:
        if (
            self.state is ConnectionState.LIVE
            and self._is_quiet()
            and time.monotonic() - self._session_started > self.renew_after_s
        ):
            self.status_message.emit("Renewing the session before the server's time limit")
            self.new_session()

    def _on_update_timer_timeout(self) -> None:
        if self._worker is None or self.state is not ConnectionState.LIVE:
            return
        session = self._session_config()
        if self.voice_locked:
            session = without_voice(session)
        try:
            self._worker.send_event({"type": "session.update", "session": session})
        except SessionConfigError as exc:
            self.status_message.emit(f"Settings not applied: {exc}")

    def _on_speech_note_timer_timeout(self) -> None:
        problem = self._offline.speech_error
        if problem:
            self.status_message.emit(f"Offline engine: typed conversation only. {problem}")

    def _fail(self, reason: str) -> None:
        self.session_ended.emit()
        self._want_connected = False
        self._retry_timer.stop()
        self._set_state(ConnectionState.FAILED, reason)
        self.notification.emit("Parley: connection failed", reason)

    def _set_state(self, state: ConnectionState, reason: str) -> None:
        self.state, self.reason = state, reason
        self.state_changed.emit(state, reason)

    def _set_voice_locked(self, locked: bool) -> None:
        self.voice_locked = locked
        self.voice_lock_changed.emit(VOICE_LOCK_REASON if locked else "")


def _codec_functions(
    audio_format: str,
) -> tuple[Callable[[bytes], bytes] | None, Callable[[bytes], bytes] | None]:
    """G.711 sessions are decoded for playback and encoded from the microphone."""
    if audio_format == "pcm16":
        return None, None
    from audio_engine import SessionCodec

    codec = SessionCodec(audio_format)
    return codec.decode_playback, codec.encode_capture
