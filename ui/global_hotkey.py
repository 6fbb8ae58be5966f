"""A push-to-talk key that works while other applications have focus (X11).

The key is grabbed on the X root window (``XGrabKey``), so the X server sends
its presses and releases to us whichever window has focus, and to nobody
else: choose a key no other application needs (F9, Pause, Ctrl+Alt+Space).
Wayland, Windows and macOS need other mechanisms; ``unavailable_reason``
says so instead of pretending.

A plain Python thread owns the X connection (python-xlib is not thread-safe)
and emits this object's signals; Qt queues them to the receivers' threads.
Held keys auto-repeat as release+press pairs with one timestamp; such a pair
is swallowed, so a held key is one press and one release.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from typing import Any

from PySide6.QtCore import QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence

log = logging.getLogger(__name__)

# Qt's names for keys whose X keysym is spelled differently.
_KEYSYM_NAMES = {
    "Space": "space",
    "ScrollLock": "Scroll_Lock",
    "NumLock": "Num_Lock",
    "CapsLock": "Caps_Lock",
    "PgUp": "Prior",
    "PgDown": "Next",
    "Ins": "Insert",
    "Del": "Delete",
    "Esc": "Escape",
    "Backspace": "BackSpace",
    "Print": "Print",
    "Menu": "Menu",
}
# A release followed this soon by a press with the same timestamp is auto-repeat.
REPEAT_WINDOW_S = 0.03
GRAB_TIMEOUT_S = 3.0


def unavailable_reason(platform_name: str) -> str | None:
    """Why a global hotkey cannot work here, or None when it can (X11 with python-xlib)."""
    if platform_name != "xcb":
        return (
            "A global push-to-talk key needs an X11 session; this one uses "
            f"{platform_name!r}. Hold the push-to-talk key while Parley's window has focus."
        )
    try:
        import Xlib  # noqa: F401
    except ImportError:
        return "A global push-to-talk key needs the python-xlib package."
    return None


class HotkeyError(Exception):
    """The key cannot be grabbed (unknown, already taken, or no X display)."""


def x_key(name: str) -> tuple[str, int]:
    """The X keysym name and modifier mask for a Qt key name like ``"Ctrl+Alt+F9"``."""
    from Xlib import X

    sequence = QKeySequence.fromString(name.strip(), QKeySequence.SequenceFormat.PortableText)
    if sequence.count() != 1:
        raise HotkeyError(f"{name!r} is not one key (e.g. F9 or Ctrl+Alt+Space).")
    combination: QKeyCombination = sequence[0]  # type: ignore[index]  # stubs lack it
    modifiers = combination.keyboardModifiers()
    mask = 0
    for qt_modifier, x_mask in (
        (Qt.KeyboardModifier.ControlModifier, X.ControlMask),
        (Qt.KeyboardModifier.ShiftModifier, X.ShiftMask),
        (Qt.KeyboardModifier.AltModifier, X.Mod1Mask),
        (Qt.KeyboardModifier.MetaModifier, X.Mod4Mask),
    ):
        if modifiers & qt_modifier:
            mask |= x_mask
    key_name = QKeySequence(combination.key()).toString(QKeySequence.SequenceFormat.PortableText)
    return _KEYSYM_NAMES.get(key_name, key_name), mask


class GlobalHotkey(QObject):
    """Grabs ``key`` on an X display and reports it held and let go.

    Signals:
        pressed(): the key went down (not auto-repeat).
        released(): the key came up.
        failed(str): the X connection broke after the grab (why).
    """

    pressed = Signal()
    released = Signal()
    failed = Signal(str)

    def __init__(self, key: str, display_name: str | None = None) -> None:
        super().__init__()
        self.key = key
        self._display_name = display_name
        self._thread: threading.Thread | None = None
        self._wake_read, self._wake_write = -1, -1
        self._grabbed = threading.Event()
        self._error: str | None = None

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Grab the key; raises HotkeyError (with a message for the user) when it cannot."""
        self.stop()
        self._grabbed.clear()
        self._error = None
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="global-hotkey", daemon=True)
        self._thread.start()
        if not self._grabbed.wait(GRAB_TIMEOUT_S):
            self._error = self._error or "The X server did not answer."
        if self._error is not None:
            error = self._error
            self.stop()
            raise HotkeyError(error)

    def stop(self) -> None:
        """Release the grab and end the thread; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is not None:
            os.write(self._wake_write, b"x")
            thread.join(timeout=GRAB_TIMEOUT_S)
        for fd in (self._wake_read, self._wake_write):
            if fd >= 0:
                os.close(fd)
        self._wake_read, self._wake_write = -1, -1

    # ----- the listener thread ------------------------------------------------

    def _run(self) -> None:
        try:
            display, keycode = self._grab()
        except Exception as exc:  # Xlib raises many types; the user needs one message
            self._error = str(exc) if isinstance(exc, HotkeyError) else f"X11: {exc}"
            self._grabbed.set()
            return
        self._grabbed.set()
        try:
            self._listen(display, keycode)
        except Exception as exc:  # a broken connection must not kill the app
            if self._thread is not None:
                log.warning("global push-to-talk key stopped: %s", exc)
                self.failed.emit(f"The global push-to-talk key stopped working: {exc}")
        finally:
            with contextlib.suppress(Exception):  # closing a dead connection raises again
                display.close()

    def _grab(self) -> tuple[Any, int]:
        from Xlib import XK, X, display, error

        keysym_name, mask = x_key(self.key)
        keysym = XK.string_to_keysym(keysym_name) or XK.string_to_keysym(keysym_name.lower())
        if not keysym:
            raise HotkeyError(f"X11 has no key called {keysym_name!r}.")
        try:
            connection = display.Display(self._display_name)
        except Exception as exc:
            raise HotkeyError(f"Cannot reach the X display: {exc}") from exc
        keycode = connection.keysym_to_keycode(keysym)
        if not keycode:
            connection.close()
            raise HotkeyError(f"The keyboard has no {self.key} key.")
        catcher = error.CatchError(error.BadAccess)
        root = connection.screen().root
        # Lock (Caps Lock) and Mod2 (usually Num Lock) must not defeat the grab.
        for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
            root.grab_key(
                keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
            )
        connection.sync()
        if catcher.get_error() is not None:
            connection.close()
            raise HotkeyError(f"{self.key} is already taken by another application.")
        return connection, int(keycode)

    def _listen(self, connection: Any, keycode: int) -> None:
        from Xlib import X

        held = False
        release_time: int | None = None  # a release that may be half of an auto-repeat
        while True:
            timeout = REPEAT_WINDOW_S if release_time is not None else None
            if not connection.pending_events():
                ready, _, _ = select.select([connection.fileno(), self._wake_read], [], [], timeout)
                if self._wake_read in ready:
                    return
                if not ready and release_time is not None:
                    release_time = None
                    if held:
                        held = False
                        self.released.emit()
                    continue
            while connection.pending_events():
                event = connection.next_event()
                if getattr(event, "detail", None) != keycode:
                    continue
                if event.type == X.KeyRelease:
                    release_time = int(event.time)
                    continue
                if event.type != X.KeyPress:
                    continue
                if release_time is not None:
                    repeat = release_time == int(event.time)
                    release_time = None
                    if repeat:
                        continue  # still held
                    if held:
                        held = False
                        self.released.emit()
                if not held:
                    held = True
                    self.pressed.emit()
