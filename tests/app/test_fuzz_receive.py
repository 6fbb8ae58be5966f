"""Thousands of mutated server frames through the real receive path.

A scripted server on loopback sends frames recorded from a real conversation
(tests/app/data/server_frames.json), mutated by a seeded generator: cut short,
types swapped, nested a thousand deep, strings of a megabyte, lone surrogates,
fields of the wrong type, binary junk. They reach the real worker thread, the
ConversationController and two event inspectors (one shown, one hidden and
logging in batches). Qt warnings fail the test (pytest's qt_log_level_fail), as
does any exception in a slot. Afterwards the app still completes a turn.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.config.logging_setup import setup_logging
from desktop.connection.state import ConnectionState
from desktop.conversation.turn_machine import TurnState
from tests.support.conversation import MakeController, offline_settings, wait_live
from tests.support.ga_script import spoken_item, spoken_reply
from tests.support.scripted_server import ScriptedServer
from ui.event_inspector import EventInspector

SEED = 20261130
FRAME_COUNT = 3000
RECORDED = json.loads((Path(__file__).parent / "data" / "server_frames.json").read_text())
KNOWN_TYPES = sorted({frame["type"] for frame in RECORDED})
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1e308,
    "",
    "x",
    [],
    {},
    [1, "a", None],
    {"type": 5},
    "resp_1",
    "item_unknown",
]

Json = Any
Mutation = Callable[[random.Random, Json], Json]


def _containers(node: Json) -> list[dict[str, Any] | list[Any]]:
    found: list[dict[str, Any] | list[Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict | list):
            found.append(current)
            stack.extend(current.values() if isinstance(current, dict) else current)
    return found


def _set_somewhere(rng: random.Random, frame: Json, value: Any) -> None:
    target = rng.choice(_containers(frame))
    if isinstance(target, dict):
        key = rng.choice([*target.keys(), "delta", "text", "transcript"]) if target else "x"
        target[key] = value
    elif target:
        target[rng.randrange(len(target))] = value
    else:
        target.append(value)


def _retype(rng: random.Random, frame: Json) -> Json:
    _set_somewhere(rng, frame, copy.deepcopy(rng.choice(ODD_VALUES)))
    return frame


def _swap_event_type(rng: random.Random, frame: Json) -> Json:
    frame["type"] = rng.choice([*KNOWN_TYPES, "", "unknown.kind", 42, None, ["error"]])
    return frame


def _nest(rng: random.Random, frame: Json) -> Json:
    depth = rng.choice([45, 300, 700, 900, 980, 5000])
    deep: Any = "bottom"
    for level in range(depth):
        deep = [deep] if level % 2 else {"d": deep}
    _set_somewhere(rng, frame, deep)
    return frame


def _huge(rng: random.Random, frame: Json) -> Json:
    size = rng.choice([20_000, 200_000, 1_000_000])
    _set_somewhere(rng, frame, rng.choice("aé漢 ") * size)
    return frame


def _surrogates(rng: random.Random, frame: Json) -> Json:
    _set_somewhere(rng, frame, "half " + chr(rng.randrange(0xD800, 0xE000)) + " pair")
    return frame


def _drop(rng: random.Random, frame: Json) -> Json:
    dicts = [c for c in _containers(frame) if isinstance(c, dict) and c]
    if dicts:
        target = rng.choice(dicts)
        del target[rng.choice(list(target))]
    return frame


MUTATIONS: list[Mutation] = [_retype, _swap_event_type, _nest, _huge, _surrogates, _drop]
#: Relative weights: huge strings and deep nesting are costly, so rarer.
WEIGHTS = [6, 3, 1, 1, 3, 4]


def mutated_frame(rng: random.Random) -> str | bytes:
    frame = copy.deepcopy(rng.choice(RECORDED))
    roll = rng.random()
    if roll < 0.03:
        return rng.randbytes(rng.randrange(1, 300))  # a binary frame of junk
    if roll < 0.06:
        return json.dumps(frame).replace("0", "NaN", 1)  # non-standard JSON
    for _ in range(rng.choice([1, 1, 2, 3])):
        frame = rng.choices(MUTATIONS, WEIGHTS)[0](rng, frame)
    try:
        text = json.dumps(frame)  # lone surrogates become \ud8xx escapes
    except (RecursionError, ValueError):
        return '{"type": "error", "error": ' * 2000
    if roll < 0.15:
        return text[: rng.randrange(1, max(2, len(text)))]  # cut short
    return text


class ReplyingServer(ScriptedServer):
    """The scripted server, answering each response.create with a short reply."""

    def reply_to_requests(self) -> int:
        """Answer the response.create events received so far; how many there were."""
        answered = 0
        while not self.received.empty():
            event = self.received.get()
            if event.get("type") == "response.create":
                answered += 1
                self._reply(f"resp_final_{answered}_{time.monotonic_ns()}")
        return answered

    def _reply(self, response_id: str) -> None:
        item = spoken_item(f"item_{response_id}", "Still here, and still listening.")
        for frame in spoken_reply(response_id, item):
            self.send(frame)


@pytest.fixture
def server() -> Iterator[ReplyingServer]:
    scripted = ReplyingServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's own log handlers (a UTF-8 file), as the app sets them up."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    path = setup_logging("INFO", log_dir=tmp_path / "logs", stderr=False)
    yield path
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.slow
def test_mutated_server_frames_leave_the_app_working(
    qtbot: QtBot,
    server: ReplyingServer,
    make_controller: MakeController,
    log_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    settings = offline_settings(ui={"talk_mode": "ptt"})
    settings.connection.backend = "custom"
    settings.connection.url = server.base_url
    controller = make_controller(settings)
    shown, hidden = EventInspector(max_rows=400), EventInspector(max_rows=400)
    for inspector in (shown, hidden):
        qtbot.addWidget(inspector)
        controller.inspector_records.connect(inspector.add_records)
    shown.show()
    try:
        controller.connect_backend()
        wait_live(qtbot, controller)
        rng = random.Random(SEED)
        frames = [mutated_frame(rng) for _ in range(FRAME_COUNT)]
        sent = threading.Event()

        def send_all() -> None:
            for frame in frames:
                server.send(frame)
                server.reply_to_requests()
            sent.set()

        sender = threading.Thread(target=send_all, name="fuzz-sender")
        sender.start()
        qtbot.waitUntil(sent.is_set, timeout=60000)
        sender.join()
        qtbot.wait(300)  # the last frames and an inspector tick
        server.reply_to_requests()
        assert controller.connection_state is ConnectionState.LIVE, controller.connection_reason
        assert controller.session.worker is not None

        # A turn from start to finish after all that.
        assert controller.send_text("Are you still there?")

        def finished() -> bool:
            server.reply_to_requests()
            last = controller.transcript.entries()[-1]
            return (
                last.role == "assistant"
                and last.id.startswith("item_resp_final")
                and last.status == "done"
                and controller.turn_state is TurnState.IDLE
            )

        qtbot.waitUntil(finished, timeout=15000)
        assert controller.transcript.entries()[-1].text == "Still here, and still listening."
        qtbot.waitUntil(lambda: "response.done" in shown.visible_types()[-3:], timeout=5000)
        assert shown.model.rowCount() <= 400
        hidden.show()  # its batches, logged with model resets, catch up
        assert 0 < hidden.model.rowCount() <= 400
    finally:
        controller.shutdown()
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Logging error" not in capsys.readouterr().err
    logged = log_file.read_text(encoding="utf-8")
    assert "server error" in logged and "\\ud" in logged, "a lone surrogate, escaped, kept"


def test_the_mutations_are_seeded_and_varied() -> None:
    first = [mutated_frame(random.Random(SEED)) for _ in range(1)]
    again = [mutated_frame(random.Random(SEED)) for _ in range(1)]
    assert first == again
    rng = random.Random(SEED)
    sample = [mutated_frame(rng) for _ in range(400)]
    assert any(isinstance(f, bytes) for f in sample)
    texts = [f for f in sample if isinstance(f, str)]
    assert any("\\ud" in f or "\\udc" in f for f in texts), "lone surrogates"
    assert any(len(f) > 100_000 for f in texts), "huge strings"
    assert any(f.count("[") > 300 for f in texts), "deep nesting"
    unparseable = 0
    for text in texts:
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            unparseable += 1
    assert unparseable > 20, "cut short"
