"""Suite-wide set-up: headless Qt, and the virtual sound card when it runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The API key must never come from the developer's own environment in tests.
for _name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"):
    os.environ.pop(_name, None)
os.environ.setdefault("PULSE_SERVER", "unix:/tmp/parley-pulse/native")

REPO_ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.x_server"]


def pulse_available() -> bool:
    if shutil.which("pactl") is None:
        return False
    result = subprocess.run(["pactl", "info"], capture_output=True, check=False, timeout=10)
    return result.returncode == 0


@pytest.fixture(scope="session")
def pulse_server() -> str:
    """The PULSE_SERVER address of the virtual sound card (tests/virtual_audio.sh)."""
    if not pulse_available():
        if os.environ.get("CI"):
            pytest.fail("the virtual sound card is not running (tests/virtual_audio.sh start)")
        pytest.skip("no PulseAudio virtual devices; run `bash tests/virtual_audio.sh start`")
    return os.environ["PULSE_SERVER"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in memory: the 'desktop with a keyring' case."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
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
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(directory: Path) -> Path:
    """Take every free byte of the file system ``directory`` is on."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(bytes(4096))
        except OSError:
            pass
    return filler
