"""Devices by the sound server's own names; devices and servers that come and go.

Every test runs on a private PulseAudio daemon of its own and changes it the way
a person's machine changes: a headset plugged in or pulled out (a null sink and
a remapped source loaded or unloaded), the server killed and started again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import numpy as np
import psutil
import pytest
from pytestqt.qtbot import QtBot

from audio_engine import AudioEngine
from audio_engine.sound_server import take_snapshot
from audio_engine.supervisor import AudioHealth, AudioSupervisor
from tests.support.audio_signals import RATE, best_alignment, noise
from tests.support.sound_card import (
    MonitorRecorder,
    PrivateSoundServer,
    pcm_feeder,
    private_sound_server,
)

pytestmark = pytest.mark.audio

HEADSET = "usb_headset"
HEADSET_MIC = "usb_headset_mic"


@pytest.fixture
def server(private_server: PrivateSoundServer) -> PrivateSoundServer:
    """A private sound server with a USB headset plugged in; PULSE_SERVER points at it."""
    private_server.add_output(HEADSET, "USB Headset")
    private_server.add_input(HEADSET_MIC, "USB Headset Microphone")
    return private_server


@pytest.fixture
def supervised(qtbot: QtBot) -> Iterator[list[AudioSupervisor]]:
    """Supervisors made by the test; each is stopped afterwards."""
    made: list[AudioSupervisor] = []
    yield made
    for supervisor in made:
        supervisor.stop()


def supervise(
    made: list[AudioSupervisor], input_device: str | None = None, output_device: str | None = None
) -> AudioSupervisor:
    supervisor = AudioSupervisor(AudioEngine(input_device, output_device))
    made.append(supervisor)
    return supervisor


def tone(seconds: float, frequency: float = 440.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * frequency * t) * 8000).astype(np.int16)


def loud_from(recorder: MonitorRecorder, after: float) -> float | None:
    return recorder.first_loud_after(after, level=2000)


def test_the_server_lists_devices_by_description_without_monitors(
    server: PrivateSoundServer,
) -> None:
    snapshot = take_snapshot()
    assert snapshot is not None
    outputs = {device.description: device.name for device in snapshot.outputs}
    inputs = {device.description: device.name for device in snapshot.inputs}
    assert outputs["USB Headset"] == HEADSET
    assert outputs["Parley Speaker"] == "parley_speaker"
    assert inputs == {"Parley Mic": "parley_mic", "USB Headset Microphone": HEADSET_MIC}
    assert snapshot.default_output == "parley_speaker"
    assert snapshot.find("output", "usb headset") == snapshot.find("output", HEADSET)


def test_playback_and_capture_go_to_the_chosen_devices(
    server: PrivateSoundServer, qtbot: QtBot, supervised: list[AudioSupervisor]
) -> None:
    # Chosen by description, as a person types it on the command line.
    supervisor = supervise(supervised, "USB Headset Microphone", "USB Headset")
    headset = MonitorRecorder.started(f"{HEADSET}.monitor")
    speaker = MonitorRecorder.started("parley_speaker.monitor")
    try:
        assert supervisor.start()
        engine = supervisor.engine
        assert engine.routes is not None
        assert [r.server_device for r in engine.routes] == [HEADSET_MIC, HEADSET]
        sound = tone(0.5)
        with qtbot.waitSignal(engine.playback_drained, timeout=5000):
            engine.play("item_a", sound.tobytes())
            engine.finish_item("item_a")
        qtbot.wait(200)
        spoken = noise(1.0, seed=3)
        feeder = pcm_feeder(f"{HEADSET_MIC}_feed")
        assert feeder.stdin is not None
        collected = []
        deadline = time.monotonic() + 4
        engine.discard_captured()
        feeder.stdin.write(spoken.tobytes())
        feeder.stdin.close()
        while time.monotonic() < deadline and sum(len(c) for c in collected) < RATE * 2 * 3:
            chunk = engine.read_chunk(0.2)
            if chunk:
                collected.append(chunk)
        feeder.wait(timeout=10)
    finally:
        on_headset, on_speaker = headset.stop(), speaker.stop()
    assert best_alignment(on_headset, sound[1200:-1200])[1] > 0.99
    assert np.abs(on_speaker.astype(np.int32)).max(initial=0) < 100
    captured = np.frombuffer(b"".join(collected), dtype="<i2")
    # A twentieth of a second is enough to prove the route (the default microphone
    # hears only silence); on a loaded machine the feeder itself may glitch once.
    pieces = [spoken[start : start + RATE // 20] for start in range(2400, RATE - 2400, 1200)]
    assert max(best_alignment(captured, piece)[1] for piece in pieces) > 0.99


def test_a_device_pulled_out_mid_reply_moves_to_the_default_and_back(
    server: PrivateSoundServer, qtbot: QtBot, supervised: list[AudioSupervisor]
) -> None:
    supervisor = supervise(supervised, None, HEADSET)
    events: list[str] = []
    supervisor.device_event.connect(events.append)
    assert supervisor.start()
    engine = supervisor.engine
    qtbot.waitUntil(lambda: supervisor.snapshot is not None, timeout=3000)
    speaker = MonitorRecorder.started("parley_speaker.monitor")
    headset: MonitorRecorder | None = None
    try:
        engine.play("reply", tone(6.0).tobytes())
        engine.finish_item("reply")
        qtbot.waitUntil(lambda: engine.played_ms("reply") > 300, timeout=3000)
        pulled = time.monotonic()
        server.unplug(HEADSET)
        qtbot.waitUntil(lambda: loud_from(speaker, pulled) is not None, timeout=3000)
        moved_after = loud_from(speaker, pulled)
        assert moved_after is not None and moved_after - pulled < 1.0
        qtbot.waitUntil(
            lambda: engine.routes is not None and engine.routes[1].fell_back, timeout=3000
        )
        assert any("disconnected" in event for event in events)
        assert engine.running and engine.is_playing

        server.add_output(HEADSET, "USB Headset")
        qtbot.waitUntil(
            lambda: engine.routes is not None and engine.routes[1].server_device == HEADSET,
            timeout=3000,
        )
        assert any("is back" in event for event in events)
        headset = MonitorRecorder.started(f"{HEADSET}.monitor")
        qtbot.wait(300)
        assert engine.is_playing, "the same reply carries on after both moves"
    finally:
        speaker.stop()
        heard_back = headset.stop() if headset is not None else np.zeros(0, np.int16)
    assert np.abs(heard_back.astype(np.int32)).max(initial=0) > 2000


def test_a_saved_device_that_is_absent_falls_back_and_returns_when_plugged(
    server: PrivateSoundServer, qtbot: QtBot, supervised: list[AudioSupervisor]
) -> None:
    server.unplug(HEADSET_MIC)
    supervisor = supervise(supervised, HEADSET_MIC, None)
    events: list[str] = []
    supervisor.device_event.connect(events.append)
    assert supervisor.start()
    routes = supervisor.engine.routes
    assert routes is not None and routes[0].fell_back and routes[0].server_device is None
    assert any(HEADSET_MIC in e and "not connected" in e for e in events)
    qtbot.waitUntil(lambda: supervisor.snapshot is not None, timeout=3000)
    listed: list[list[str]] = []
    supervisor.devices_changed.connect(lambda inputs, _: listed.append([o.label for o in inputs]))
    server.add_input(HEADSET_MIC, "USB Headset Microphone")
    qtbot.waitUntil(lambda: bool(listed) and "USB Headset Microphone" in listed[-1], timeout=3000)
    qtbot.waitUntil(
        lambda: (
            supervisor.engine.routes is not None
            and supervisor.engine.routes[0].server_device == HEADSET_MIC
        ),
        timeout=3000,
    )


def test_the_sound_server_restarting_brings_the_sound_back(
    server: PrivateSoundServer,
    qtbot: QtBot,
    supervised: list[AudioSupervisor],
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = supervise(supervised)
    assert supervisor.start()
    engine = supervisor.engine
    qtbot.waitUntil(lambda: supervisor.snapshot is not None, timeout=3000)
    engine.play("reply", tone(5.0).tobytes())
    qtbot.wait(200)
    with caplog.at_level(logging.DEBUG):
        with qtbot.waitSignal(supervisor.health_changed, timeout=3000):
            server.kill()
        assert supervisor.health is AudioHealth.NO_SERVER
        assert "sound server" in supervisor.health_text
        assert not engine.running
        # While the server is away nothing spins and nothing floods the log.
        process = psutil.Process()
        cpu_before = sum(process.cpu_times()[:2])
        records_before = len(caplog.records)
        qtbot.wait(2500)
        cpu_away = sum(process.cpu_times()[:2]) - cpu_before
        assert cpu_away < 0.5, f"{cpu_away:.2f} s of CPU in 2.5 s while the server was away"
        assert len(caplog.records) - records_before <= 2
        server.start()
        back = time.monotonic()
        qtbot.waitUntil(lambda: supervisor.health is AudioHealth.RUNNING, timeout=5000)
    assert time.monotonic() - back < 3.0
    speaker = MonitorRecorder.started("parley_speaker.monitor")
    try:
        with qtbot.waitSignal(engine.playback_drained, timeout=5000):
            engine.play("after", tone(0.3).tobytes())
            engine.finish_item("after")
        assert engine.read_chunk(2.0) is not None
        qtbot.wait(200)
    finally:
        heard = speaker.stop()
    assert np.abs(heard.astype(np.int32)).max(initial=0) > 2000


def test_a_silent_microphone_is_reported_and_cleared_when_sound_arrives(
    server: PrivateSoundServer, qtbot: QtBot, supervised: list[AudioSupervisor]
) -> None:
    supervisor = supervise(supervised)
    messages: list[str] = []
    supervisor.microphone_silence_changed.connect(messages.append)
    assert supervisor.start()
    # Nothing plays into the virtual microphone: it delivers digital silence.
    qtbot.waitUntil(lambda: bool(messages) and bool(messages[-1]), timeout=6000)
    assert "Parley Mic" in messages[-1] and "muted" in messages[-1]
    feeder = pcm_feeder("parley_micfeed")
    assert feeder.stdin is not None
    try:
        feeder.stdin.write(noise(1.5).tobytes())
        feeder.stdin.flush()
        qtbot.waitUntil(lambda: messages[-1] == "", timeout=4000)
    finally:
        feeder.stdin.close()
        feeder.wait(timeout=10)


@pytest.mark.slow
def test_a_server_dying_under_running_streams_never_leaves_a_thread_spinning(
    pulse_server: str, qtbot: QtBot
) -> None:
    """PortAudio 19.6 sometimes loops forever when the server dies under a stream;
    whatever happens, the streams close promptly and no thread keeps a core busy."""
    process = psutil.Process()
    for attempt in range(8):
        with private_sound_server() as server:
            engine = AudioEngine()
            try:
                engine.start()
                engine.play("reply", tone(3.0).tobytes())
                time.sleep(0.15 + 0.04 * (attempt % 4))
                server.kill()
                began = time.monotonic()
                engine.abort()
                assert time.monotonic() - began < 0.1, "abort must not wait on PortAudio"
                assert engine.wait_closed(3.0), "the failed streams did not close"
                cpu_before = sum(process.cpu_times()[:2])
                time.sleep(0.3)
                busy = sum(process.cpu_times()[:2]) - cpu_before
                assert busy < 0.2, f"attempt {attempt}: {busy:.2f} s of CPU in 0.3 s after closing"
            finally:
                engine.stop()
