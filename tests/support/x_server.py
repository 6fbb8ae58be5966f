"""A private X server (Xvfb) and a keyboard that types on it through XTEST."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.support.ci import unavailable


class XServer:
    """An Xvfb process of our own; ``name`` is its display (":N")."""

    def __init__(self) -> None:
        if shutil.which("Xvfb") is None:
            unavailable("Xvfb is not installed (packaging/system-deps.sh test)")
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-nolisten",
                "tcp",
                # An X server resets when its last client leaves; a test connecting
                # during that reset gets "connection reset by peer".
                "-noreset",
                "-screen",
                "0",
                "320x240x24",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        number = b""
        try:
            while not number.endswith(b"\n"):
                part = os.read(read_end, 16)
                if not part:
                    self.process.wait(timeout=10)
                    pytest.fail("Xvfb exited before it announced its display")
                number += part
        finally:
            os.close(read_end)
        self.name = f":{number.decode().strip()}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Keyboard:
    """Presses keys on the X server through XTEST, as a user would."""

    def __init__(self, display_name: str) -> None:
        from Xlib import display

        self.display: Any = display.Display(display_name)

    def _keycode(self, keysym_name: str) -> int:
        from Xlib import XK

        return int(self.display.keysym_to_keycode(XK.string_to_keysym(keysym_name)))

    def press(self, *names: str) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        for name in names:
            xtest.fake_input(self.display, X.KeyPress, self._keycode(name))
        self.display.sync()

    def release(self, *names: str) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        for name in reversed(names):
            xtest.fake_input(self.display, X.KeyRelease, self._keycode(name))
        self.display.sync()

    def close(self) -> None:
        self.display.close()
