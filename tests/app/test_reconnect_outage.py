"""A connection that never gives up, against the offline engine behind a relay that
refuses connections for a while: back by itself when the server returns, at once
when the network comes back, on "Retry now"; and what it was told survives."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from desktop.connection.reconnect import FIRST_DELAY_S, MAX_DELAY_S, ReconnectPolicy
from desktop.connection.state import ConnectionState
from desktop.conversation.controller import ConversationController
from tests.support.conversation import wait_live, wait_reply
from tests.support.relay import DroppingRelay

#: Time runs this much faster in the outage test (the policy's pauses shrink with it).
SCALE = 20.0
OUTAGE_S = 120.0
BACK_WITHIN_S = 35.0
#: A connection's own set-up (a socket, the handshake, session.created) is not scaled.
CONNECT_ALLOWANCE_S = 1.5


def test_a_server_down_for_two_minutes_is_reconnected_within_35_s_of_its_return(
    qtbot: QtBot, relayed_controller: tuple[ConversationController, DroppingRelay]
) -> None:
    controller, relay = relayed_controller
    controller.session.reconnect = ReconnectPolicy(FIRST_DELAY_S / SCALE, MAX_DELAY_S / SCALE)
    states: list[ConnectionState] = []
    pauses: list[float] = []
    controller.connection_state_changed.connect(lambda state, _r: states.append(state))
    controller.retry_scheduled.connect(lambda s: pauses.append(s) if s else None)
    controller.connect_backend()
    wait_live(qtbot, controller)
    controller.send_text("Hello, my name is Ada.")
    wait_reply(qtbot, controller)

    relay.go_down()
    qtbot.wait(int(OUTAGE_S / SCALE * 1000))
    assert ConnectionState.FAILED not in states, "it never gives up"
    assert controller.connection_state is ConnectionState.RECONNECTING
    assert len(pauses) >= 6 and max(pauses) <= MAX_DELAY_S / SCALE
    assert pauses[-1] >= MAX_DELAY_S / SCALE / 2, "the pauses grew to the cap"

    relay.come_back()
    back = time.monotonic()
    wait_live(qtbot, controller)
    took = time.monotonic() - back
    assert took <= BACK_WITHIN_S / SCALE + CONNECT_ALLOWANCE_S, f"{took:.2f} s after its return"

    qtbot.waitUntil(lambda: controller.transcript.entries()[-1].role == "notice", timeout=5000)
    controller.send_text("What is my name?")
    wait_reply(qtbot, controller, count=2)
    assert controller.transcript.entries()[-1].text == "Your name is Ada."


def test_the_network_coming_back_makes_the_waiting_attempt_at_once(
    qtbot: QtBot, relayed_controller: tuple[ConversationController, DroppingRelay]
) -> None:
    controller, relay = relayed_controller
    controller.session.reconnect = ReconnectPolicy(first_delay_s=30.0)  # a long pause
    messages: list[str] = []
    controller.status_message.connect(messages.append)
    controller.connect_backend()
    wait_live(qtbot, controller)
    relay.go_down()
    qtbot.waitUntil(lambda: controller.session.reconnect.waiting, timeout=5000)
    assert controller.session.reconnect.remaining_s() > 10
    assert controller.session.wake.clock_check_running or (
        controller.session.wake.sleep_source == "logind"
    ), "while an attempt waits, a sleep would be noticed"
    relay.come_back()
    controller.session.wake.woke.emit("network")
    wait_live(qtbot, controller)
    assert "The network is back: reconnecting now." in messages
    assert not controller.session.wake.clock_check_running, "nothing runs once live"

    relay.go_down()
    qtbot.waitUntil(lambda: controller.session.reconnect.waiting, timeout=5000)
    relay.come_back()
    assert controller.retry_now(), "the Retry button"
    wait_live(qtbot, controller)
    assert not controller.retry_now(), "nothing waits any more"


def test_a_failed_early_attempt_goes_on_from_where_the_pauses_were(
    qtbot: QtBot, relayed_controller: tuple[ConversationController, DroppingRelay]
) -> None:
    controller, relay = relayed_controller
    policy = controller.session.reconnect = ReconnectPolicy(first_delay_s=8.0, max_delay_s=30.0)
    pauses: list[float] = []
    controller.retry_scheduled.connect(lambda s: pauses.append(s) if s else None)
    controller.connect_backend()
    wait_live(qtbot, controller)
    relay.go_down()
    qtbot.waitUntil(lambda: len(pauses) == 1, timeout=5000)
    assert 4.0 <= pauses[0] <= 8.0
    controller.session.wake.woke.emit("resume")  # the server is still down
    qtbot.waitUntil(lambda: len(pauses) == 2, timeout=5000)
    assert 8.0 <= pauses[1] <= 16.0 and policy.attempts == 2
    relay.come_back()
    assert controller.retry_now()
    wait_live(qtbot, controller)
    assert policy.attempts == 0, "a live session starts the pauses again"
