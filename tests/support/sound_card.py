"""A private PulseAudio daemon and a monitor recorder, for audio tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 24000
Samples = npt.NDArray[np.int16]
# A null sink that rewinds mixes a new stream into the block it has already
# rendered and handed to its monitor: recordings of the monitor (the tests'
# ears, and the virtual microphone) would miss the first few ms of every
# stream, up to one block (5 ms here), although a sound card would play them.
NO_REWINDS = "norewinds=1"


class PrivateSoundServer:
    """A PulseAudio daemon of our own with the same layout as tests/virtual_audio.sh.

    The shared daemon is also used by other test suites that play into the same
    virtual microphone and speaker; a private one keeps bit-exact comparisons
    meaningful, and a test may kill it to simulate a vanished device.
    """

    def __init__(self, session_env: dict[str, str] | None = None) -> None:
        """``session_env``: be a desktop session's server instead, its socket where
        clients look by default ($XDG_RUNTIME_DIR/pulse/native), no PULSE_SERVER."""
        self.folder = Path(tempfile.mkdtemp(prefix="parley-audio-test-"))
        if session_env is None:
            socket = self.folder / "native"
            self.env = dict(os.environ, PULSE_SERVER=f"unix:{socket}")
            self.env["XDG_RUNTIME_DIR"] = str(self.folder)
            where = f" socket={socket}"
        else:
            socket = Path(session_env["XDG_RUNTIME_DIR"]) / "pulse" / "native"
            self.env = dict(session_env)
            where = ""
        self.address = f"unix:{socket}"
        (self.folder / "tiny.pa").write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1{where}\n"
        )
        self._daemon: subprocess.Popen[bytes] | None = None
        self._keepalives: list[subprocess.Popen[bytes]] = []
        self._modules: dict[str, list[str]] = {}

    def _pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, check=True, capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip()

    def add_output(self, name: str, description: str) -> None:
        """Plug in a speaker: a null sink (kept ticking like the others)."""
        module = self._pactl(
            "load-module",
            "module-null-sink",
            f"sink_name={name}",
            f"rate={RATE}",
            "channels=1",
            "format=s16le",
            NO_REWINDS,
            f"sink_properties=\"device.description='{description}'\"",
        )
        self._modules.setdefault(name, []).append(module)
        self._keepalive(name)

    def add_input(self, name: str, description: str) -> str:
        """Plug in a microphone; returns the sink to play its "speech" into."""
        feed = f"{name}_feed"
        self.add_output(feed, f"{description} feed")
        module = self._pactl(
            "load-module",
            "module-remap-source",
            f"master={feed}.monitor",
            f"source_name={name}",
            f"source_properties=\"device.description='{description}'\"",
        )
        self._modules.setdefault(name, []).append(module)
        return feed

    def unplug(self, name: str) -> None:
        """Unload what ``add_output``/``add_input`` loaded for ``name``."""
        for module in [
            *reversed(self._modules.pop(name, [])),
            *self._modules.pop(f"{name}_feed", []),
        ]:
            self._pactl("unload-module", module)

    def _keepalive(self, sink: str) -> None:
        self._keepalives.append(
            subprocess.Popen(
                ["parec", "--raw", "--latency-msec=10", "-d", f"{sink}.monitor"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def start(self) -> None:
        self._daemon = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(self.folder / "tiny.pa"), "--daemonize=no",
             "--exit-idle-time=-1", "--realtime=no", "--high-priority=no", "--use-pid-file=no",
             "--system=no", f"--log-target=file:{self.folder}/log"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode:
            assert time.monotonic() < deadline, "the private sound server did not start"
            time.sleep(0.05)
        for sink, description in (
            ("parley_speaker", "Parley Speaker"),
            ("parley_micfeed", "Parley Mic Feed"),
        ):
            self._pactl(
                "load-module",
                "module-null-sink",
                f"sink_name={sink}",
                f"rate={RATE}",
                "channels=1",
                "format=s16le",
                NO_REWINDS,
                f"sink_properties=\"device.description='{description}'\"",
            )
        self._pactl(
            "load-module",
            "module-remap-source",
            "master=parley_micfeed.monitor",
            "source_name=parley_mic",
            "source_properties=\"device.description='Parley Mic'\"",
        )
        self._pactl("set-default-sink", "parley_speaker")
        self._pactl("set-default-source", "parley_mic")
        # Idle null sinks stall new streams for up to 2 s without a low-latency reader.
        for sink in ("parley_speaker", "parley_micfeed"):
            self._keepalive(sink)

        while self._count("source-outputs") < 3:  # the remap source plus two readers
            assert time.monotonic() < deadline, "the keep-alive readers did not connect"
            time.sleep(0.02)

    def _count(self, kind: str) -> int:
        listing = subprocess.run(
            ["pactl", "list", "short", kind], env=self.env, capture_output=True, text=True
        )
        return len(listing.stdout.splitlines())

    def kill(self) -> None:
        for process in [*self._keepalives, self._daemon]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self._keepalives = []
        self._modules = {}
        self._daemon = None

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_sound_server() -> Iterator[PrivateSoundServer]:
    """A started private daemon, with PULSE_SERVER pointed at it for the block
    (PortAudio and the pa* tools read it when they connect)."""
    server = PrivateSoundServer()
    server.start()
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.address
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = previous
        server.remove()


@contextmanager
def sound_card_for_benchmark(shared: bool = False) -> Iterator[None]:
    """PULSE_SERVER pointed at a private daemon for the block (or, with
    ``shared``, left at the shared virtual sound card). Other test suites play
    into the shared devices; a private one keeps a measurement clean."""
    # On SIGTERM still run the finally block that stops the private server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if shared:
        yield
        return
    with private_sound_server():
        yield


class MonitorRecorder:
    """Records a PulseAudio source with parec, timestamping every block it reads.

    ``block_bytes`` sets how much one read takes at most: smaller blocks give
    finer arrival times (benchmarks use 960 bytes, 20 ms).
    """

    def __init__(
        self,
        source: str = "parley_speaker.monitor",
        block_bytes: int = 4800,
        env: dict[str, str] | None = None,
    ) -> None:
        self._process = subprocess.Popen(
            [
                "parec",
                "-d",
                source,
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=5",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._block_bytes = block_bytes
        self._blocks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while True:
            block = os.read(fd, self._block_bytes)
            if not block:
                return
            with self._lock:
                self._blocks.append((time.monotonic(), block))

    @classmethod
    def started(
        cls,
        source: str = "parley_speaker.monitor",
        block_bytes: int = 4800,
        timeout: float = 5.0,
        env: dict[str, str] | None = None,
    ) -> MonitorRecorder:
        """A recorder that is already delivering blocks (``env``: of another sound server)."""
        recorder = cls(source, block_bytes, env)
        recorder.wait_started(timeout)
        return recorder

    def wait_started(self, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._blocks:
                    return
            time.sleep(0.005)
        raise AssertionError("parec delivered nothing")

    def samples(self) -> Samples:
        with self._lock:
            data = b"".join(block for _, block in self._blocks)
        return np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2").astype(np.int16)

    def samples_and_times(self) -> tuple[Samples, npt.NDArray[np.float64]]:
        """All samples so far and, per sample, when the block holding it was read."""
        with self._lock:
            blocks = list(self._blocks)
        samples = np.frombuffer(b"".join(block for _, block in blocks), dtype="<i2")
        stamps = [np.full(len(block) // 2, stamp) for stamp, block in blocks]
        times = np.concatenate(stamps) if stamps else np.zeros(0)
        count = min(len(samples), len(times))
        return samples[:count].astype(np.int16), times[:count]

    def arrival_time_of(self, sample_index: int) -> float:
        """When the block holding ``sample_index`` was read."""
        position = 0
        with self._lock:
            for stamp, block in self._blocks:
                position += len(block) // 2
                if position > sample_index:
                    return stamp
        raise IndexError(sample_index)

    def first_loud_after(self, after: float, level: int = 1000) -> float | None:
        """When the first sample louder than ``level`` read after ``after`` arrived."""
        samples, times = self.samples_and_times()
        loud = np.flatnonzero((np.abs(samples.astype(np.int32)) > level) & (times > after))
        return float(times[loud[0]]) if len(loud) else None

    def cpu_seconds(self) -> float:
        """CPU time of the thread reading parec (a benchmark subtracts it from its own)."""
        import psutil

        for thread in psutil.Process().threads():
            if thread.id == self._thread.native_id:
                return float(thread.user_time + thread.system_time)
        return 0.0

    def stop(self) -> Samples:
        self._process.terminate()
        self._process.wait(timeout=5)
        self._thread.join(timeout=5)
        return self.samples()


def pcm_feeder(sink: str = "parley_micfeed") -> subprocess.Popen[bytes]:
    """pacat playing raw 24 kHz PCM16 from its stdin into ``sink`` (the microphone's feed)."""
    return subprocess.Popen(
        ["pacat", "-d", sink, "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
         "--latency-msec=10"],
        stdin=subprocess.PIPE,
    )  # fmt: skip
