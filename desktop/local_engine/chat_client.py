"""A streaming client for a user-configured OpenAI-compatible chat endpoint.

Ollama, llama.cpp ``llama-server``, LocalAI and vLLM all serve
``POST {base}/chat/completions`` with ``stream: true`` as server-sent events.
The HTTP read blocks, so it runs on its own thread and hands pieces to the event
loop through a queue; cancelling the consumer stops the reader at the next line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any


class ChatUnavailable(Exception):
    """The chat endpoint could not be reached or answered with something unusable."""


@dataclass(frozen=True)
class ChatEndpoint:
    base_url: str
    model: str = "default"
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 60.0

    @property
    def completions_url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


def check_base_url(base_url: str) -> None:
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(
            "The chat endpoint must be an http(s) URL such as http://127.0.0.1:11434/v1."
        )


class ChatChoice:
    """The chat endpoint replies come from (None: the built-in brain), changeable from
    any thread while the engine runs; each reply reads it once, when it starts."""

    def __init__(self, endpoint: ChatEndpoint | None = None) -> None:
        self._lock = threading.Lock()
        self._endpoint = endpoint

    def get(self) -> ChatEndpoint | None:
        with self._lock:
            return self._endpoint

    def set(self, endpoint: ChatEndpoint | None) -> None:
        with self._lock:
            self._endpoint = endpoint


@dataclass(frozen=True)
class ToolCallFragment:
    """Part of a streamed tool call; fragments with the same index form one call."""

    index: int
    name: str | None
    arguments: str


ChatPiece = str | ToolCallFragment


def _request(endpoint: ChatEndpoint, body: dict[str, Any]) -> urllib.request.Request:
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    return urllib.request.Request(
        endpoint.completions_url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )


def _pieces(chunk: dict[str, Any]) -> Iterator[ChatPiece]:
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") or {}
        if isinstance(delta.get("content"), str) and delta["content"]:
            yield delta["content"]
        for call in delta.get("tool_calls") or []:
            function = call.get("function") or {}
            yield ToolCallFragment(
                index=int(call.get("index", 0)),
                name=function.get("name"),
                arguments=function.get("arguments") or "",
            )


def stream_chat(
    endpoint: ChatEndpoint, body: dict[str, Any], stop: threading.Event
) -> Iterator[ChatPiece]:
    """Blocking: yields text deltas and tool-call fragments until the stream ends."""
    try:
        with urllib.request.urlopen(_request(endpoint, body), timeout=endpoint.timeout_s) as reply:
            for raw in reply:
                if stop.is_set():
                    return
                line = raw.decode("utf-8", errors="replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield from _pieces(json.loads(data))
    except urllib.error.HTTPError as exc:
        raise ChatUnavailable(f"the chat endpoint answered HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise ChatUnavailable(f"the chat endpoint failed: {exc}") from exc


_END = object()


async def stream_chat_async(
    endpoint: ChatEndpoint, body: dict[str, Any]
) -> AsyncIterator[ChatPiece]:
    """:func:`stream_chat` on a reader thread, consumed from the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def deliver(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed under a late reader
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        try:
            for piece in stream_chat(endpoint, body, stop):
                deliver(piece)
            deliver(_END)
        except ChatUnavailable as exc:
            deliver(exc)

    threading.Thread(target=read, name="chat-stream", daemon=True).start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, ChatUnavailable):
                raise item
            assert isinstance(item, str | ToolCallFragment)
            yield item
    finally:
        stop.set()
