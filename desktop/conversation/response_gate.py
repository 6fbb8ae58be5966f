"""One response at a time: ``response.create`` now, or once the running one is done.

The server refuses a second response while one writes to the conversation
(``conversation_already_has_active_response``), so every request for a reply
goes through the gate: typed messages, push-to-talk commits, the turns the app
answers itself, and the follow-up after tool outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.connection.receiver import ConnectionWorker

#: The active response between our ``response.create`` and the server's ``response.created``.
PENDING = "pending"


class ResponseGate:
    """Owns which response is active and whether another one is wanted after it."""

    def __init__(self, worker: Callable[[], ConnectionWorker | None]) -> None:
        self._worker = worker
        self._active: str | None = None
        self._wanted = False

    @property
    def idle(self) -> bool:
        """No response is asked for or running."""
        return self._active is None

    @property
    def running(self) -> bool:
        """The server has created a response that is not done yet."""
        return self._active not in (None, PENDING)

    def request(self) -> None:
        """Ask for a response now, or remember to once the active one is done."""
        worker = self._worker()
        if worker is None:
            return
        if self._active is not None:
            self._wanted = True
            return
        self._wanted = False
        self._active = PENDING
        worker.send_event({"type": "response.create"})

    def created(self, response_id: str) -> None:
        self._active = response_id

    def finished(self, follow_ups: list[dict[str, Any]]) -> bool:
        """The active response is done. ``follow_ups`` (tool outputs) are sent and
        answered; True when a new response was asked for."""
        self._active = None
        if follow_ups and self.follow_up(follow_ups):
            return True
        if self._wanted:
            self.request()
            return True
        return False

    def follow_up(self, events: list[dict[str, Any]]) -> bool:
        """Send ``events`` (tool outputs) and ask for the response that answers them
        (after the running one, if any). False when there is no session to send to."""
        worker = self._worker()
        if worker is None:
            return False
        for event in events:
            worker.send_event(event)
        self.request()
        return True

    def create_failed(self) -> None:
        """Our ``response.create`` was refused: nothing is pending any more."""
        if self._active == PENDING:
            self._active = None

    def refused(self) -> None:
        """The server already had a response running: ask again when it is done."""
        self._wanted = True

    def reset(self) -> None:
        """A session started or ended: no response belongs to the new state of things."""
        self._active = None
        self._wanted = False
