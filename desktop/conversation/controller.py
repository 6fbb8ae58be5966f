"""The conversation controller: the one owner of connection and turn state.

Lives on the GUI thread. It starts a :class:`ConnectionWorker` per session,
reacts to its queued signals, keeps the transcript, usage and tool calls, and
tells the widgets what to show through its own signals. It never blocks:
connecting, sending and playing all happen on other threads.

The class is assembled from parts: :mod:`desktop.conversation.controller_core` (state,
signals), :mod:`desktop.connection.lifecycle` (connect, retry, renew) and
:mod:`desktop.conversation.turn_machine` (turns, responses, barge-in); settings and the
conversation record live here, server event semantics in
:mod:`desktop.conversation.server_events`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QObject, QTimer

from desktop.barge_in.echo_guard import LevelSource
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.lifecycle import RETRY_DELAYS_S, SessionControl
from desktop.connection.receiver import AudioPort, ConnectionWorker
from desktop.connection.session_builder import SESSION_GROUPS, without_voice
from desktop.connection.state import ConnectionState, TurnState
from desktop.conversation.controller_core import RENEW_AFTER_S, VOICE_LOCK_REASON
from desktop.conversation.export import write_transcript
from desktop.conversation.server_events import ServerEventHandler
from desktop.conversation.transcript import TranscriptEntry
from desktop.conversation.turn_machine import TurnControl
from desktop.conversation.usage import UsageLedger
from desktop.realtime import SessionConfigError

__all__ = ["RENEW_AFTER_S", "RETRY_DELAYS_S", "VOICE_LOCK_REASON", "ConversationController"]


class ConversationController(SessionControl, TurnControl):
    """Owns the session, the state machines and the conversation record.

    Signals: those of ``ControllerCore``, where they are declared and documented.
    """

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        offline: OfflineEngineHost,
        audio: AudioPort | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(settings, keys, offline, audio, parent)
        self._events = ServerEventHandler(self)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._inspector_timer.timeout.connect(self._on_inspector_timer_timeout)
        self._inspector_timer.start()
        self._renew_timer.timeout.connect(self._on_renew_timer_timeout)
        self._renew_timer.start()
        self._speech_note_timer.timeout.connect(self._on_speech_note_timer_timeout)
        self._session_update_timer.timeout.connect(self._on_session_update_timer_timeout)
        # Learns how loud the assistant's echo is in this room while it speaks.
        self._guard_timer = QTimer(self, interval=300)
        self._guard_timer.timeout.connect(self._on_guard_timer_timeout)

    def _connect_worker(self, worker: ConnectionWorker) -> None:
        self._apply_echo_settings()
        worker.server_event.connect(self._events.handle)
        worker.barge_in_ignored.connect(self._on_worker_barge_in_ignored)
        self._connect_turn_signals(worker)

    # -- settings ------------------------------------------------------------------------

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
        if group == "audio":
            self._apply_echo_settings()
            self._apply_streaming()
        if group in SESSION_GROUPS or group == "ui":
            self._session_update_timer.start()

    def _apply_echo_settings(self) -> None:
        """Headset mode and noise suppression reach the audio engine (when it has them)."""
        audio = self.settings.audio
        for method, value in (
            ("set_headset_mode", audio.headset_mode),
            ("set_noise_suppression", audio.noise_suppression),
        ):
            setter = getattr(self.audio, method, None)
            if callable(setter):
                setter(value)
        if self.barge_in_check() is None:
            self._guard_timer.stop()
        else:
            self._guard_timer.start()

    def _on_guard_timer_timeout(self) -> None:
        if self.audio is not None and self.turn_state is TurnState.SPEAKING:
            self.guard.learn_from(cast(LevelSource, self.audio))

    def on_audio_device_error(self, message: str) -> None:
        """The sound device went away: what it was playing is gone, and so is that turn."""
        self.status_message.emit(message)
        self.tracker.reset()
        if self.turn_state in (TurnState.SPEAKING, TurnState.LISTENING):
            self._set_turn(TurnState.IDLE)

    def _on_worker_barge_in_ignored(self) -> None:
        self.status_message.emit("Heard the assistant's own voice; it was not an interruption.")

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

    # -- conversation record -------------------------------------------------------------

    def emit_entry(self, entry: TranscriptEntry) -> None:
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

    def export_transcript(self, path: Path, fmt: str) -> Path:
        """The transcript as ``fmt`` ("markdown" or "json"); ``OSError`` if unwritable."""
        return write_transcript(self.transcript.entries(), path, fmt)

    def export_audio(self, path: Path, stereo: bool = True) -> Path:
        return self.recorder.export_wav(path, stereo=stereo)

    def _on_inspector_timer_timeout(self) -> None:
        records = self.feed.drain()
        if records:
            self.inspector_records.emit(records)
