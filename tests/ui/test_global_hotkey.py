"""The global push-to-talk key, grabbed on a real X server (a private Xvfb)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.x_server import Keyboard, XServer
from ui.global_hotkey import GlobalHotkey, HotkeyError, unavailable_reason, x_key

Grab = Callable[[str], tuple[GlobalHotkey, list[str]]]


@pytest.fixture
def grab(x_display: str) -> Iterator[Grab]:
    """Grab a key on the private X server; its hotkey and the events it reports."""
    made: list[GlobalHotkey] = []

    def start(key: str) -> tuple[GlobalHotkey, list[str]]:
        hotkey = GlobalHotkey(key, x_display)
        made.append(hotkey)
        events: list[str] = []
        hotkey.pressed.connect(lambda: events.append("pressed"))
        hotkey.released.connect(lambda: events.append("released"))
        hotkey.start()
        return hotkey, events

    yield start
    for hotkey in made:
        hotkey.stop()


def test_holding_the_key_anywhere_is_one_press_and_one_release(
    keyboard: Keyboard, grab: Grab, qtbot
) -> None:
    _, events = grab("F9")
    keyboard.press("F9")
    qtbot.waitUntil(lambda: events == ["pressed"], timeout=3000)
    # Held past the auto-repeat delay: repeats must not read as release + press.
    time.sleep(0.9)
    keyboard.release("F9")
    qtbot.waitUntil(lambda: events == ["pressed", "released"], timeout=3000)
    qtbot.wait(100)
    assert events == ["pressed", "released"]


def test_a_key_with_modifiers_fires_only_with_them(keyboard: Keyboard, grab: Grab, qtbot) -> None:
    _, events = grab("Ctrl+Alt+Space")
    keyboard.press("space")
    keyboard.release("space")
    qtbot.wait(150)
    assert events == []
    keyboard.press("Control_L", "Alt_L", "space")
    keyboard.release("Control_L", "Alt_L", "space")
    qtbot.waitUntil(lambda: events == ["pressed", "released"], timeout=3000)


def test_a_key_another_application_holds_is_refused_with_a_reason(
    x_display: str, grab: Grab
) -> None:
    first, _ = grab("F10")
    second = GlobalHotkey("F10", x_display)
    try:
        with pytest.raises(HotkeyError, match="already taken"):
            second.start()
        assert not second.active
        first.stop()
        second.start()  # free again once the first let go
        assert second.active
    finally:
        second.stop()


def test_stop_lets_the_key_go(keyboard: Keyboard, grab: Grab, qtbot) -> None:
    hotkey, events = grab("F8")
    hotkey.stop()
    assert not hotkey.active
    keyboard.press("F8")
    keyboard.release("F8")
    qtbot.wait(150)
    assert events == []


def test_unusable_keys_and_displays_are_clear_errors(x_display: str) -> None:
    with pytest.raises(HotkeyError, match="not one key"):
        GlobalHotkey("F9, F10", x_display).start()
    with pytest.raises(HotkeyError, match="X display"):
        GlobalHotkey("F9", ":97").start()
    assert x_key("Ctrl+Alt+Space")[0] == "space"
    assert x_key("ScrollLock") == ("Scroll_Lock", 0)


def test_other_platforms_say_why_there_is_no_global_key() -> None:
    assert unavailable_reason("xcb") is None
    reason = unavailable_reason("wayland")
    assert reason is not None and "X11" in reason
    assert unavailable_reason("offscreen") is not None


def test_a_vanished_x_server_is_reported(x_server: XServer, qtbot) -> None:
    hotkey = GlobalHotkey("F9", x_server.name)
    hotkey.start()
    try:
        with qtbot.waitSignal(hotkey.failed, timeout=5000) as failure:
            x_server.stop()
        assert "stopped working" in failure.args[0]
    finally:
        hotkey.stop()
