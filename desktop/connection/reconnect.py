"""What to do when a session ends without being asked to: retry after a pause, or give up.

Errors no retry can fix (a rejected key, no quota, the wrong dialect, a bad
configuration) give up at once with advice (:func:`unrecoverable_reason`);
anything else is retried for as long as the user wants to be connected. The
pauses double from half a second up to a 30-second cap, each drawn at random
from the upper half of its step, so that clients dropped by the same outage
do not come back in step and the countdown the user sees stays meaningful. A
live session starts the sequence again; "attempt now" (the Retry button, the
network coming back, the machine waking) makes the waiting attempt due at once
without resetting it, so a failed early attempt costs nothing.

:class:`~desktop.connection.lifecycle.SessionLifecycle` asks this policy every
time its receiver thread ends on its own, and runs the timer it schedules.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.config.places import place
from desktop.realtime import AuthenticationError, ConfigurationError, DialectMismatchError

#: The first pause, and the cap the doubling pauses stop at.
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0


@dataclass(frozen=True)
class Retry:
    delay_s: float
    reason: str


@dataclass(frozen=True)
class GiveUp:
    reason: str


def unrecoverable_reason(error: object, fatal_reason: str | None = None) -> str | None:
    """The advice to show when a session ended in a way retrying cannot fix; None
    when a retry may help. ``fatal_reason`` is what the server said was fatal (a
    rejected key, no quota, a refused dialect: ``server_events.FATAL_ERRORS``)."""
    if fatal_reason is not None:
        return fatal_reason
    if isinstance(error, AuthenticationError):
        return f"{error} Check your API key ('API key…')."
    if isinstance(error, DialectMismatchError):
        return (
            "The server no longer accepts the beta dialect and needs GA: choose GA in "
            f"{place('connection.dialect')}."
        )
    if isinstance(error, ConfigurationError):
        return str(error)
    return None


class ReconnectPolicy:
    """The pause before each attempt since the last live session, and when the next is due.

    ``rng`` and ``clock`` are for tests; ``first_delay_s`` and ``max_delay_s`` scale
    the whole sequence (a test that waits for a two-minute outage shrinks them).
    """

    def __init__(
        self,
        first_delay_s: float = FIRST_DELAY_S,
        max_delay_s: float = MAX_DELAY_S,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self._rng = rng or random.Random()
        self._clock = clock
        #: Failed attempts since the last live session.
        self.attempts = 0
        self._due_at: float | None = None

    def reset(self) -> None:
        """A session is live (or the user connects anew): start from the shortest pause."""
        self.attempts = 0
        self._due_at = None

    def step_s(self, attempt: int) -> float:
        """The longest pause before retry number ``attempt`` (from 0)."""
        return min(self.max_delay_s, self.first_delay_s * 2.0 ** min(attempt, 32))

    def after(self, error: object, fatal_reason: str | None = None) -> Retry | GiveUp:
        """The step after a session ended with ``error`` (None: the socket just closed);
        a :class:`Retry` is scheduled (``remaining_s`` counts down to it)."""
        reason = unrecoverable_reason(error, fatal_reason)
        if reason is not None:
            self._due_at = None
            return GiveUp(reason)
        step = self.step_s(self.attempts)
        delay = self._rng.uniform(step / 2, step)
        self.attempts += 1
        self._due_at = self._clock() + delay
        return Retry(delay, str(error or "Connection lost"))

    def cancel(self) -> None:
        """The user no longer wants to be connected: nothing is due."""
        self._due_at = None

    @property
    def waiting(self) -> bool:
        """Whether an attempt is scheduled."""
        return self._due_at is not None

    def remaining_s(self) -> float:
        """Seconds until the scheduled attempt (for a countdown); 0 when none is waiting."""
        if self._due_at is None:
            return 0.0
        return max(0.0, self._due_at - self._clock())

    def attempt_now(self) -> bool:
        """Make the waiting attempt due now (it is then no longer waiting); False when
        none is waiting. The pauses are not reset: if this attempt fails, the next
        pause is the next step."""
        if self._due_at is None:
            return False
        self._due_at = None
        return True

    def take_due(self) -> bool:
        """Whether the scheduled attempt is due now (it is then no longer waiting)."""
        if self._due_at is None or self._clock() < self._due_at:
            return False
        self._due_at = None
        return True
