"""Device listing, fallback, missing sound server, a server that dies mid-stream."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from audio_engine import AudioDevice, AudioDeviceError, AudioEngine, list_devices
from audio_engine.devices import choose_device
from tests.support.audio_signals import RATE, best_alignment
from tests.support.sound_card import MonitorRecorder, PrivateSoundServer

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.audio
def test_devices_are_listed_with_name_and_host_api(pulse_server: str) -> None:
    devices = list_devices()
    names = {device.name for device in devices}
    assert {"pulse", "default"} <= names
    assert all(device.host_api for device in devices)
    assert sum(device.is_default_input for device in devices) == 1
    assert sum(device.is_default_output for device in devices) == 1


def test_an_unknown_name_falls_back_to_the_default_with_a_notice() -> None:
    devices = [
        AudioDevice(0, "usb mic", "ALSA", 1, 0, 48000.0),
        AudioDevice(1, "default", "ALSA", 2, 2, 44100.0, True, True),
    ]
    assert choose_device(devices, "usb mic", "input").notice is None
    choice = choose_device(devices, "Gone Headset", "input")
    assert choice.device.name == "default"
    assert choice.notice is not None and "Gone Headset" in choice.notice
    with pytest.raises(AudioDeviceError, match="No audio output device"):
        choose_device(devices[:1], None, "output")


@pytest.mark.audio
def test_the_engine_announces_the_fallback(make_engine, qtbot) -> None:
    notices: list[str] = []
    engine = AudioEngine(input_device="Vanished USB Mic", output_device="default")
    engine.device_notice.connect(notices.append)
    try:
        engine.start()
        assert engine.running
        assert engine.routes is not None
        route_in, route_out = engine.routes
        assert route_in.fell_back and route_in.server_device is None
        assert route_in.label == "Parley Mic"  # the server's default, by its description
        assert not route_out.fell_back, "'default' (PortAudio's name) means the default"
        assert len(notices) == 1 and "Vanished USB Mic" in notices[0]
        engine.start()  # idempotent
    finally:
        engine.stop()
        engine.stop()
    assert not engine.running


def test_no_sound_server_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    script = (
        "from audio_engine import AudioEngine, AudioDeviceError\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication([])\n"
        "engine = AudioEngine()\n"
        "try:\n"
        "    engine.start()\n"
        "except AudioDeviceError as exc:\n"
        "    print('ERROR:', exc)\n"
        "print('running:', engine.running)\n"
    )
    env = dict(os.environ, PULSE_SERVER=f"unix:{tmp_path}/no-such-socket")
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR: No audio input device found" in result.stdout
    assert "running: False" in result.stdout


@pytest.mark.audio
def test_a_server_dying_mid_stream_is_reported_and_the_engine_can_reopen(
    private_server: PrivateSoundServer, qtbot
) -> None:
    engine = AudioEngine()
    errors: list[str] = []
    engine.device_error.connect(errors.append)
    try:
        engine.start()
        engine.play("item_x", np.ones(RATE * 5, dtype=np.int16).tobytes())
        qtbot.wait(200)
        with qtbot.waitSignal(engine.device_error, timeout=5000):
            private_server.kill()
        assert not engine.running
        assert "halted" in errors[0]
        began = time.monotonic()
        assert engine.read_chunk(0.2) is None
        assert time.monotonic() - began >= 0.15  # a polling sender does not spin
        private_server.start()
        engine.start()
        assert engine.running
        assert engine.read_chunk(3.0) is not None
    finally:
        engine.stop()


@pytest.mark.audio
def test_a_device_that_refuses_24khz_is_resampled(make_engine, qtbot) -> None:
    recorder = MonitorRecorder()
    recorder.wait_started()
    try:
        engine = make_engine(stream_rate=48000)
        seconds = np.arange(RATE) / RATE
        tone = (np.sin(2 * np.pi * 1000 * seconds) * 8000).astype(np.int16)
        with qtbot.waitSignal(engine.playback_drained, timeout=5000):
            engine.play("item_r", tone.tobytes())
            engine.finish_item("item_r")
        qtbot.wait(300)
        assert engine.read_chunk(1.0) is not None  # capture resampled to 24 kHz chunks
    finally:
        heard = recorder.stop()
    _, correlation = best_alignment(heard, tone[2400:-2400])
    assert correlation > 0.99
    assert engine.played_samples("item_r") == RATE


@pytest.mark.audio
def test_portaudio_probing_prints_nothing(pulse_server: str) -> None:
    script = "from audio_engine import list_devices\nprint(len(list_devices()))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert int(result.stdout) >= 2
    assert "ALSA lib" not in result.stderr
    assert "jack" not in result.stderr.lower()
