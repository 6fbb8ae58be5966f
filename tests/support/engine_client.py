"""A plain WebSocket client of the offline engine, speaking JSON events, and test audio."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import numpy.typing as npt
from websockets.sync.client import ClientConnection, connect

PCM_RATE = 24000
Samples = npt.NDArray[np.int16]


class EngineClient:
    """A plain WebSocket client speaking JSON events, for protocol assertions."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.ws: ClientConnection = connect(
            url, additional_headers=headers or {}, max_size=None, open_timeout=10
        )
        self.created = self.recv()
        self.conversation = self.recv()

    def send(self, event_type: str, **fields: Any) -> None:
        self.ws.send(json.dumps({"type": event_type, **fields}))

    def send_raw(self, frame: str | bytes) -> None:
        self.ws.send(frame)

    def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
        return event

    def collect_until(self, event_type: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Events up to and including the first one of ``event_type``."""
        events = []
        while True:
            event = self.recv(timeout)
            events.append(event)
            if event["type"] == event_type:
                return events

    def next_of(self, event_type: str, timeout: float = 15.0) -> dict[str, Any]:
        return self.collect_until(event_type, timeout)[-1]

    def say_typed(self, text: str, **response: Any) -> None:
        self.send(
            "conversation.item.create",
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        )
        if response:
            self.send("response.create", response=response)
        else:
            self.send("response.create")

    def append_audio(self, samples: Samples, chunk_ms: int = 20) -> None:
        step = PCM_RATE * chunk_ms // 1000
        for start in range(0, len(samples), step):
            chunk = samples[start : start + step].astype("<i2").tobytes()
            self.send("input_audio_buffer.append", audio=base64.b64encode(chunk).decode())

    def close(self) -> None:
        self.ws.close()


def silence(ms: int) -> Samples:
    return np.zeros(PCM_RATE * ms // 1000, dtype=np.int16)
