"""Record what a real server sends in a short conversation, for the fuzz test.

Run ``python -m tests.app.record_server_frames`` to refresh
``tests/app/data/server_frames.json``: the offline engine, in the GA dialect,
configured the way the app configures a session, answers a greeting, a question
that calls a tool, and a request that fails; every frame it sends is kept in
order (audio deltas shortened to keep the file small).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from desktop.config.settings import Settings
from desktop.connection.session_builder import build_session
from desktop.conversation.tools import enabled_tool_schemas
from desktop.local_engine import LocalEngine
from desktop.realtime.session_config import translate_session

FRAMES_PATH = Path(__file__).parent / "data" / "server_frames.json"
TOKEN = "token-for-recording-frames"
_AUDIO_BYTES_KEPT = 480


def _shortened(frame: dict[str, Any]) -> dict[str, Any]:
    if frame.get("type") == "response.output_audio.delta":
        audio = base64.b64decode(frame["delta"])[:_AUDIO_BYTES_KEPT]
        frame["delta"] = base64.b64encode(audio).decode("ascii")
    return frame


def record() -> list[dict[str, Any]]:
    settings = Settings.build(environment=False)
    session = translate_session(build_session(settings, enabled_tool_schemas(settings.tools)), "ga")
    engine = LocalEngine(host="127.0.0.1", port=0, token=TOKEN, speech=False)
    url = engine.start()
    frames: list[dict[str, Any]] = []
    try:
        with connect(
            f"{url}/realtime?model=gpt-realtime",
            additional_headers={"Authorization": f"Bearer {TOKEN}"},
            max_size=None,
        ) as ws:

            def send(event: dict[str, Any]) -> None:
                ws.send(json.dumps(event))

            def until(kind: str) -> dict[str, Any]:
                while True:
                    frame = json.loads(ws.recv(timeout=30))
                    frames.append(_shortened(frame))
                    if frame["type"] == kind:
                        return frame

            until("session.created")
            send({"type": "session.update", "session": session})
            until("session.updated")
            for text in ("Hello, my name is Ada.", "What time is it?"):
                send(
                    {
                        "type": "conversation.item.create",
                        "item": {
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": text}],
                        },
                    }
                )
                send({"type": "response.create"})
                done = until("response.done")
                calls = [o for o in done["response"]["output"] if o["type"] == "function_call"]
                for call in calls:
                    send(
                        {
                            "type": "conversation.item.create",
                            "item": {
                                "type": "function_call_output",
                                "call_id": call["call_id"],
                                "output": json.dumps({"time": "09:41"}),
                            },
                        }
                    )
                    send({"type": "response.create"})
                    until("response.done")
            send({"type": "response.cancel"})  # nothing to cancel: an error event
            until("error")
    finally:
        engine.stop()
    return frames


if __name__ == "__main__":
    recorded = record()
    FRAMES_PATH.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n")
    kinds = sorted({frame["type"] for frame in recorded})
    print(f"{len(recorded)} frames of {len(kinds)} kinds written to {FRAMES_PATH}")
