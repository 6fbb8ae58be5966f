"""A stdio server's error output: read as it comes, only its last lines kept.

The server writes into a pipe that the event loop drains, so a chatty server never
blocks on a full pipe and memory stays bounded however long it runs. The pipe
reaches its end when every process holding it has exited, which is how a server
that dies between calls is noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from typing import IO, TextIO

KEEP_BYTES = 8192
SHOWN_LINES = 12


class _TailProtocol(asyncio.Protocol):
    def __init__(self, tail: StderrTail) -> None:
        self._tail = tail

    def data_received(self, data: bytes) -> None:
        self._tail.add(data)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._tail.end()


class StderrTail:
    """A pipe for a child's stderr (:attr:`writer`) and the end of what came out of it.

    Call :meth:`start` on the event loop before the child is spawned with
    ``stderr=tail.writer``, and :meth:`close_writer` once it has been spawned (or failed
    to spawn), so that the pipe ends when the child does; ``on_end`` is then called
    on the event loop.
    """

    def __init__(self, on_end: Callable[[], None] | None = None) -> None:
        self._on_end = on_end
        read_fd, write_fd = os.pipe()
        self._reader: IO[bytes] = os.fdopen(read_fd, "rb", buffering=0)
        self.writer: TextIO = os.fdopen(write_fd, "w")
        self._buffer = bytearray()
        self._transport: asyncio.ReadTransport | None = None
        self.ended = asyncio.Event()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.connect_read_pipe(lambda: _TailProtocol(self), self._reader)

    def add(self, data: bytes) -> None:
        self._buffer.extend(data)
        if len(self._buffer) > KEEP_BYTES:
            del self._buffer[: len(self._buffer) - KEEP_BYTES]

    def end(self) -> None:
        self.ended.set()
        if self._on_end is not None:
            self._on_end()

    def close_writer(self) -> None:
        with contextlib.suppress(OSError):
            self.writer.close()

    async def wait_ended(self, timeout: float) -> bool:
        """Waits until every holder of the pipe has exited; False after ``timeout``."""
        try:
            await asyncio.wait_for(self.ended.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def text(self, lines: int = SHOWN_LINES) -> str:
        """The last ``lines`` lines, without a partial first line when the start was cut."""
        text = self._buffer.decode("utf-8", errors="replace")
        if len(self._buffer) >= KEEP_BYTES and "\n" in text:
            text = text.split("\n", 1)[1]
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def close(self) -> None:
        self.close_writer()
        if self._transport is not None:
            self._transport.close()
        else:
            with contextlib.suppress(OSError):
                self._reader.close()
