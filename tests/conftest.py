"""Suite-wide set-up: headless Qt, one isolation fixture, the sound card, keyrings, Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.support.ci import unavailable
from tests.support.keyrings import MemoryKeyring
from tests.support.x_server import Keyboard, XServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")

#: What the environment may hold that would change a test: every Parley setting
#: (PARLEY_*) and the conventional names of the API keys and the Azure endpoint.
_FOREIGN_VARIABLES = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "AZURE_OPENAI_ENDPOINT",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own directory: settings, history, logs, caches and ``.env`` there,
    never the user's, and no setting or key from the developer's environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PARLEY_") or name in _FOREIGN_VARIABLES:
            monkeypatch.delenv(name)
    return tmp_path


def pulse_available() -> bool:
    if shutil.which("pactl") is None:
        return False
    result = subprocess.run(["pactl", "info"], capture_output=True, check=False, timeout=10)
    return result.returncode == 0


@pytest.fixture(scope="session")
def pulse_server() -> str:
    """The PULSE_SERVER address of the virtual sound card (tests/virtual_audio.sh)."""
    if not pulse_available():
        unavailable("no PulseAudio virtual devices; run `bash tests/virtual_audio.sh start`")
    return os.environ["PULSE_SERVER"]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A desktop with a keyring: an in-memory backend for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What a headless machine has: keyring's 'fail' backend (NoKeyringError)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def x_display() -> Iterator[str]:
    """A private X server for the module; its display name."""
    server = XServer()
    yield server.name
    server.stop()


@pytest.fixture
def x_server() -> Iterator[XServer]:
    """A private X server for one test, which may stop it."""
    server = XServer()
    yield server
    server.stop()


@pytest.fixture
def keyboard(x_display: str) -> Iterator[Keyboard]:
    board = Keyboard(x_display)
    yield board
    board.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB file system (tmpfs), for a disk that really fills up."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        unavailable("cannot mount a small file system here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
