"""When to try a dropped connection again: forever, further apart, never in step.

Delays double from half a second up to a 30-second cap, each drawn at random
from the upper half of its step (so clients dropped by the same outage do not
return in step, and the countdown the user sees stays meaningful). A success
resets the sequence; "attempt now" (a Retry button, the network coming back,
the machine waking) makes the pending attempt due at once without resetting.

Retrying stops at once only for what retrying cannot fix: the list is
:func:`unrecoverable_reason`, the one place the session lifecycle asks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from desktop.realtime import AuthenticationError, ConfigurationError, DialectMismatchError

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0


def unrecoverable_reason(error: object, fatal_reason: str | None = None) -> str | None:
    """The advice to show when a session ended in a way retrying cannot fix; None
    when a retry may help. ``fatal_reason`` is what the server said was fatal (a
    rejected key, no quota, a refused dialect: ``server_events.FATAL_ERRORS``)."""
    if fatal_reason is not None:
        return fatal_reason
    if isinstance(error, AuthenticationError):
        return f"{error} Check your API key ('API key…')."
    if isinstance(error, DialectMismatchError):
        return f"{error}. This server needs the GA dialect; change it in the settings."
    if isinstance(error, ConfigurationError):
        return str(error)
    return None


class ReconnectPolicy:
    """The delay before each attempt, and when the next attempt is due."""

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
        self.attempts = 0
        self._due_at: float | None = None

    def step_s(self, attempt: int) -> float:
        """The upper bound of the delay before retry number ``attempt`` (from 0)."""
        return min(self.max_delay_s, self.first_delay_s * 2.0 ** min(attempt, 32))

    def next_delay(self) -> float:
        """A failure: how long to wait before the next attempt (which is now scheduled)."""
        step = self.step_s(self.attempts)
        delay = self._rng.uniform(step / 2, step)
        self.attempts += 1
        self._due_at = self._clock() + delay
        return delay

    def succeeded(self) -> None:
        """Connected: the next failure starts again from the shortest delay."""
        self.attempts = 0
        self._due_at = None

    def cancel(self) -> None:
        """The user no longer wants to be connected: nothing is due."""
        self._due_at = None

    @property
    def waiting(self) -> bool:
        return self._due_at is not None

    def remaining_s(self) -> float:
        """Seconds until the scheduled attempt (for a countdown); 0 when none is waiting."""
        if self._due_at is None:
            return 0.0
        return max(0.0, self._due_at - self._clock())

    def attempt_now(self) -> bool:
        """Make a waiting attempt due now; False when no attempt is waiting. The
        backoff is not reset: if this attempt fails, the next delay is the next step."""
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
