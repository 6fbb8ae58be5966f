"""The state every part of the conversation controller shares, and its signals.

:class:`ConversationController` is assembled from small parts (session
lifecycle, turns, settings and record); they all build on this core, which owns
the signals, the state fields, the timers and the few helpers each part uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.barge_in.echo_guard import (
    BargeInGuard,
    LevelSource,
    barge_in_guard_active,
    server_creates_responses,
    server_interrupts,
)
from desktop.barge_in.playback_tracker import PlaybackTracker
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.receiver import AudioPort, ConnectionWorker
from desktop.connection.session_builder import build_session
from desktop.connection.state import ConnectionState, TurnState
from desktop.conversation.recorder import ConversationRecorder
from desktop.conversation.tool_calls import ToolCallTracker
from desktop.conversation.tools import enabled_tool_schemas
from desktop.conversation.transcript import Transcript
from desktop.conversation.usage import UsageLedger
from desktop.protocol import SESSION_LIFETIME_S

#: Renew a session this long after it started (the server ends it at 60 min).
RENEW_AFTER_S = SESSION_LIFETIME_S - 5 * 60
VOICE_LOCK_REASON = (
    "The voice is fixed once the assistant has spoken in a session. "
    "Start a new session to use another voice."
)


class ControllerCore(QObject):
    """Shared state, timers and signals of the conversation controller.

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
        self.guard = BargeInGuard()
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
        self._attempt = 0
        self._session_started = 0.0
        self._active_response: str | None = None
        self._response_wanted = False
        self._ptt_down = False
        self._timers: list[QTimer] = []
        self._retry_timer = QTimer(self, singleShot=True)
        self._inspector_timer = QTimer(self, interval=150)
        self._renew_timer = QTimer(self, interval=1000)
        self._speech_note_timer = QTimer(self, singleShot=True, interval=1500)
        self._session_update_timer = QTimer(self, singleShot=True, interval=150)

    @property
    def worker(self) -> ConnectionWorker | None:
        return self._worker

    @property
    def handsfree(self) -> bool:
        return (
            self.settings.ui.talk_mode == "handsfree" and self.settings.turn_detection.mode != "off"
        )

    def session_config(self) -> dict[str, Any]:
        return build_session(self.settings, enabled_tool_schemas(self.settings.tools))

    def server_interrupts(self) -> bool:
        """Whether the server cancels a reply on speech_started (the session's setting)."""
        return server_interrupts(self.settings)

    def answers_voice_turns(self) -> bool:
        """Whether the app, not the server, creates the reply to a hands-free turn
        (while the echo guard decides which turns are real)."""
        return (
            self.handsfree
            and self.settings.turn_detection.create_response
            and not server_creates_responses(self.settings)
        )

    def barge_in_check(self) -> Callable[[], bool] | None:
        """For the worker: screens speech_started against the assistant's own echo
        when the guard is on; None when every barge-in goes through."""
        audio = self.audio
        if audio is None or not hasattr(audio, "recent_levels"):
            return None
        if not barge_in_guard_active(self.settings):
            return None
        guard, levels = self.guard, cast(LevelSource, audio)
        return lambda: guard.allows_barge_in(levels)

    def set_voice_locked(self, locked: bool) -> None:
        self.voice_locked = locked
        self.voice_lock_changed.emit(VOICE_LOCK_REASON if locked else "")

    def _set_connection(self, state: ConnectionState, reason: str) -> None:
        self.connection_state, self.connection_reason = state, reason
        self.connection_state_changed.emit(state, reason)

    def _set_turn(self, state: TurnState) -> None:
        if state is not self.turn_state:
            self.turn_state = state
            self.turn_state_changed.emit(state)

    def _stop_playback(self) -> None:
        if self.audio is not None:
            self.audio.interrupt()
        self.tracker.reset()
