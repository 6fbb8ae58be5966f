"""Fixtures for the offline engine tests: a running engine, plain clients, speech audio."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import soxr
from websockets.sync.client import ClientConnection, connect

from desktop.local_engine import LocalEngine

PCM_RATE = 24000


class EngineClient:
    """A plain WebSocket client speaking JSON events, for protocol assertions."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.ws: ClientConnection = connect(
            url, additional_headers=headers or {}, max_size=None, open_timeout=10
        )
        self.created = self.recv()
        self.conversation = self.recv()

    def send(self, event_type: str, **fields: Any) -> None:
        self.ws.send(json.dumps({"type": event_type, **fields}))

    def send_raw(self, frame: str | bytes) -> None:
        self.ws.send(frame)

    def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
        return event

    def collect_until(self, event_type: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Events up to and including the first one of ``event_type``."""
        events = []
        while True:
            event = self.recv(timeout)
            events.append(event)
            if event["type"] == event_type:
                return events

    def next_of(self, event_type: str, timeout: float = 15.0) -> dict[str, Any]:
        return self.collect_until(event_type, timeout)[-1]

    def say_typed(self, text: str, **response: Any) -> None:
        self.send(
            "conversation.item.create",
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        )
        if response:
            self.send("response.create", response=response)
        else:
            self.send("response.create")

    def append_audio(self, samples: np.ndarray[Any, Any], chunk_ms: int = 20) -> None:
        step = PCM_RATE * chunk_ms // 1000
        for start in range(0, len(samples), step):
            chunk = samples[start : start + step].astype("<i2").tobytes()
            self.send("input_audio_buffer.append", audio=base64.b64encode(chunk).decode())

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="session")
def local_engine() -> Iterator[LocalEngine]:
    """One engine with the speech stack for the whole directory (its model loads once)."""
    with LocalEngine(host="127.0.0.1", port=0, speech=True) as engine:
        yield engine


@pytest.fixture
def connect_client(local_engine: LocalEngine) -> Iterator[Callable[..., EngineClient]]:
    clients: list[EngineClient] = []

    def factory(
        beta: bool = False, url: str | None = None, headers: dict[str, str] | None = None
    ) -> EngineClient:
        all_headers = dict(headers or {})
        if beta:
            all_headers["OpenAI-Beta"] = "realtime=v1"
        client = EngineClient(url or f"{local_engine.url}/realtime?model=test", all_headers)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(connect_client: Callable[..., EngineClient]) -> EngineClient:
    return connect_client()


@pytest.fixture(scope="session")
def speech_pcm() -> Callable[[str], np.ndarray[Any, Any]]:
    """Speech for ``text`` from the espeak-ng program, as 24 kHz int16 samples."""
    program = shutil.which("espeak-ng")
    cache: dict[str, np.ndarray[Any, Any]] = {}

    def make(text: str) -> np.ndarray[Any, Any]:
        if program is None:
            pytest.skip("the espeak-ng program is not installed")
        if text not in cache:
            wav_bytes = subprocess.run(
                [program, "--stdout", "-v", "en-us", "-s", "160", text],
                capture_output=True,
                check=True,
                timeout=30,
            ).stdout
            with wave.open(io.BytesIO(wav_bytes)) as wav:
                rate = wav.getframerate()
                pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
            cache[text] = soxr.resample(pcm, rate, PCM_RATE).astype(np.int16)
        return cache[text]

    return make


@pytest.fixture
def speech_engine(local_engine: LocalEngine) -> LocalEngine:
    if not local_engine.wait_speech_ready(60):
        pytest.skip(f"speech stack unavailable: {local_engine.speech_error}")
    return local_engine


def silence(ms: int) -> np.ndarray[Any, Any]:
    return np.zeros(PCM_RATE * ms // 1000, dtype=np.int16)


@pytest.fixture
def make_silence() -> Callable[[int], np.ndarray[Any, Any]]:
    return silence
