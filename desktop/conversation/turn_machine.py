"""Who holds the floor: the turn state machine, push-to-talk, typed turns and muting.

:class:`TurnMachine` is the one owner of the turn state. It moves it on the
user's actions (push-to-talk, a typed message, an interruption) and on what
the session reports (audio started, playback drained, a response finished);
the server event handler moves it on VAD events. Taking the floor from the
assistant goes through the one barge-in path
(:mod:`desktop.barge_in.interrupt`, via the session's receiver).
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Signal

from desktop.barge_in.echo_policy import server_creates_responses
from desktop.barge_in.playback_tracker import BargeIn
from desktop.config.settings import Settings
from desktop.connection.lifecycle import SessionLifecycle, SessionMedia
from desktop.connection.state import ConnectionState
from desktop.conversation.record import ConversationRecord
from desktop.conversation.response_gate import ResponseGate


class TurnState(enum.Enum):
    """Who holds the floor in the conversation right now."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


class TurnMachine(QObject):
    """Drives the turn state, push-to-talk and typed turns.

    Signals:
        changed(TurnState): the turn state changed.
        status_message(str): a short message for the status bar.
    """

    changed = Signal(TurnState)
    status_message = Signal(str)

    def __init__(
        self,
        settings: Settings,
        session: SessionLifecycle,
        media: SessionMedia,
        gate: ResponseGate,
        record: ConversationRecord,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._session = session
        self._media = media
        self._gate = gate
        self._record = record
        self.state = TurnState.IDLE
        self.muted = False
        self._ptt_down = False

    @property
    def handsfree(self) -> bool:
        """Voice detection ends the user's turns (else push-to-talk)."""
        return (
            self._settings.ui.talk_mode == "handsfree"
            and self._settings.turn_detection.mode != "off"
        )

    def answers_voice_turns(self) -> bool:
        """Whether the app, not the server, asks for the reply to a hands-free turn
        (while the echo guard decides which turns are real)."""
        return (
            self.handsfree
            and self._settings.turn_detection.create_response
            and not server_creates_responses(self._settings)
        )

    def set(self, state: TurnState) -> None:
        if state is not self.state:
            self.state = state
            self.changed.emit(state)

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self.status_message.emit("Microphone muted" if muted else "Microphone on")

    # -- the user's turns --------------------------------------------------------------------

    def send_text(self, text: str) -> bool:
        """A typed user message and a request for the reply."""
        text = text.strip()
        if not text:
            return False
        worker = self._session.worker
        if worker is None or self._session.state is not ConnectionState.LIVE:
            self.status_message.emit("Not connected: connect first, then send your message.")
            return False
        if self.state is TurnState.SPEAKING:
            self.interrupt()
        self._record.add_user_text(text)
        worker.send_event(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": text}],
                },
            }
        )
        self._gate.request()
        self.set(TurnState.THINKING)
        return True

    def ptt_press(self) -> None:
        """Push-to-talk pressed: interrupt the assistant, clear the buffer, stream."""
        worker = self._session.worker
        if self._ptt_down or worker is None or self.handsfree:
            return
        self._ptt_down = True
        self.interrupt()
        worker.start_turn()
        self.set(TurnState.LISTENING)

    def ptt_release(self) -> None:
        """Push-to-talk released: commit (if long enough) and ask for a reply."""
        if not self._ptt_down:
            return
        self._ptt_down = False
        worker = self._session.worker
        if worker is None:
            self.set(TurnState.IDLE)
            return
        worker.commit_turn()
        self.set(TurnState.THINKING)

    def interrupt(self) -> BargeIn | None:
        """Stop the assistant now (local barge-in) and tell the server what was heard."""
        worker = self._session.worker
        if worker is None:
            return None
        result = worker.interrupt(cancel_response=self._gate.running)
        self._record.mark_interrupted(result)
        return result

    # -- what the session reports ------------------------------------------------------------

    def on_turn_committed(self, committed: bool, ms: int) -> None:
        """The sender finished a push-to-talk turn: committed, or too short."""
        if committed:
            self._gate.request()
            return
        self.status_message.emit(f"Too short ({ms} ms): hold to talk for at least 0.1 s.")
        self.set(TurnState.IDLE)

    def on_audio_started(self, response_id: str, item_id: str) -> None:
        del response_id, item_id
        if self.state is not TurnState.LISTENING:
            self.set(TurnState.SPEAKING)

    def on_playback_drained(self, item_id: str) -> None:
        """The audio engine played the last sample of an item."""
        del item_id
        if self.state is TurnState.SPEAKING and self._gate.idle:
            self.set(TurnState.IDLE)

    def on_response_finished(self) -> None:
        """A response is done and no other follows: the floor is free once it is heard."""
        audio = self._media.audio
        playing = audio is not None and audio.is_playing
        if self.state in (TurnState.THINKING, TurnState.SPEAKING) and not playing:
            self.set(TurnState.IDLE)

    def on_turn_unanswered(self) -> None:
        """The user's turn gets no reply (it was meant as an answer, and said nothing
        clear): the floor is the user's again."""
        if self.state in (TurnState.THINKING, TurnState.LISTENING):
            self.set(TurnState.IDLE)

    def on_response_create_failed(self) -> None:
        """Our ``response.create`` was refused: no reply is coming."""
        if self.state is TurnState.THINKING:
            self.set(TurnState.IDLE)

    def on_device_error(self) -> None:
        """The sound device went away: what it was playing is gone, and so is that turn."""
        self._media.tracker.reset()
        if self.state in (TurnState.SPEAKING, TurnState.LISTENING):
            self.set(TurnState.IDLE)

    def on_session_ended(self) -> None:
        """The session is gone: whatever turn it was in is over, its audio too."""
        self._ptt_down = False
        self._media.stop_playback()
        self.set(TurnState.IDLE)
