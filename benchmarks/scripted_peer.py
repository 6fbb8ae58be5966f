"""The benchmarks' Realtime server, a process of its own: it answers the way a
Realtime server does, notes when each ``input_audio_buffer.append`` arrives,
and sends scripted replies on command.

Clients connect to ``ws://127.0.0.1:PORT/v1/realtime``; the benchmark sends
commands as JSON on ``/control`` and gets one JSON answer per command:

* ``{"cmd": "reply", "samples": [...int16...], "delta_ms": 100}``: a response
  with that audio to the newest client, every delta at once (as hosted
  servers send them, faster than real time); answers ``{"sent_at": t}``, the
  monotonic time the first delta was sent.
* ``{"cmd": "appends", "since": t}``: ``[[arrival, peak, samples], ...]`` of
  the appends that arrived after ``t`` (``peak`` of the decoded PCM16).

Times are ``time.monotonic()``, one clock for every process on the machine.
Run: ``python -m benchmarks.scripted_peer`` (prints its port, then serves).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import sys
import time
from typing import Any

import numpy as np
from websockets.asyncio.server import ServerConnection, serve

SESSION_CREATED = {
    "type": "session.created",
    "event_id": "event_1",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_bench",
        "audio": {"output": {"voice": "alloy", "format": {"type": "audio/pcm", "rate": 24000}}},
    },
}


class Peer:
    def __init__(self) -> None:
        self.clients: list[ServerConnection] = []
        self.appends: list[tuple[float, int, int]] = []
        self._ids = itertools.count(1)

    async def handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        if path.startswith("/control"):
            await self._control(connection)
            return
        self.clients.append(connection)
        await connection.send(json.dumps(SESSION_CREATED))
        try:
            async for message in connection:
                arrived = time.monotonic()
                if '"input_audio_buffer.append"' not in str(message)[:120]:
                    continue
                event = json.loads(message)
                pcm = np.frombuffer(base64.b64decode(event["audio"]), dtype="<i2")
                peak = int(np.abs(pcm.astype(np.int32)).max()) if len(pcm) else 0
                self.appends.append((arrived, peak, len(pcm)))
        finally:
            self.clients.remove(connection)

    async def _control(self, connection: ServerConnection) -> None:
        async for message in connection:
            command = json.loads(message)
            if command["cmd"] == "reply":
                answer: Any = {"sent_at": await self._reply(command)}
            elif command["cmd"] == "appends":
                answer = [list(a) for a in self.appends if a[0] > command["since"]]
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            await connection.send(json.dumps(answer))

    async def _reply(self, command: dict[str, Any]) -> float:
        client = self.clients[-1]
        samples = np.asarray(command["samples"], dtype="<i2")
        step = 24 * int(command.get("delta_ms", 100))
        number = next(self._ids)
        response_id, item_id = f"resp_{number}", f"item_{number}"
        frames = [
            json.dumps({"type": "response.created", "response": {"id": response_id}}),
        ]
        for start in range(0, len(samples), step):
            frames.append(
                json.dumps(
                    {
                        "type": "response.output_audio.delta",
                        "response_id": response_id,
                        "item_id": item_id,
                        "output_index": 0,
                        "content_index": 0,
                        "delta": base64.b64encode(samples[start : start + step].tobytes()).decode(),
                    }
                )
            )
        await client.send(frames[0])
        sent_at = time.monotonic()
        await client.send(frames[1])
        for frame in frames[2:]:
            await client.send(frame)
        await client.send(
            json.dumps({"type": "response.output_audio.done", "item_id": item_id,
                        "response_id": response_id, "output_index": 0, "content_index": 0})
        )  # fmt: skip
        await client.send(
            json.dumps({"type": "response.done",
                        "response": {"id": response_id, "status": "completed", "output": []}})
        )  # fmt: skip
        return sent_at


async def main() -> None:
    peer = Peer()
    async with serve(peer.handle, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
