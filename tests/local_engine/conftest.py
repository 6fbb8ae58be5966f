"""Fixtures for the offline engine tests: a running engine, plain clients, speech audio."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import soxr

from desktop.local_engine import LocalEngine
from tests.support.ci import unavailable
from tests.support.engine_client import PCM_RATE, EngineClient, Samples, silence


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
def speech_pcm() -> Callable[[str], Samples]:
    """Speech for ``text`` from the espeak-ng program, as 24 kHz int16 samples."""
    program = shutil.which("espeak-ng")
    cache: dict[str, Samples] = {}

    def make(text: str) -> Samples:
        if program is None:
            unavailable("the espeak-ng program is not installed")
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
    """The engine once its speech recogniser has loaded (a failure in CI if it cannot)."""
    if not local_engine.wait_speech_ready(60):
        unavailable(f"speech stack unavailable: {local_engine.speech_error}")
    return local_engine


@pytest.fixture
def make_silence() -> Callable[[int], Samples]:
    return silence
