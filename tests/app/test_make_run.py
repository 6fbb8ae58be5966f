"""`make run` as a new user runs it: a fresh copy of the project, a sound server found
the ordinary way (its default socket in the session's runtime directory, no
PULSE_SERVER), an X display, no flags. The app must open both audio streams, hear
a question spoken into the default microphone and answer it aloud."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio_files import espeak_wav
from tests.support.sound_card import MonitorRecorder, PrivateSoundServer

pytestmark = [pytest.mark.slow, pytest.mark.audio, pytest.mark.speech]

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_AND_START_S = 240  # a fresh virtual environment, then the window


def copy_working_tree(target: Path) -> None:
    """What a clone of this tree holds (tracked and new files, nothing ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO_ROOT / os.fsdecode(name)
        if source.is_file():
            destination = target / os.fsdecode(name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
            destination.chmod(source.stat().st_mode)


def streams_of(server: PrivateSoundServer, kind: str) -> int:
    """How many sink-inputs or source-outputs Python programs (the app) have open."""
    listing = subprocess.run(
        ["pactl", "list", kind], env=server.env, capture_output=True, text=True, timeout=10
    ).stdout
    return listing.lower().count('application.process.binary = "python')


@pytest.fixture
def user_session(tmp_path: Path, x_display: str) -> Iterator[tuple[dict[str, str], Path]]:
    """The environment of a desktop session, and a fresh copy of the project in it."""
    home, runtime, clone = tmp_path / "home", tmp_path / "runtime", tmp_path / "parley"
    for folder in (home, runtime, clone):
        folder.mkdir(mode=0o700)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "DISPLAY": x_display,
        "LANG": "C.UTF-8",
        # Only so that the installation reuses the wheels already downloaded.
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    }
    copy_working_tree(clone)
    yield env, clone


def test_make_run_talks_and_listens_on_a_fresh_clone(
    user_session: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, clone = user_session
    assert "PULSE_SERVER" not in env
    server = PrivateSoundServer(session_env=env)
    server.start()
    log = (tmp_path / "make-run.log").open("wb")
    app = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + INSTALL_AND_START_S
        while streams_of(server, "source-outputs") < 1:
            assert app.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the app never opened the microphone"
            time.sleep(0.5)
        # The output stream is open too (it rests between replies, but it exists).
        assert streams_of(server, "sink-inputs") >= 1

        question = espeak_wav(tmp_path / "question.wav", "What time is it?")
        speaker = MonitorRecorder.started("parley_speaker.monitor", env=env)
        try:
            time.sleep(1.0)  # the offline engine's voice detector settles on the silence
            said = time.monotonic()
            subprocess.run(["paplay", "-d", "parley_micfeed", str(question)], env=env, check=True)
            answer_deadline = said + 60
            while speaker.first_loud_after(said, level=2000) is None:
                assert app.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
                assert time.monotonic() < answer_deadline, "no spoken answer"
                time.sleep(0.2)
            time.sleep(1.0)
        finally:
            heard = speaker.stop()
        assert np.abs(heard.astype(np.int32)).max() > 2000
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(timeout=10)
        log.close()
        server.remove()
