"""The baseline: the simplest Realtime voice client, as the openai-python realtime
example builds its audio path, with sounddevice.

* Microphone: a sounddevice input stream (default settings); the loop reads a
  20 ms block as soon as ``read_available`` allows and sends it as an
  ``input_audio_buffer.append`` at once, polling in between (``sleep(0)``),
  so it never waits for a wake-up, at the price of a core.
* Speaker: a sounddevice output stream (``latency="low"``, callback), started
  when the first audio delta arrives and left running, fed from a queue.

Run: ``python -m benchmarks.baseline_client ws://127.0.0.1:PORT/v1/realtime``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import threading
from collections import deque
from typing import Any

import numpy as np
import sounddevice as sd
from websockets.asyncio.client import connect

RATE = 24000
READ = RATE // 50  # 20 ms


class Player:
    """A queue played by a low-latency callback stream, started on the first audio."""

    def __init__(self) -> None:
        self._queue: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        self._stream = sd.OutputStream(
            samplerate=RATE, channels=1, dtype="int16", latency="low", callback=self._callback
        )
        self._started = False

    def _callback(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        out = np.zeros(frames, dtype=np.int16)
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                head = self._queue[0]
                used = min(len(head), frames - filled)
                out[filled : filled + used] = head[:used]
                if used == len(head):
                    self._queue.popleft()
                else:
                    self._queue[0] = head[used:]
                filled += used
        outdata[:, 0] = out

    def add(self, pcm: bytes) -> None:
        with self._lock:
            self._queue.append(np.frombuffer(pcm, dtype="<i2").astype(np.int16))
        if not self._started:
            self._started = True
            self._stream.start()


async def main(url: str) -> None:
    player = Player()
    async with connect(url, max_size=None, compression=None) as connection:

        async def receive() -> None:
            async for message in connection:
                event = json.loads(message)
                if event.get("type") == "response.output_audio.delta":
                    player.add(base64.b64decode(event["delta"]))

        async def send_microphone() -> None:
            stream = sd.InputStream(channels=1, samplerate=RATE, dtype="int16")
            stream.start()
            while True:
                if stream.read_available < READ:
                    await asyncio.sleep(0)
                    continue
                data, _ = stream.read(READ)
                audio = base64.b64encode(data.tobytes()).decode()
                await connection.send(json.dumps({"type": "input_audio_buffer.append",
                                                  "audio": audio}))  # fmt: skip

        await asyncio.gather(receive(), send_microphone())


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        sys.exit(0)
