"""The reconnect policy: doubling delays with jitter, a 30 s cap, forever; reset,
"attempt now", the countdown; and the errors that stop retrying at once."""

from __future__ import annotations

import itertools
import random

import pytest

from desktop.history import ReconnectPolicy, unrecoverable_reason
from desktop.realtime import (
    AuthenticationError,
    ConfigurationError,
    ConnectionClosed,
    DialectMismatchError,
    HandshakeError,
)
from desktop.server_events import FATAL_ERRORS


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_with_jitter_up_to_30_s_and_never_stop() -> None:
    policy = ReconnectPolicy(rng=random.Random(12))
    delays = [policy.next_delay() for _ in range(500)]
    steps = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0] + [30.0] * 494
    for delay, step in zip(delays, steps, strict=True):
        assert step / 2 <= delay <= step
    assert max(delays) <= 30.0
    assert len(set(delays[6:])) > 400, "jittered: clients dropped together come back apart"
    assert policy.attempts == 500


def test_two_minutes_down_then_back_is_retried_within_the_cap() -> None:
    policy = ReconnectPolicy(rng=random.Random(3))
    elapsed, attempts_at = 0.0, []
    while elapsed < 120.0:
        elapsed += policy.next_delay()
        attempts_at.append(elapsed)
    # The server returns at 120 s: the first attempt after that is at most 30 s later.
    assert attempts_at[-1] - 120.0 <= 30.0
    gaps = [b - a for a, b in itertools.pairwise(attempts_at)]
    assert max(gaps) <= 30.0


def test_success_resets_and_attempt_now_keeps_the_backoff() -> None:
    clock = Clock()
    policy = ReconnectPolicy(rng=random.Random(5), clock=clock)
    assert not policy.waiting and policy.remaining_s() == 0.0
    assert policy.attempt_now() is False, "nothing was waiting"
    for _ in range(5):
        policy.next_delay()
    delay = policy.next_delay()
    assert 8.0 <= delay <= 16.0 and policy.waiting
    clock.now += 3.0
    assert policy.remaining_s() == pytest.approx(delay - 3.0)
    assert not policy.take_due()
    assert policy.attempt_now() is True  # "Retry now", the network is back, the laptop woke
    assert not policy.waiting
    assert 15.0 <= policy.next_delay() <= 30.0, "a failed early attempt goes on from there"
    clock.now += 30.0
    assert policy.take_due() and not policy.waiting
    policy.succeeded()
    assert policy.attempts == 0
    assert 0.25 <= policy.next_delay() <= 0.5
    policy.cancel()
    assert not policy.waiting


def test_only_what_retrying_cannot_fix_stops_at_once() -> None:
    rejected = AuthenticationError(
        "HTTP 401: rejected", url="wss://x", status=401, backend="openai"
    )
    assert "API key" in (unrecoverable_reason(rejected) or "")
    dialect = unrecoverable_reason(DialectMismatchError(4000, "beta refused"))
    assert dialect is not None and "GA dialect" in dialect
    assert unrecoverable_reason(ConfigurationError("no such deployment")) == "no such deployment"
    for code in ("invalid_api_key", "insufficient_quota", "beta_api_shape_disabled"):
        assert unrecoverable_reason(None, FATAL_ERRORS[code]) == FATAL_ERRORS[code]
    assert unrecoverable_reason(ConnectionClosed(1006, "lost")) is None
    assert unrecoverable_reason(HandshakeError("HTTP 503", url="wss://x", status=503)) is None
    assert unrecoverable_reason(None) is None
