"""``parley --smoke-test``: one typed turn with the offline engine, offscreen.

Used by installers' CI to prove a build works end to end: the window is built,
the offline engine starts, the app connects, sends a typed message and gets
an audio reply. Exit 0 on success, non-zero with the reason on stderr. It also
says whether the offline speech stack and the MCP client work in this build.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEventLoop, QTimer

from desktop.config.cli import CliOptions
from desktop.config.store import LoadedSettings
from desktop.connection.state import ConnectionState
from desktop.conversation.turn_machine import TurnState

SMOKE_TIMEOUT_S = 60.0
SPEECH_TIMEOUT_S = 30.0
SMOKE_MESSAGE = "Hello, can you hear me?"


def run_smoke_test(loaded: LoadedSettings, options: CliOptions) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import ParleyApp, ensure_application

    ensure_application()
    loaded.settings.connection.backend = "offline"
    app = ParleyApp(loaded, options)
    outcome: dict[str, str] = {}
    loop = QEventLoop()
    heard_audio = False

    def on_state(state: object, reason: str) -> None:
        if state is ConnectionState.LIVE and "sent" not in outcome:
            outcome["sent"] = "yes"
            app.controller.send_text(SMOKE_MESSAGE)
        elif state is ConnectionState.FAILED:
            outcome["error"] = f"connection failed: {reason}"
            loop.quit()

    def on_voice_lock(reason: str) -> None:
        nonlocal heard_audio
        heard_audio = heard_audio or bool(reason)

    def on_turn(state: object) -> None:
        if state is TurnState.IDLE and heard_audio:
            outcome["ok"] = "yes"
            loop.quit()

    app.controller.connection_state_changed.connect(on_state)
    app.controller.voice_lock_changed.connect(on_voice_lock)
    app.controller.turn_state_changed.connect(on_turn)
    QTimer.singleShot(int(SMOKE_TIMEOUT_S * 1000), loop.quit)
    started = time.monotonic()
    app.start(connect=True)
    loop.exec()
    elapsed = time.monotonic() - started
    received_ms = sum(
        app.controller.tracker.received_ms(e.id) for e in app.controller.transcript.entries()
    )
    reply = next((e.text for e in app.controller.transcript.entries() if e.role == "assistant"), "")
    # Typed turns need no speech recogniser; a bundle that lost the Whisper
    # model would still pass them, so say whether it loaded.
    if app.offline.wait_speech_ready(timeout=SPEECH_TIMEOUT_S):
        speech = "ready"
    else:
        speech = f"unavailable ({app.offline.speech_error or 'still loading'})"
    app.close()
    if "ok" in outcome:
        print(f"smoke test passed in {elapsed:.1f} s: reply {reply!r}, {received_ms} ms of audio")
        print(f"offline speech: {speech}")
        print(f"mcp: {mcp_check()}")
        return 0
    reason = outcome.get("error") or (
        f"no audio reply within {SMOKE_TIMEOUT_S:.0f} s"
        if "sent" in outcome
        else "never connected to the offline engine"
    )
    print(f"smoke test failed: {reason}", file=sys.stderr)
    return 1


def mcp_check() -> str:
    """Whether the MCP client runs in this build: a stdio server whose command does not
    exist must fail to start with a plain reason (the SDK's whole start path runs)."""
    from desktop.mcp.host import McpHost
    from desktop.mcp.launch import ServerLaunch
    from desktop.mcp.records import ServerState

    host = McpHost()
    host.start()
    try:
        host.configure(
            [ServerLaunch("smoke", True, "stdio", command="parley-smoke-no-such-server")]
        )
        deadline = time.monotonic() + SPEECH_TIMEOUT_S
        while time.monotonic() < deadline:
            statuses = host.statuses()
            if statuses and statuses[0].state is ServerState.FAILED:
                message = statuses[0].message
                return "ready" if "was not found" in message else f"unavailable ({message})"
            time.sleep(0.05)
        return "unavailable (no answer from the MCP host)"
    finally:
        host.stop()
