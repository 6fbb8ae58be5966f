"""The conversation controller: what the window talks to, composed of parts that each own one thing.

:class:`ConversationController` lives on the GUI thread and never blocks:
connecting, sending and playing all happen on other threads. It keeps no state
of its own. It builds the parts, wires them to each other and re-announces
what the window needs through its signals; the window's intents (connect,
send, push-to-talk, change a setting...) go to the part that owns them.

Parts, each the one owner of its facts:

* ``session`` (:class:`~desktop.connection.lifecycle.SessionLifecycle`): the
  connection state, connecting, reconnecting, renewal, the live
  ``session.update`` and the voice lock;
* ``turns`` (:class:`~desktop.conversation.turn_machine.TurnMachine`): the turn
  state, push-to-talk, typed turns, mute, interrupting the assistant;
* ``gate`` (:class:`~desktop.conversation.response_gate.ResponseGate`): one
  response at a time;
* ``record`` (:class:`~desktop.conversation.record.ConversationRecord`): the
  transcript, usage and recording;
* ``tools`` (:class:`~desktop.conversation.tools.ToolRegistry`): the tools
  offered; ``tool_flow`` (:class:`~desktop.conversation.tool_flow.ToolFlow`) runs
  the calls, asks the user first where a tool says so and returns the outputs;
  ``timers`` keeps the timers tools set;
* ``mcp`` (:class:`~desktop.mcp.conversation_tools.McpTools`): the user's MCP
  servers, whose tools join ``tools``;
* ``echo`` (:class:`~desktop.barge_in.guard_control.GuardControl`): the echo
  settings and the echo guard;
* ``media`` (:class:`~desktop.connection.lifecycle.SessionMedia`): what the
  threads share (playback tracker, inspector feed, recorder, the audio engine);
* ``events`` (:class:`~desktop.conversation.server_events.ServerEventHandler`):
  what each server event means.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.audio.port import AudioPort
from desktop.barge_in.guard_control import GuardControl
from desktop.barge_in.playback_tracker import BargeIn, PlaybackTracker
from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.connection.backends import OfflineEngineHost
from desktop.connection.inspector_feed import InspectorFeed
from desktop.connection.lifecycle import VOICE_LOCK_REASON, SessionLifecycle, SessionMedia
from desktop.connection.offline_chat import ChatEndpointCheck, engine_chat
from desktop.connection.receiver import ConnectionWorker, StreamingMode
from desktop.connection.session_builder import SESSION_GROUPS, build_session
from desktop.connection.state import ConnectionState
from desktop.conversation.record import ConversationRecord
from desktop.conversation.response_gate import ResponseGate
from desktop.conversation.server_events import ServerEventHandler
from desktop.conversation.tool_calls import ToolCallTracker
from desktop.conversation.tool_flow import ToolFlow
from desktop.conversation.tool_timers import ToolTimers
from desktop.conversation.tools import builtin_tools
from desktop.conversation.transcript import Transcript, TranscriptEntry
from desktop.conversation.turn_machine import TurnMachine, TurnState
from desktop.conversation.usage import UsageLedger
from desktop.history.context import ContextBudget, context_events
from desktop.mcp.conversation_tools import McpTools

#: How often the event inspector gets what the network threads saw.
INSPECTOR_INTERVAL_MS = 150
#: Connection settings that need a new connection when they change.
CONNECTION_FIELDS = frozenset(
    {"backend", "model", "url", "dialect", "azure_endpoint", "azure_auth", "azure_api_version"}
)
_OPEN_STATES = (ConnectionState.CONNECTING, ConnectionState.LIVE, ConnectionState.RECONNECTING)


class ConversationController(QObject):
    """The parts of one conversation, and the window's way in.

    Signals:
        connection_state_changed(ConnectionState, str): the state and the reason.
        turn_state_changed(TurnState): who holds the floor.
        entry_changed(TranscriptEntry): a transcript entry was added or changed.
        transcript_cleared(): the conversation was reset.
        status_message(str): a short message for the status bar.
        notification(str, str): title and text for a desktop notification.
        usage_changed(UsageLedger): the usage after a response.
        voice_lock_changed(str): why the voice is locked; empty once it is free again.
        retry_scheduled(float): seconds until the next reconnection attempt (0: none waits).
        inspector_records(list): a batch of (direction, event) pairs for the inspector.
        mcp_servers_changed(object): a ``tuple[ServerStatus, ...]`` of the MCP servers.
        chat_check_finished(bool, str): the outcome of :meth:`check_chat_endpoint`:
            whether the endpoint answered, and the models it lists or what is wrong.
    """

    connection_state_changed = Signal(ConnectionState, str)
    turn_state_changed = Signal(TurnState)
    entry_changed = Signal(TranscriptEntry)
    transcript_cleared = Signal()
    status_message = Signal(str)
    notification = Signal(str, str)
    usage_changed = Signal(UsageLedger)
    voice_lock_changed = Signal(str)
    retry_scheduled = Signal(float)
    inspector_records = Signal(list)
    mcp_servers_changed = Signal(object)
    chat_check_finished = Signal(bool, str)

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
        self._keys = keys
        self._offline = offline
        self.record = ConversationRecord(self)
        self.tracker = PlaybackTracker()
        self.feed = InspectorFeed()
        self.media = SessionMedia(self.tracker, self.feed, self.record.recorder, audio)
        self.tools = builtin_tools()
        self.timers = ToolTimers(self)
        self.session = SessionLifecycle(
            settings,
            keys,
            offline,
            self.media,
            session_config=self.session_config,
            streaming=self._streaming_mode,
            is_quiet=self._is_quiet,
            context=self.session_context,
            parent=self,
        )
        self.gate = ResponseGate(lambda: self.session.worker)
        self.tool_flow = ToolFlow(
            settings, self.tools, self.record, self.gate, lambda: self.session.worker,
            self.timers, self,
        )  # fmt: skip
        self.mcp = McpTools(settings, keys, self.tools, self)
        self.chat_check = ChatEndpointCheck(self)
        self.turns = TurnMachine(settings, self.session, self.media, self.gate, self.record, self)
        self.echo = GuardControl(
            settings, self.media, lambda: self.turns.state is TurnState.SPEAKING, self
        )
        self.events = ServerEventHandler(
            self.session,
            self.turns,
            self.gate,
            self.record,
            self.tool_flow,
            self.status_message.emit,
        )
        self._inspector_timer = QTimer(self, interval=INSPECTOR_INTERVAL_MS)
        self._inspector_timer.timeout.connect(self._on_inspector_timer_timeout)
        self._inspector_timer.start()
        self._wire()
        self._apply_engine_chat()
        self.mcp.apply()

    def _wire(self) -> None:
        session, turns, record = self.session, self.turns, self.record
        session.state_changed.connect(self.connection_state_changed)
        session.voice_lock_changed.connect(self.voice_lock_changed)
        session.status_message.connect(self.status_message)
        session.notification.connect(self.notification)
        session.retry_scheduled.connect(self.retry_scheduled)
        session.worker_started.connect(self._on_session_worker_started)
        session.session_ready.connect(self._on_session_ready)
        session.session_ended.connect(self._on_session_ended)
        turns.changed.connect(self.turn_state_changed)
        turns.status_message.connect(self.status_message)
        record.entry_changed.connect(self.entry_changed)
        record.cleared.connect(self.transcript_cleared)
        record.usage_changed.connect(self.usage_changed)
        self.timers.due.connect(self._on_timers_due)
        flow = self.tool_flow
        flow.listening_changed.connect(self.session.update_configuration)
        flow.turn_unanswered.connect(turns.on_turn_unanswered)
        flow.status_message.connect(self.status_message)
        self.mcp.tools_changed.connect(self._on_mcp_tools_changed)
        self.mcp.call_finished.connect(flow.deliver)
        self.mcp.servers_changed.connect(self.mcp_servers_changed)
        self.chat_check.finished.connect(self.chat_check_finished)

    # -- state, as the parts own it ----------------------------------------------------------

    @property
    def connection_state(self) -> ConnectionState:
        return self.session.state

    @property
    def connection_reason(self) -> str:
        return self.session.reason

    @property
    def turn_state(self) -> TurnState:
        return self.turns.state

    @property
    def voice_locked(self) -> bool:
        return self.session.voice_locked

    @property
    def transcript(self) -> Transcript:
        return self.record.transcript

    @property
    def calls(self) -> ToolCallTracker:
        return self.tool_flow.calls

    def session_config(self) -> dict[str, Any]:
        """The ``session.update`` payload the settings and the offered tools make."""
        tools = self.tools.schemas(self.settings.tools)
        return build_session(self.settings, tools, hold_replies=self.tool_flow.holds_replies)

    def session_context(self) -> list[dict[str, Any]]:
        """What a new session is told of the conversation so far, within the budget
        the settings give (``conversation.item.create`` events)."""
        history = self.settings.history
        budget = ContextBudget(history.context_items, history.context_tokens)
        return context_events(self.record.transcript.entries(), budget)

    # -- the window's intents ----------------------------------------------------------------

    def connect_backend(self) -> None:
        self.session.open()

    def disconnect_backend(self) -> None:
        self.session.close()

    def new_session(self) -> None:
        self.session.new_session()

    def retry_now(self) -> bool:
        """Reconnect now rather than at the end of the pause; False if none is waiting."""
        return self.session.retry_now()

    def continue_conversation(self, entries: Iterable[TranscriptEntry]) -> None:
        """Take up an earlier conversation: its entries become the record, and a new
        session starts that is told of them."""
        self.record.load(entries)
        self.tool_flow.reset()
        self.session.new_session()

    def send_text(self, text: str) -> bool:
        """A typed message: the answer to an open question if it says yes or no,
        otherwise a turn of its own."""
        if self.tool_flow.answer_typed(text):
            return True
        return self.turns.send_text(text)

    def answer_tool_question(self, entry_id: str, allowed: bool) -> bool:
        """The user allowed (or not) the tool call of a transcript entry, by button."""
        return self.tool_flow.answer(entry_id, allowed)

    def ptt_press(self) -> None:
        self.turns.ptt_press()

    def ptt_release(self) -> None:
        self.turns.ptt_release()

    def interrupt(self) -> BargeIn | None:
        return self.turns.interrupt()

    def set_muted(self, muted: bool) -> None:
        self.turns.set_muted(muted)
        self._push_streaming()

    def update_setting(self, group: str, name: str, value: Any) -> bool:
        """Change one setting (validated); session settings go live. False if refused."""
        target = getattr(self.settings, group)
        if group == "voice" and name == "voice" and self.voice_locked and value != target.voice:
            self.status_message.emit(VOICE_LOCK_REASON)
            self.voice_lock_changed.emit(VOICE_LOCK_REASON)
            return False
        before = getattr(target, name)
        try:
            setattr(target, name, value)
        except ValueError as exc:
            self.status_message.emit(f"Invalid value for {group}.{name}: {exc}")
            return False
        self.settings_changed(group)
        if group == "connection" and name in CONNECTION_FIELDS and before != value:
            self._reconnect_for_settings()
        return True

    def settings_changed(self, group: str) -> None:
        """Settings in ``group`` changed (by any means): each part that cares follows."""
        if group == "audio":
            self.echo.apply()
        if group in ("ui", "turn_detection", "audio"):
            self._push_streaming()
        if group in SESSION_GROUPS or group == "ui":
            self.session.update_configuration()
        if group == "engine":
            self._apply_engine_chat()
        if group == "mcp":
            self.mcp.apply()

    def secret_saved(self, name: str) -> None:
        """A secret was stored (``SecretName``): what uses it follows."""
        if name == "chat":
            self._apply_engine_chat()
        elif self.settings.connection.backend == name or (
            name == "azure_token" and self.settings.connection.backend == "azure"
        ):
            self._reconnect_for_settings()

    # -- the offline engine's language model ---------------------------------------------

    def check_chat_endpoint(self) -> None:
        """Ask the configured chat endpoint for its models, off the GUI thread;
        ``chat_check_finished`` brings the answer."""
        engine = self.settings.engine
        self.chat_check.start(engine.chat_endpoint, self._keys.chat_key())

    def reset_conversation(self) -> None:
        """Forget the transcript, usage, recording and tool calls; start a fresh session."""
        self.record.clear()
        self.tool_flow.reset()
        if self.session.worker is not None:
            self.session.new_session()

    def export_transcript(self, path: Path, fmt: str) -> Path:
        return self.record.export_transcript(path, fmt)

    def export_audio(self, path: Path, stereo: bool = True) -> Path:
        return self.record.export_audio(path, stereo=stereo)

    def shutdown(self) -> None:
        """Stop every thread and timer this controller started (on quit)."""
        self.session.shutdown()
        self.mcp.shutdown()
        self.chat_check.stop()
        self.timers.stop_all()
        self.echo.stop()
        self._inspector_timer.stop()
        self.record.close()

    # -- the audio engine --------------------------------------------------------------------

    def attach_audio(self, audio: AudioPort | None) -> None:
        """The sound devices opened (or closed): sessions, barge-in and echo use them."""
        self.media.audio = audio
        self.settings_changed("audio")

    def on_playback_drained(self, item_id: str) -> None:
        """The audio engine played the last sample of an item."""
        self.turns.on_playback_drained(item_id)

    def on_audio_lost(self) -> None:
        """The sound devices stopped (the audio supervisor says why, and reopens them):
        what they were playing is gone, and so is that turn."""
        self.turns.on_device_error()

    # -- wiring ------------------------------------------------------------------------------

    def _streaming_mode(self) -> StreamingMode:
        return StreamingMode(
            handsfree=self.turns.handsfree,
            muted=self.turns.muted,
            interrupt_response=self.echo.server_interrupts(),
            barge_in_check=self.echo.barge_in_check(),
        )

    def _push_streaming(self) -> None:
        worker = self.session.worker
        if worker is not None:
            worker.set_streaming(self._streaming_mode())

    def _is_quiet(self) -> bool:
        return self.turns.state is TurnState.IDLE and self.gate.idle and not self.tool_flow.busy

    def _reconnect_for_settings(self) -> None:
        """Where or how to connect changed: an open session moves to the new place."""
        if self.session.state in _OPEN_STATES:
            self.status_message.emit("Connecting again with the new connection settings.")
            self.session.new_session()

    def _apply_engine_chat(self) -> None:
        try:
            self._offline.set_chat(engine_chat(self.settings, self._keys))
        except ValueError as exc:
            self.status_message.emit(f"Offline engine: {exc}")

    def _on_mcp_tools_changed(self) -> None:
        self.settings_changed("tools")

    def _on_worker_turn_committed(self, committed: bool, ms: int) -> None:
        if committed and self.tool_flow.holds_replies:
            return  # the answer to a question: its words decide what follows
        self.turns.on_turn_committed(committed, ms)

    def _on_session_worker_started(self, worker: ConnectionWorker) -> None:
        self.echo.apply()
        worker.server_event.connect(self.events.handle)
        worker.barge_in_ignored.connect(self._on_worker_barge_in_ignored)
        worker.audio_started.connect(self.turns.on_audio_started)
        worker.barged_in.connect(self.record.mark_interrupted)
        worker.turn_committed.connect(self._on_worker_turn_committed)
        worker.event_rejected.connect(self._on_worker_event_rejected)

    def _on_session_ready(self) -> None:
        self.gate.reset()
        if self.record.has_conversation():  # where this session began, in the transcript
            self.record.add_notice(_new_session_notice(self.session.context_items, self.settings))

    def _on_session_ended(self) -> None:
        """Whatever the session was doing is void: its response, its tool calls, its turn."""
        self.gate.reset()
        self.tool_flow.end_session()
        self.turns.on_session_ended()

    def _on_worker_barge_in_ignored(self) -> None:
        self.status_message.emit("Heard the assistant's own voice; it was not an interruption.")

    def _on_worker_event_rejected(self, kind: str, reason: str) -> None:
        self.status_message.emit(f"Not sent ({kind}): {reason}")
        if kind == "response.create":
            self.gate.create_failed()
            self.turns.on_response_create_failed()

    def _on_timers_due(self, label: str) -> None:
        self.notification.emit("Parley timer", f"{label}: time is up")
        self.record.add_notice(f"⏰ {label}")

    def _on_inspector_timer_timeout(self) -> None:
        records = self.feed.drain()
        if records:
            self.inspector_records.emit(records)


def _new_session_notice(context_items: int, settings: Settings) -> str:
    if context_items:
        told = "1 item" if context_items == 1 else f"{context_items} items"
        return f"New session: the assistant was told the last {told} of this conversation."
    if not settings.history.context_items or not settings.history.context_tokens:
        return "New session: it does not know the earlier conversation (context is off)."
    return "New session."
