"""The session lifecycle part of the controller: connect, retry, renew, fail."""

from __future__ import annotations

import logging
import time
from typing import Any

from desktop.connection.backends import BackendUnavailable, resolve_target
from desktop.connection.receiver import ConnectionWorker, ConnectPlan
from desktop.connection.state import ConnectionState, TurnState
from desktop.conversation.controller_core import ControllerCore
from desktop.protocol import bytes_per_ms
from desktop.realtime import (
    AuthenticationError,
    ConfigurationError,
    DialectMismatchError,
    RealtimeError,
)

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class SessionControl(ControllerCore):
    """Starts one :class:`ConnectionWorker` per session and reacts to its end.

    Subclasses connect the worker's per-turn signals in :meth:`_connect_worker`.
    """

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
        # The next session starts now, not when the old socket has closed, so
        # there is never a moment without a worker: a message typed meanwhile
        # waits in the new worker's queue instead of being refused.
        self._stop_worker()
        self._start_worker(ConnectionState.CONNECTING)

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

    def fatal(self, reason: str) -> None:
        """A server error that retrying cannot fix: stop and say what to do."""
        self._fatal_reason = reason
        self._stop_worker()

    def _connect_worker(self, worker: ConnectionWorker) -> None:
        """Hook for the signals other parts of the controller handle."""

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
            interrupt_response=self.server_interrupts(),
            bytes_per_ms=bytes_per_ms(audio_format),
            barge_in_check=self.barge_in_check(),
        )
        decode, encode = _codec_functions(audio_format)
        worker = ConnectionWorker(
            plan, self.audio, self.tracker, self.feed, self.recorder, decode, encode
        )
        worker.session_ready.connect(self._on_worker_session_ready)
        worker.finished_with.connect(self._on_worker_finished_with)
        self._connect_worker(worker)
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

    def _on_speech_note_timer_timeout(self) -> None:
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
        self._reset_turn()
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

    def _reset_turn(self) -> None:
        """A session is gone: whatever turn it was in is over, and its pending tool
        outputs belong to no one (a new session is a new conversation server-side)."""
        self._active_response = None
        self._response_wanted = False
        self._ptt_down = False
        self.tool_calls.reset()
        self._stop_playback()
        self._set_turn(TurnState.IDLE)

    def _fail(self, reason: str) -> None:
        self._reset_turn()
        self._want_connected = False
        self._retry_timer.stop()
        self._set_connection(ConnectionState.FAILED, reason)
        self.notification.emit("Parley: connection failed", reason)


def _codec_functions(audio_format: str) -> tuple[Any, Any]:
    if audio_format == "pcm16":
        return None, None
    from audio_engine import SessionCodec

    codec = SessionCodec(audio_format)
    return codec.decode_playback, codec.encode_capture
