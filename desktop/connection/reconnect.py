"""What to do when a session ends without being asked to: retry after a pause, or give up.

Errors no retry can fix (a rejected key, the wrong dialect, a bad
configuration) give up at once with advice; anything else is retried after a
growing pause, until the pauses run out. The count starts again once a session
is live. :class:`~desktop.connection.lifecycle.SessionLifecycle` asks this
policy every time its receiver thread ends on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.config.places import place
from desktop.realtime import AuthenticationError, ConfigurationError, DialectMismatchError

#: The pauses before each retry; after the last one the lifecycle gives up.
RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass(frozen=True)
class Retry:
    delay_s: float
    reason: str


@dataclass(frozen=True)
class GiveUp:
    reason: str


class ReconnectPolicy:
    """Counts the attempts since the last live session and decides on the next step."""

    def __init__(self, delays_s: tuple[float, ...] = RETRY_DELAYS_S) -> None:
        self._delays_s = delays_s
        self._attempt = 0

    def reset(self) -> None:
        """A session is live (or the user connects anew): count from the start."""
        self._attempt = 0

    def after(self, error: object) -> Retry | GiveUp:
        """The step after a session ended with ``error`` (None: the socket just closed)."""
        if isinstance(error, AuthenticationError):
            return GiveUp(f"{error} Check your API key ('API key…').")
        if isinstance(error, DialectMismatchError):
            return GiveUp(
                "The server no longer accepts the beta dialect and needs GA: choose GA in "
                f"{place('connection.dialect')}."
            )
        if isinstance(error, ConfigurationError):
            return GiveUp(str(error))
        if self._attempt >= len(self._delays_s):
            return GiveUp(f"Gave up after {self._attempt} attempts: {error}")
        delay = self._delays_s[self._attempt]
        self._attempt += 1
        return Retry(delay, f"{error or 'Connection lost'}; retrying in {delay:g} s")
