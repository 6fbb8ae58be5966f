"""The moments a waiting reconnection is tried at once: the network back (Qt's network
information), the machine awake (logind on a real D-Bus daemon, or the clocks);
and none of it costs anything while nothing waits."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtNetwork import QNetworkInformation
from pytestqt.qtbot import QtBot

from desktop.connection.wake_watch import (
    CLOCK_CHECK_MS,
    LOGIND_INTERFACE,
    LOGIND_PATH,
    LOGIND_SERVICE,
    WakeWatch,
)
from tests.support.ci import unavailable

REPO_ROOT = Path(__file__).resolve().parents[2]
Reachability = QNetworkInformation.Reachability


@pytest.fixture
def bus_address() -> Iterator[str]:
    """A D-Bus daemon of the test's own, standing in for the system bus."""
    if shutil.which("dbus-daemon") is None:
        unavailable("dbus-daemon is not installed")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    yield address
    daemon.terminate()
    daemon.wait(timeout=10)
    daemon.stdout.close()


def no_bus() -> QDBusConnection:
    """A bus connection that failed: a machine without a system bus."""
    return QDBusConnection.connectToBus("unix:path=/nonexistent/bus", "parley-test-no-bus")


def test_the_network_coming_back_is_reported_once(qtbot: QtBot) -> None:
    watch = WakeWatch(system_bus=no_bus())
    information = QNetworkInformation.instance()
    if not watch.network_backend or information is None:
        unavailable("no network information backend on this machine")
    woke: list[str] = []
    watch.woke.connect(woke.append)
    information.reachabilityChanged.emit(Reachability.Disconnected)
    information.reachabilityChanged.emit(Reachability.Online)
    information.reachabilityChanged.emit(Reachability.Online)
    information.reachabilityChanged.emit(Reachability.Local)
    assert woke == ["network"]


def test_without_a_network_backend_it_says_so_and_carries_on() -> None:
    child = textwrap.dedent(
        """
        import tempfile
        from PySide6.QtCore import QCoreApplication
        app = QCoreApplication([])
        QCoreApplication.setLibraryPaths([tempfile.mkdtemp()])  # no plugins at all
        from desktop.connection.wake_watch import WakeWatch
        watch = WakeWatch()
        print(repr(watch.network_backend), watch.sleep_source)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["''", "clock"]


def test_logind_waking_the_machine_is_reported(qtbot: QtBot, bus_address: str) -> None:
    bus = QDBusConnection.connectToBus(bus_address, "parley-test-watch")
    watch = WakeWatch(network=False, system_bus=bus)
    assert watch.sleep_source == "logind"
    watch.set_waiting(True)
    assert not watch.clock_check_running, "logind says so: no clock check"
    logind = QDBusConnection.connectToBus(bus_address, "parley-test-logind")
    assert logind.registerService(LOGIND_SERVICE)
    woke: list[str] = []
    watch.woke.connect(woke.append)

    def prepare_for_sleep(going: bool) -> None:
        message = QDBusMessage.createSignal(LOGIND_PATH, LOGIND_INTERFACE, "PrepareForSleep")
        message.setArguments([going])
        assert logind.send(message)

    prepare_for_sleep(True)
    prepare_for_sleep(False)
    qtbot.waitUntil(lambda: woke == ["resume"], timeout=5000)
    qtbot.wait(200)
    assert woke == ["resume"], "going to sleep is no reason to reconnect"


class Clocks:
    """A wall clock and a monotonic one; sleeping stops only the monotonic one."""

    def __init__(self) -> None:
        self.wall = 1_780_000_000.0
        self.monotonic = 500.0

    def sleep(self, seconds: float) -> None:
        self.wall += seconds


def test_without_logind_the_clocks_tell_a_sleep_and_only_while_waiting(qtbot: QtBot) -> None:
    clocks = Clocks()
    watch = WakeWatch(
        network=False,
        system_bus=no_bus(),
        wall_clock=lambda: clocks.wall,
        monotonic_clock=lambda: clocks.monotonic,
    )
    assert watch.sleep_source == "clock"
    assert not watch.clock_check_running, "nothing runs while no attempt waits"
    woke: list[str] = []
    watch.woke.connect(woke.append)
    watch.set_waiting(True)
    assert watch.clock_check_running
    clocks.wall -= 3600  # the clock set back an hour: no sleep
    qtbot.wait(CLOCK_CHECK_MS + 300)
    assert woke == []
    clocks.sleep(600)
    qtbot.waitUntil(lambda: woke == ["resume"], timeout=CLOCK_CHECK_MS * 2)
    watch.set_waiting(False)
    assert not watch.clock_check_running
