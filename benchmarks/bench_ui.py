"""Widget costs on the GUI thread: streaming transcript text and the event inspector.

A reply streams as ~50 transcript deltas a second and the inspector receives
every protocol event, so both must cost a small fraction of a 20 ms frame.
Runs offscreen (QT_QPA_PLATFORM=offscreen) with a shown, 900×600 view.
"""

from __future__ import annotations

import base64
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from desktop.conversation.transcript import TranscriptEntry
from ui.event_inspector import EventInspector
from ui.inspector_model import sanitise_event
from ui.transcript_model import TranscriptModel
from ui.transcript_view import TranscriptView

SENTENCE = "Here is a sentence of an assistant reply that wraps over the width. "
AUDIO_100MS = base64.b64encode(bytes(4800)).decode()


def bench_transcript(app: QApplication, history: int, coalesce_ms: int) -> float:
    """GUI-thread CPU (% of one core) while a reply streams 50 deltas a second."""
    view = TranscriptView(TranscriptModel(coalesce_ms=coalesce_ms))
    view.resize(900, 600)
    view.show()
    for i in range(history):
        role = "user" if i % 2 else "assistant"
        view.model.add_entry(TranscriptEntry(f"h{i}", role, SENTENCE * (1 + i % 4)))
    view.model.add_entry(TranscriptEntry("live", "assistant", "", "streaming"))
    app.processEvents()
    deltas = iter(range(150))  # three seconds at 50 per second
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)

    def on_tick() -> None:
        index = next(deltas, None)
        if index is None:
            timer.stop()
            QTimer.singleShot(100, loop.quit)
            return
        view.model.append_text("live", f"word{index} ")

    timer.timeout.connect(on_tick)
    wall, cpu = time.perf_counter(), time.process_time()
    timer.start()
    loop.exec()
    used = (time.process_time() - cpu) / (time.perf_counter() - wall) * 100
    view.close()
    return used


def bench_inspector(app: QApplication) -> tuple[float, float]:
    """Cost of one 20-event batch, added and repainted (ms): a folded stream of audio
    appends, then distinct events that fill and trim the 5,000-row history."""
    inspector = EventInspector()
    inspector.resize(900, 400)
    inspector.show()
    folded = [("client", {"type": "input_audio_buffer.append", "audio": AUDIO_100MS})] * 2000
    started = time.perf_counter()
    for start in range(0, len(folded), 20):
        inspector.add_records(folded[start : start + 20])
        app.processEvents()
    folded_ms = (time.perf_counter() - started) / (len(folded) / 20) * 1000
    distinct = [("server", {"type": f"event.{i}", "value": i}) for i in range(6000)]
    started = time.perf_counter()
    for start in range(0, len(distinct), 20):
        inspector.add_records(distinct[start : start + 20])
        app.processEvents()
    distinct_ms = (time.perf_counter() - started) / (len(distinct) / 20) * 1000
    inspector.close()
    return folded_ms, distinct_ms


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    for history in (10, 500):
        for coalesce_ms in (0, 33):
            used = bench_transcript(app, history, coalesce_ms)
            print(
                f"transcript streaming 50 deltas/s, {history} entries, "
                f"coalesce {coalesce_ms} ms: {used:.1f}% of a core"
            )
    event = {"type": "response.output_audio.delta", "delta": AUDIO_100MS, "item_id": "x"}
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        sanitise_event(event)
    print(f"sanitise one 100 ms audio delta: {(time.perf_counter() - started) / runs * 1e6:.1f} µs")
    folded_ms, distinct_ms = bench_inspector(app)
    print(f"inspector, 20 folded audio appends + repaint: {folded_ms:.2f} ms")
    print(f"inspector, 20 distinct events + repaint (5,000-row cap): {distinct_ms:.2f} ms")


if __name__ == "__main__":
    main()
