"""The engine's PortAudio instance and its stream pair.

Opened along freshly planned routes (a new PortAudio is a device rescan),
closed in order when the engine stops, closed at once when it moves to other
devices, and after a failure retired on a thread of its own: closing may have
to wait for PortAudio's threads (``audio_engine.stuck_threads``), which must
never happen on the GUI thread. PortAudio is not reentrant, so opening again
first waits for a retirement to finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from audio_engine.capture import CaptureRing
from audio_engine.devices import AudioDevice, devices_from, list_devices, open_portaudio
from audio_engine.errors import AudioDeviceError
from audio_engine.playback import PlaybackQueue
from audio_engine.ring import SampleRing
from audio_engine.routing import Route, plan_route
from audio_engine.sound_server import ServerSnapshot, take_snapshot
from audio_engine.streams import StreamPair, open_stream_pair
from audio_engine.stuck_threads import abandon

RETIRE_WAIT_S = 2.0  # failed streams get this long to close before a reopen gives up


class StreamOwner:
    """Owns ``streams`` (and the PortAudio they belong to) while they are open."""

    def __init__(
        self,
        chunk_samples: int,
        playback: PlaybackQueue,
        far_end: SampleRing,
        forced_rate: int | None = None,
    ) -> None:
        self._chunk_samples = chunk_samples
        self._playback = playback
        self._far_end = far_end
        self._forced_rate = forced_rate  # a test hook: force the resampling path
        self.streams: StreamPair | None = None
        self.routes: tuple[Route, Route] | None = None
        # Where the device list comes from (the sound server's view; a test may replace it).
        self.server_lookup: Callable[[], ServerSnapshot | None] = take_snapshot
        self._pa: Any = None
        self._retiring: threading.Thread | None = None

    def open(self, names: tuple[str | None, str | None], capture: CaptureRing) -> StreamPair:
        """Both streams on the routes ``names`` lead to now; raises AudioDeviceError."""
        self._join_retiring(RETIRE_WAIT_S)
        pa = open_portaudio()
        try:
            devices = devices_from(pa)
            snapshot = self.server_lookup()
            routes = (
                plan_route(devices, snapshot, names[0], "input"),
                plan_route(devices, snapshot, names[1], "output"),
            )
            streams = open_stream_pair(
                pa,
                routes,
                self._chunk_samples,
                capture,
                self._playback,
                self._far_end,
                forced_rate=self._forced_rate,
            )
        except Exception:
            pa.terminate()
            raise
        self._pa, self.streams, self.routes = pa, streams, routes
        return streams

    def close(self) -> None:
        """An orderly stop (joins PortAudio's threads)."""
        self._close_now(abort=False)

    def close_at_once(self) -> None:
        """Abort and close now: for moving to other devices, the old one may be gone."""
        self._close_now(abort=True)

    def _close_now(self, abort: bool) -> None:
        streams, self.streams = self.streams, None
        pa, self._pa = self._pa, None
        if streams is not None:
            streams.close(abort)
        if pa is not None:
            pa.terminate()

    def retire(self) -> None:
        """Close after a failure, on a thread of its own (see the module)."""
        streams, self.streams = self.streams, None
        pa, self._pa = self._pa, None
        if streams is None:
            return

        def close() -> None:
            if streams.close(abort=True, after_failure=True):
                abandon(pa)  # terminating would close the abandoned stream
            elif pa is not None:
                pa.terminate()

        self._join_retiring(RETIRE_WAIT_S)
        self._retiring = threading.Thread(target=close, name="audio-retire", daemon=True)
        self._retiring.start()

    def wait_closed(self, timeout: float) -> bool:
        """Wait until retired streams are closed; False if they are not yet."""
        try:
            self._join_retiring(timeout)
        except AudioDeviceError:
            return False
        return True

    def list_devices(self) -> list[AudioDevice]:
        """A device scan (fresh only while no streams are open: PortAudio's limit)."""
        self._join_retiring(RETIRE_WAIT_S)
        return list_devices()

    def _join_retiring(self, timeout: float) -> None:
        retiring = self._retiring
        if retiring is None:
            return
        retiring.join(timeout)
        if retiring.is_alive():
            raise AudioDeviceError(
                "The audio streams that failed are still closing; try again in a moment."
            )
        self._retiring = None
