"""The offline engine's language model: from the settings to the engine, and its check.

:func:`engine_chat` reads the chat endpoint from the settings and its key from the
key store; the controller hands it to the engine host whenever either changes, so
a running engine takes it at its next reply. :class:`ChatEndpointCheck` asks an
endpoint for its models on a thread of its own (it may take seconds) and reports
back on the GUI thread.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal

from desktop.config.secrets import KeyStore
from desktop.config.settings import Settings
from desktop.connection.backends import EngineChat

#: How long the check waits for the endpoint's model list.
CHECK_TIMEOUT_S = 10.0


def engine_chat(settings: Settings, keys: KeyStore) -> EngineChat:
    """The language model the settings choose for the offline engine (none: its rules)."""
    engine = settings.engine
    if not engine.chat_endpoint:
        return EngineChat()
    return EngineChat(engine.chat_endpoint, engine.chat_model, keys.chat_key())


class ChatEndpointCheck(QObject):
    """Checks a chat endpoint off the GUI thread; one check at a time (a new one
    supersedes the one running, whose answer is then dropped).

    Signals:
        finished(bool, str): whether the endpoint answered, and a sentence for the
            user: the models it lists, or what is wrong.
    """

    finished = Signal(bool, str)
    _done = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = 0
        self._threads: list[threading.Thread] = []
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def start(self, base_url: str, api_key: str | None) -> None:
        self._serial += 1
        serial = self._serial
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(
            target=self._run, args=(serial, base_url, api_key), name="chat-check", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        """Drop the answer of any running check (the thread ends on its own timeout)."""
        self._serial += 1

    def wait(self, timeout: float = CHECK_TIMEOUT_S + 2) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, serial: int, base_url: str, api_key: str | None) -> None:
        if not base_url.strip():
            self._done.emit(serial, (False, "Enter the chat endpoint's URL first."))
            return
        try:
            from desktop.local_engine.chat_check import check_chat_endpoint
        except ImportError as exc:  # a build without the offline engine
            self._done.emit(serial, (False, f"The offline engine is not installed ({exc})."))
            return
        result = check_chat_endpoint(base_url, api_key, timeout_s=CHECK_TIMEOUT_S)
        self._done.emit(serial, (result.ok, result.summary()))

    def _on_done(self, serial: int, outcome: tuple[bool, str]) -> None:
        if serial == self._serial:
            self.finished.emit(*outcome)
