"""The one way to stop the assistant mid-reply (barge-in).

Every interruption takes this path, whoever starts it: the receiver thread on a
hands-free ``speech_started`` (so it never waits for the GUI thread), the GUI
thread on a push-to-talk press, a typed message or the Interrupt action.

1. playback stops now, and the tracker says which item was cut off and how much
   of it was heard (played by the device, never more than was received);
2. the recording drops the assistant audio queued beyond this moment;
3. the server is told what was heard (``conversation.item.truncate``) and, when
   the caller asks, to stop the response (``response.cancel``); later deltas of
   the cancelled response are dropped by the tracker.

What the interruption means for the transcript is the GUI thread's part
(``ConversationRecord.mark_interrupted``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.audio.port import AudioPort
from desktop.barge_in.playback_tracker import BargeIn, PlaybackTracker
from desktop.conversation.recorder import ConversationRecorder

SendEvent = Callable[[dict[str, Any]], None]


class Interrupter:
    """Stops playback and tells the server; safe to call from any thread."""

    def __init__(
        self,
        tracker: PlaybackTracker,
        audio: AudioPort | None,
        recorder: ConversationRecorder | None,
        send: SendEvent,
    ) -> None:
        self._tracker = tracker
        self._audio = audio
        self._recorder = recorder
        self._send = send

    def interrupt(self, cancel_response: bool) -> BargeIn:
        """Barge in now; ``cancel_response`` also asks the server to stop the reply
        (when it will not do so by itself)."""
        result = self._tracker.barge_in(self._audio.interrupt if self._audio else None)
        if self._recorder is not None:
            self._recorder.cut_output()
        if result.truncation is not None:
            self._send(
                {
                    "type": "conversation.item.truncate",
                    "item_id": result.truncation.item_id,
                    "content_index": 0,
                    "audio_end_ms": result.truncation.audio_end_ms,
                }
            )
        if cancel_response and result.response_id is not None:
            self._send({"type": "response.cancel", "response_id": result.response_id})
        return result
