"""The reconnect policy on its own: doubling pauses with jitter, a 30 s cap, forever;
reset, "attempt now", the countdown; and the errors that stop retrying at once."""

from __future__ import annotations

import itertools
import random

import pytest

from desktop.connection.reconnect import (
    FIRST_DELAY_S,
    MAX_DELAY_S,
    GiveUp,
    ReconnectPolicy,
    Retry,
    unrecoverable_reason,
)
from desktop.conversation.server_events import FATAL_ERRORS
from desktop.realtime import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionClosed,
    DialectMismatchError,
    HandshakeError,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


REFUSED = ConnectError("connection refused", url="ws://127.0.0.1:9/v1")


def delay(policy: ReconnectPolicy, error: object = REFUSED) -> float:
    step = policy.after(error)
    assert isinstance(step, Retry), step
    return step.delay_s


def test_the_real_defaults_are_half_a_second_doubling_to_30_s() -> None:
    assert (FIRST_DELAY_S, MAX_DELAY_S) == (0.5, 30.0)
    policy = ReconnectPolicy()
    assert [policy.step_s(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    first = policy.after(None)
    assert isinstance(first, Retry) and 0.25 <= first.delay_s <= 0.5
    assert first.reason == "Connection lost" and policy.waiting


def test_delays_double_with_jitter_up_to_30_s_and_never_stop() -> None:
    policy = ReconnectPolicy(rng=random.Random(12))
    delays = [delay(policy) for _ in range(500)]
    steps = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0] + [30.0] * 494
    for pause, step in zip(delays, steps, strict=True):
        assert step / 2 <= pause <= step
    assert max(delays) <= 30.0
    assert len(set(delays[6:])) > 400, "jittered: clients dropped together come back apart"
    assert policy.attempts == 500


def test_two_minutes_down_then_back_is_retried_within_the_cap() -> None:
    policy = ReconnectPolicy(rng=random.Random(3))
    elapsed, attempts_at = 0.0, []
    while elapsed < 120.0:
        elapsed += delay(policy)
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
        delay(policy)
    sixth = delay(policy)
    assert 8.0 <= sixth <= 16.0 and policy.waiting
    clock.now += 3.0
    assert policy.remaining_s() == pytest.approx(sixth - 3.0)
    assert not policy.take_due()
    assert policy.attempt_now() is True  # "Retry now", the network is back, the laptop woke
    assert not policy.waiting
    assert 15.0 <= delay(policy) <= 30.0, "a failed early attempt goes on from there"
    clock.now += 30.0
    assert policy.take_due() and not policy.waiting
    policy.reset()
    assert policy.attempts == 0
    assert 0.25 <= delay(policy) <= 0.5
    policy.cancel()
    assert not policy.waiting


def test_only_what_retrying_cannot_fix_stops_at_once() -> None:
    rejected = AuthenticationError(
        "HTTP 401: rejected", url="wss://x", status=401, backend="openai"
    )
    assert "API key" in (unrecoverable_reason(rejected) or "")
    dialect = unrecoverable_reason(DialectMismatchError(4000, "beta refused"))
    assert dialect is not None and "needs GA" in dialect
    assert unrecoverable_reason(ConfigurationError("no such deployment")) == "no such deployment"
    for code in ("invalid_api_key", "insufficient_quota", "beta_api_shape_disabled"):
        assert unrecoverable_reason(None, FATAL_ERRORS[code]) == FATAL_ERRORS[code]
    assert unrecoverable_reason(ConnectionClosed(1006, "lost")) is None
    assert unrecoverable_reason(HandshakeError("HTTP 503", url="wss://x", status=503)) is None
    assert unrecoverable_reason(None) is None


def test_the_policy_gives_up_at_once_only_on_what_retrying_cannot_fix() -> None:
    policy = ReconnectPolicy()
    rejected = AuthenticationError(
        "The server rejected the key", url="wss://api.openai.com/v1", status=401, backend="openai"
    )
    step = policy.after(rejected)
    assert isinstance(step, GiveUp) and "Check your API key" in step.reason
    assert not policy.waiting
    fatal = policy.after(None, FATAL_ERRORS["insufficient_quota"])
    assert fatal == GiveUp(FATAL_ERRORS["insufficient_quota"])
    for _ in range(100):  # anything else: never
        assert isinstance(policy.after(REFUSED), Retry)
    last = policy.after(None)
    assert isinstance(last, Retry) and last.reason == "Connection lost"
