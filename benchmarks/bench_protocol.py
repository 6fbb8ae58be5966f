"""Protocol client costs: parsing server events, building client events, loopback throughput.

Output audio deltas are the hot path (one every few tens of milliseconds per
response, often faster than real time), so parsing them is measured both
through the client's fast path and through full pydantic validation.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable

from websockets.sync.server import ServerConnection, serve

from desktop.realtime import RealtimeClient, ResponseOutputAudioDeltaEvent, parse_server_event
from desktop.realtime.client_events import audio_append

AUDIO_100MS = bytes(range(256)) * 18 + bytes(192)  # 4800 bytes = 100 ms of 24 kHz PCM16
DELTA_FRAME = json.dumps(
    {
        "type": "response.output_audio.delta",
        "event_id": "event_123",
        "response_id": "resp_123",
        "item_id": "item_123",
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(AUDIO_100MS).decode(),
    }
)
DONE_FRAME = json.dumps(
    {
        "type": "response.done",
        "event_id": "event_9",
        "response": {
            "id": "resp_123",
            "status": "completed",
            "output": [
                {
                    "id": "item_123",
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_audio", "transcript": "Hello there."}],
                }
            ],
            "usage": {"total_tokens": 120, "input_tokens": 80, "output_tokens": 40},
        },
    }
)


def per_call_us(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best * 1e6


def loopback_events_per_second(count: int) -> tuple[float, float]:
    def handler(connection: ServerConnection) -> None:
        for _ in range(count):
            connection.send(DELTA_FRAME)
        connection.close()

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        client = RealtimeClient(base_url=f"ws://127.0.0.1:{port}/v1")
        started = time.perf_counter()
        audio = 0
        with client.connect(model="bench") as connection:
            for event in connection:
                assert isinstance(event, ResponseOutputAudioDeltaEvent)
                audio += len(event.audio_bytes())
        elapsed = time.perf_counter() - started
        server.shutdown()
        thread.join(timeout=5)
    return count / elapsed, audio / 48 / 1000 / elapsed


def main() -> None:
    print("bench_protocol: desktop.realtime parsing and throughput")
    print(f"  audio delta frame: {len(DELTA_FRAME)} bytes (100 ms of PCM16)")
    raw_json = per_call_us(lambda: json.loads(DELTA_FRAME), 2000)
    fast = per_call_us(lambda: parse_server_event(DELTA_FRAME), 2000)
    validated = per_call_us(
        lambda: ResponseOutputAudioDeltaEvent.model_validate(json.loads(DELTA_FRAME)), 2000
    )
    decode = per_call_us(lambda: base64.b64decode(json.loads(DELTA_FRAME)["delta"]), 2000)
    done = per_call_us(lambda: parse_server_event(DONE_FRAME), 2000)
    build = per_call_us(lambda: json.dumps(audio_append(AUDIO_100MS)), 2000)
    print(f"  json.loads only:                          {raw_json:7.1f} us")
    print(f"  parse audio delta (client, one pass):     {fast:7.1f} us")
    print(f"  json.loads + model_validate (two passes): {validated:7.1f} us")
    print(f"  json.loads + base64 decode:               {decode:7.1f} us")
    print(f"  parse response.done (validated):          {done:7.1f} us")
    print(f"  build + serialise 100 ms append:          {build:7.1f} us")
    rate, realtime_factor = loopback_events_per_second(3000)
    print(f"  loopback recv, 3000 deltas:               {rate:7.0f} events/s")
    print(f"  = audio received at {realtime_factor:.0f}x real time")


if __name__ == "__main__":
    main()
