"""``python -m desktop.local_engine``: serve the offline engine until interrupted."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from desktop.local_engine.server import LocalEngine

TOKEN_ENV = "PARLEY_ENGINE_TOKEN"
CHAT_KEY_ENV = "PARLEY_CHAT_API_KEY"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.local_engine",
        description="Offline engine speaking the Realtime protocol on a local WebSocket. "
        "Prints its ws:// URL on stdout, then serves until SIGINT or SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--token-env",
        default=TOKEN_ENV,
        help=f"environment variable holding the required token (default {TOKEN_ENV}); "
        "unset means no token is required",
    )
    speech = parser.add_mutually_exclusive_group()
    speech.add_argument("--no-speech", action="store_true", help="typed turns only")
    speech.add_argument("--stt-model-dir", help="a CTranslate2 Whisper model directory")
    parser.add_argument(
        "--chat-endpoint",
        help="OpenAI-compatible chat base URL (e.g. http://127.0.0.1:11434/v1) for replies; "
        f"its key, if any, comes from {CHAT_KEY_ENV}",
    )
    parser.add_argument("--chat-model", default="default", help="model name for --chat-endpoint")
    parser.add_argument(
        "--wait-speech",
        action="store_true",
        help="print the URL only once the speech model has loaded (or failed to)",
    )
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    speech: bool | str = False if args.no_speech else (args.stt_model_dir or True)
    token = os.environ.get(args.token_env) or None
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        engine = LocalEngine(
            host=args.host,
            port=args.port,
            token=token,
            speech=speech,
            chat_endpoint=args.chat_endpoint,
            chat_model=args.chat_model,
            chat_api_key=os.environ.get(CHAT_KEY_ENV) or None,
        )
        url = engine.start()
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.wait_speech:
        engine.wait_speech_ready()
    if engine.speech_error:
        print(f"note: {engine.speech_error}", file=sys.stderr, flush=True)
    print(url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
