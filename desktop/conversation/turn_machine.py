"""The turn part of the controller: typed and spoken turns, responses, barge-in."""

from __future__ import annotations

import uuid

from desktop.barge_in.playback_tracker import BargeIn
from desktop.connection.receiver import ConnectionWorker
from desktop.connection.state import ConnectionState, TurnState
from desktop.conversation.controller_core import ControllerCore


class TurnControl(ControllerCore):
    """Drives the turn state machine and the one-response-at-a-time rule."""

    def _connect_turn_signals(self, worker: ConnectionWorker) -> None:
        worker.audio_started.connect(self._on_worker_audio_started)
        worker.barged_in.connect(self._on_worker_barged_in)
        worker.turn_committed.connect(self._on_worker_turn_committed)
        worker.event_rejected.connect(self._on_worker_event_rejected)

    def set_turn(self, state: TurnState) -> None:
        self._set_turn(state)

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
                self.entry_changed.emit(
                    self.transcript.update(entry.id, entry.role, status="interrupted")
                )

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

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._apply_streaming()
        self.status_message.emit("Microphone muted" if muted else "Microphone on")

    def _apply_streaming(self) -> None:
        if self._worker is not None:
            self._worker.set_streaming(
                self.handsfree, self.muted, self.server_interrupts(), self.barge_in_check()
            )
