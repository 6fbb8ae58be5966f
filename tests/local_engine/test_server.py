"""Handshake rules (paths, per-launch token), the CLI, and the in-process lifecycle."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from desktop.local_engine import LocalEngine

TOKEN = "launch-token-for-tests"


@pytest.fixture(scope="module")
def token_engine() -> LocalEngine:
    engine = LocalEngine(port=0, token=TOKEN, speech=False)
    engine.start()
    yield engine
    engine.stop()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"api-key": "wrong"}, {"Authorization": TOKEN}],
)
def test_missing_or_wrong_token_is_refused_with_401(
    token_engine: LocalEngine, headers: dict[str, str]
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{token_engine.url}/realtime", additional_headers=headers, open_timeout=5)
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {TOKEN}"}, {"api-key": TOKEN}])
def test_right_token_is_accepted(token_engine: LocalEngine, headers: dict[str, str]) -> None:
    with connect(f"{token_engine.url}/realtime?model=x", additional_headers=headers) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "session.created"


def test_unknown_path_is_404(token_engine: LocalEngine) -> None:
    base = token_engine.url.removesuffix("/v1")
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{base}/elsewhere", additional_headers={"api-key": TOKEN}, open_timeout=5)
    assert refused.value.response.status_code == 404


def test_plain_realtime_path_is_served(token_engine: LocalEngine) -> None:
    base = token_engine.url.removesuffix("/v1")
    with connect(f"{base}/realtime?model=any", additional_headers={"api-key": TOKEN}) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "session.created"


def test_stop_closes_open_connections_and_is_idempotent() -> None:
    engine = LocalEngine(port=0, speech=False)
    url = engine.start()
    ws = connect(f"{url}/realtime")
    ws.recv(timeout=5)
    started = time.monotonic()
    engine.stop()
    engine.stop()
    assert time.monotonic() - started < 5
    with pytest.raises(Exception):  # noqa: B017 - closed in any of websockets' ways
        for _ in range(3):
            ws.recv(timeout=5)
    ws.close()


def test_chat_endpoint_must_be_an_http_url() -> None:
    with pytest.raises(ValueError, match="http"):
        LocalEngine(chat_endpoint="127.0.0.1:11434")


def test_cli_prints_url_serves_and_exits_cleanly_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop.local_engine", "--host", "127.0.0.1", "--port", "0",
         "--no-speech"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:") and url.endswith("/v1")
        with connect(f"{url}/realtime?model=x") as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "session.created"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
