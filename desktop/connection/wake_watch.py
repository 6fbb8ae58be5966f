"""Moments when a waiting reconnection should be tried at once: the network is back,
or the machine woke from sleep.

The network comes from Qt's network information API (:class:`QNetworkInformation`,
whichever backend the platform has: NetworkManager, GLib's monitor, Windows'
or macOS' own); without one, nothing is reported and the reconnect pauses
alone apply. Waking from sleep comes from logind's ``PrepareForSleep(false)``
signal on the system D-Bus where there is one (Linux desktops); elsewhere a
clock check notices it: while the machine sleeps the monotonic clock stops and
the wall clock does not, so after waking they disagree by the time slept.

Both sources are events, so an idle app does no work for them; the clock check
is a timer, which runs only while a reconnection is waiting (``set_waiting``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SLOT, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger(__name__)

Reachability = QNetworkInformation.Reachability

LOGIND_SERVICE = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_INTERFACE = "org.freedesktop.login1.Manager"
#: How often the clock check looks, while a reconnection waits.
CLOCK_CHECK_MS = 2000
#: A gap between the wall clock and the monotonic clock this large is a sleep.
CLOCK_JUMP_S = 4.0


class WakeWatch(QObject):
    """Reports that now is a good moment for a waiting reconnection attempt.

    ``system_bus`` is the D-Bus connection to watch logind on (None: the system
    bus, if there is one; tests pass a private bus). ``network`` False leaves the
    network information API alone.

    Signals:
        woke(str): "network" (the operating system reports the network back) or
            "resume" (the machine woke from sleep).
    """

    woke = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        network: bool = True,
        system_bus: Any = None,
        wall_clock: Callable[[], float] = time.time,
        monotonic_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._wall_clock = wall_clock
        self._monotonic_clock = monotonic_clock
        self._offset = 0.0
        #: The network information backend in use ("" when there is none).
        self.network_backend = self._watch_network() if network else ""
        self._was_online = self._online()
        #: How waking from sleep is noticed: "logind" or "clock".
        self.sleep_source = "logind" if self._watch_logind(system_bus) else "clock"
        self._clock_timer = QTimer(self, interval=CLOCK_CHECK_MS)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)

    @property
    def clock_check_running(self) -> bool:
        return self._clock_timer.isActive()

    def set_waiting(self, waiting: bool) -> None:
        """A reconnection is waiting (or no longer): the clock check runs only then."""
        if not waiting or self.sleep_source != "clock":
            self._clock_timer.stop()
        elif not self._clock_timer.isActive():
            self._offset = self._wall_clock() - self._monotonic_clock()
            self._clock_timer.start()

    # -- the network -------------------------------------------------------------------------

    def _watch_network(self) -> str:
        try:
            loaded = QNetworkInformation.loadBackendByFeatures(
                QNetworkInformation.Feature.Reachability
            )
        except Exception as exc:  # a platform plugin that fails to load
            log.info("no network information: %s", exc)
            return ""
        information = QNetworkInformation.instance()
        if not loaded or information is None:
            log.info("no network information backend; reconnecting on its own schedule")
            return ""
        information.reachabilityChanged.connect(self._on_network_reachability_changed)
        return str(information.backendName())

    @staticmethod
    def _online() -> bool:
        information = QNetworkInformation.instance()
        return information is not None and information.reachability() is Reachability.Online

    def _on_network_reachability_changed(self, reachability: Reachability) -> None:
        online = reachability is Reachability.Online
        if online and not self._was_online:
            log.info("the network is back")
            self.woke.emit("network")
        self._was_online = online

    # -- sleep -------------------------------------------------------------------------------

    def _watch_logind(self, system_bus: Any) -> bool:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return False
        bus = system_bus if system_bus is not None else QDBusConnection.systemBus()
        if not bus.isConnected():
            return False
        self._bus = bus  # the connection must outlive the subscription
        # PySide6 takes the slot's signature as text (its stubs say bytes).
        slot = SLOT("_on_logind_prepare_for_sleep(bool)")
        return bool(
            bus.connect(  # type: ignore[call-overload]
                LOGIND_SERVICE, LOGIND_PATH, LOGIND_INTERFACE, "PrepareForSleep", self, slot
            )
        )

    @Slot(bool)
    def _on_logind_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if not going_to_sleep:
            log.info("the machine woke from sleep")
            self.woke.emit("resume")

    def _on_clock_timer_timeout(self) -> None:
        offset = self._wall_clock() - self._monotonic_clock()
        jumped = offset - self._offset
        self._offset = offset
        if jumped >= CLOCK_JUMP_S:  # a wall clock set back is no sleep: ignored
            log.info("the clocks disagree by %.0f s: the machine slept", jumped)
            self.woke.emit("resume")
