"""The WebSocket server: paths, per-launch token, framing, and the in-process API."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from desktop.local_engine.chat_client import ChatChoice, ChatEndpoint, check_base_url
from desktop.local_engine.session import EngineServices, Session
from desktop.local_engine.stt import SpeechRecognizer
from desktop.local_engine.tts import Synthesizer
from desktop.protocol import Dialect

log = logging.getLogger(__name__)

#: Paths a client may connect to (``?model=`` and other query parameters are ignored).
REALTIME_PATHS = frozenset({"/v1/realtime", "/realtime", "/openai/v1/realtime"})
#: Above the 15 MiB event limit, so oversize events get an error event, not a close.
MAX_FRAME_BYTES = 16 * 1024 * 1024


def requested_dialect(request: Request) -> Dialect:
    beta_header = request.headers.get("OpenAI-Beta", "")
    return "beta" if "realtime=v1" in beta_header.replace(" ", "").lower() else "ga"


def _token_matches(request: Request, token: str) -> bool:
    offered = request.headers.get("api-key")
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        offered = authorization[7:].strip()
    return offered is not None and hmac.compare_digest(offered.encode(), token.encode())


class LocalEngine:
    """The offline Realtime engine on a background thread.

    ``speech`` is True for the bundled Whisper model, a model directory, or False
    for typed turns only. ``chat_endpoint`` (an OpenAI-compatible base URL such as
    Ollama's ``http://127.0.0.1:11434/v1``) replaces the built-in rule brain for
    replies and tool calls, falling back to it when the endpoint fails; it can be
    changed while the engine runs (:meth:`set_chat_endpoint`). ``token``, when
    set, must come as ``Authorization: Bearer`` or ``api-key``; anything else gets
    HTTP 401 at the handshake.

        with LocalEngine(port=0) as engine:
            url = engine.url   # ws://127.0.0.1:PORT/v1
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        speech: bool | str | Path = True,
        chat_endpoint: str | None = None,
        chat_model: str = "default",
        chat_api_key: str | None = None,
    ) -> None:
        self._chat = ChatChoice()
        self.set_chat_endpoint(chat_endpoint, chat_model, chat_api_key)
        self._host = host
        self._port = port
        self._token = token
        self._recognizer = SpeechRecognizer(speech)
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._startup_error: BaseException | None = None

    # --- public API -------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the engine is not running")
        return self._url

    @property
    def speech_ready(self) -> bool:
        return self._recognizer.ready

    @property
    def speech_error(self) -> str | None:
        """Why spoken turns cannot be transcribed (with an install hint), once known."""
        return self._recognizer.error

    def wait_speech_ready(self, timeout: float | None = None) -> bool:
        """Waits for the speech model to load; True when spoken turns can be transcribed."""
        return self._recognizer.wait(timeout)

    @property
    def chat_endpoint(self) -> ChatEndpoint | None:
        """The chat endpoint replies come from now; None for the built-in brain."""
        return self._chat.get()

    def set_chat_endpoint(
        self, base_url: str | None, model: str = "default", api_key: str | None = None
    ) -> None:
        """Replies come from ``base_url`` (an OpenAI-compatible base such as
        ``http://127.0.0.1:11434/v1``, with ``api_key`` sent as a bearer token) from the
        next response on, in every session; None or "" goes back to the built-in brain.
        Safe from any thread, running or not; raises ValueError for a non-http(s) URL."""
        if not base_url:
            self._chat.set(None)
            return
        check_base_url(base_url)
        self._chat.set(ChatEndpoint(base_url, model or "default", api_key or None))

    def start(self) -> str:
        """Starts serving; returns the base URL once listening."""
        if self._thread is not None:
            return self.url
        self._recognizer.start_loading()
        self._thread = threading.Thread(target=self._run, name="local-engine", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError(f"the engine failed to start: {self._startup_error}")
        return self.url

    def stop(self) -> None:
        """Closes every connection and joins the server thread. Idempotent."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(stop.set)
        thread.join()
        self._recognizer.close()
        self._thread = None
        self._url = None

    def __enter__(self) -> LocalEngine:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- server thread ----------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start() instead of dying silently
            self._startup_error = exc
            log.exception("engine thread failed")
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        stt_executor = ThreadPoolExecutor(1, thread_name_prefix="engine-stt")
        tts_executor = ThreadPoolExecutor(1, thread_name_prefix="engine-tts")
        services = EngineServices(
            self._recognizer, Synthesizer(), stt_executor, tts_executor, self._chat
        )

        async def handler(connection: ServerConnection) -> None:
            assert connection.request is not None
            await _serve_connection(
                connection, Session(requested_dialect(connection.request), services)
            )

        try:
            async with serve(
                handler,
                self._host,
                self._port,
                process_request=self._check_request,
                max_size=MAX_FRAME_BYTES,
                compression=None,
            ) as server:
                self._url = self._base_url(server)
                self._started.set()
                await self._stop.wait()
        finally:
            stt_executor.shutdown(wait=True, cancel_futures=True)
            tts_executor.shutdown(wait=True, cancel_futures=True)

    def _base_url(self, server: Server) -> str:
        host, port = next(iter(server.sockets)).getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"ws://{shown}:{port}/v1"

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path.rstrip("/")
        if path not in REALTIME_PATHS:
            return connection.respond(HTTPStatus.NOT_FOUND, "Use /v1/realtime\n")
        if self._token is not None and not _token_matches(request, self._token):
            return connection.respond(
                HTTPStatus.UNAUTHORIZED,
                "Missing or incorrect token: send 'Authorization: Bearer <token>'.\n",
            )
        return None


async def _serve_connection(connection: ServerConnection, session: Session) -> None:
    async def write() -> None:
        while (frame := await session.next_outgoing()) is not None:
            await connection.send(frame)

    session.open()
    writer = asyncio.ensure_future(write())
    try:
        async for message in connection:
            if isinstance(message, bytes):
                session.handle_binary(len(message))
            else:
                session.handle_text(message)
    except ConnectionClosed:
        pass
    finally:
        session.close()
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            await asyncio.wait_for(writer, timeout=1.0)
        writer.cancel()
