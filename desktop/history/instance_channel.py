"""One Parley at a time: the first instance listens, a second one asks it to come forward.

The first instance (the one holding the :class:`InstanceLock`) listens on a
local socket named after the user's data directory. A second instance asks it
to show its window and then exits; if no answer comes (the first is stuck, or
sockets are not allowed), the second opens the history read-only instead, so
the user still has a working window and nothing is written twice.
"""

from __future__ import annotations

import logging
from typing import Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.history.instance_lock import InstanceLock, instance_server_name

log = logging.getLogger(__name__)

SHOW_REQUEST = b"show\n"
SHOWN_REPLY = b"shown\n"
#: How long a second instance waits for the first one's answer.
ASK_TIMEOUT_MS = 3000

Claim = Literal["first", "forwarded", "read-only"]


class InstanceServer(QObject):
    """The first instance's ear: another Parley asks it to come forward.

    Signals:
        show_requested(): another instance was started; the window should come forward.
    """

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # Only the holder of the instance lock gets here, so a socket left by a
        # crashed first instance is stale and may go.
        QLocalServer.removeServer(name)
        self.listening = self._server.listen(name)
        if not self.listening:
            log.warning("cannot listen for other instances: %s", self._server.errorString())
        self._server.newConnection.connect(self._on_server_new_connection)

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        if bytes(socket.readLine().data()) == SHOW_REQUEST:
            log.info("another Parley was started: coming forward")
            socket.write(SHOWN_REPLY)
            socket.flush()
            self.show_requested.emit()
        socket.disconnectFromServer()


def ask_first_to_show(name: str, timeout_ms: int = ASK_TIMEOUT_MS) -> bool:
    """Ask the running instance to show its window; True when it said it did."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    try:
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(SHOW_REQUEST)
        if not socket.waitForBytesWritten(timeout_ms):
            return False
        while not socket.canReadLine():
            if not socket.waitForReadyRead(timeout_ms):
                return False
        return bytes(socket.readLine().data()) == SHOWN_REPLY
    finally:
        socket.abort()


def claim_instance(lock: InstanceLock, name: str | None = None) -> Claim:
    """ "first" when this process holds the lock (it should then listen); "forwarded"
    when the running instance came forward (this one should exit); "read-only" when
    another instance holds the lock but did not answer."""
    if lock.acquire():
        return "first"
    if ask_first_to_show(name or instance_server_name(lock.path)):
        return "forwarded"
    log.warning("Parley (pid %s) holds the history but did not answer", lock.owner_pid)
    return "read-only"
