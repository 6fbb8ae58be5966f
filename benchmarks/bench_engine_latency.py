"""Offline engine: voice-to-voice latency, resident memory and cold start.

Starts ``python -m desktop.local_engine`` as its own process, then streams
espeak-ng speech to it in real time (20 ms appends) with the default turn
detection (server VAD, 500 ms of silence). Latency runs from the end of speech in
the audio stream (the send of the append holding the last speech sample) to the
first ``response.output_audio.delta`` received.

Run: python -m benchmarks.bench_engine_latency [--runs N]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import wave
from typing import Any

import numpy as np
import psutil
import soxr
from websockets.sync.client import connect

RATE = 24000
CHUNK = RATE * 20 // 1000
PHRASES = (
    "what time is it",
    "what is the date today",
    "what is twelve times four",
    "can you help me",
    "set a timer for ten minutes",
    "what is seven plus five",
)
TIMER_TOOL = {
    "type": "function",
    "name": "set_timer",
    "description": "Start a countdown timer",
    "parameters": {"type": "object", "properties": {"duration_seconds": {"type": "integer"}}},
}


def espeak_speech(text: str) -> tuple[np.ndarray[Any, Any], int]:
    """24 kHz speech, and the index just past its last audible sample."""
    program = shutil.which("espeak-ng")
    if program is None:
        sys.exit("espeak-ng is required to generate the test speech")
    wav_bytes = subprocess.run(
        [program, "--stdout", "-v", "en-us", "-s", "160", text], capture_output=True, check=True
    ).stdout
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    speech = soxr.resample(pcm, rate, RATE).astype(np.int16)
    audible = np.nonzero(np.abs(speech.astype(np.int32)) > 300)[0]
    return speech, int(audible[-1]) + 1


def start_engine(wait_speech: bool = True) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    level = os.environ.get("ENGINE_LOG_LEVEL", "WARNING")
    wait = ["--wait-speech"] if wait_speech else []
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop.local_engine", "--port", "0", *wait, "--log-level", level],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("ws://"):
        process.kill()
        sys.exit("the engine did not start")
    return process, url, time.perf_counter() - started


def one_turn(url: str, text: str) -> dict[str, Any]:
    speech, speech_end = espeak_speech(text)
    lead = np.zeros(RATE, dtype=np.int16)
    tail = np.zeros(RATE * 3 // 2, dtype=np.int16)
    stream = np.concatenate((lead, speech, tail))
    end_sample = len(lead) + speech_end
    marks: dict[str, float] = {}
    with connect(f"{url}/realtime?model=bench", max_size=None) as ws:
        ws.recv()
        ws.recv()
        ws.send(json.dumps({"type": "session.update", "session": {
            "type": "realtime", "tools": [TIMER_TOOL],
            "audio": {"input": {"transcription": {"model": "whisper-1"}}}}}))  # fmt: skip

        def sender() -> None:
            begin = time.perf_counter()
            for index, start in enumerate(range(0, len(stream), CHUNK)):
                due = begin + (index + 1) * CHUNK / RATE  # a microphone delivers at chunk end
                time.sleep(max(0.0, due - time.perf_counter()))
                chunk = stream[start : start + CHUNK].astype("<i2").tobytes()
                ws.send(json.dumps({"type": "input_audio_buffer.append",
                                    "audio": base64.b64encode(chunk).decode()}))  # fmt: skip
                if start < end_sample <= start + CHUNK:
                    marks["speech_end"] = time.perf_counter()

        thread = threading.Thread(target=sender)
        thread.start()
        transcript = reply = ""
        while True:
            event = json.loads(ws.recv(timeout=30))
            now = time.perf_counter()
            kind = event["type"]
            if kind == "input_audio_buffer.speech_stopped":
                marks.setdefault("speech_stopped", now)
            elif kind == "conversation.item.input_audio_transcription.completed":
                transcript = event["transcript"]
                marks.setdefault("transcribed", now)
            elif kind in ("response.output_audio.delta", "response.function_call_arguments.done"):
                marks.setdefault("first_output", now)
            elif kind == "response.output_audio_transcript.done":
                reply = event["transcript"]
            elif kind == "response.done":
                break
        thread.join()
    end = marks["speech_end"]
    return {
        "text": text,
        "heard": transcript,
        "reply": reply,
        "latency": marks["first_output"] - end,
        "stopped": marks.get("speech_stopped", float("nan")) - end,
        "transcribed": marks.get("transcribed", float("nan")) - end,
    }


def typed_turn_latency(url: str) -> float:
    """From sending response.create after a typed question to the first audio delta."""
    with connect(f"{url}/realtime?model=bench", max_size=None) as ws:
        ws.recv()
        ws.recv()
        ws.send(json.dumps({"type": "conversation.item.create", "item": {
            "type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "what time is it"}]}}))  # fmt: skip
        started = time.perf_counter()
        ws.send(json.dumps({"type": "response.create"}))
        first = 0.0
        while True:
            event = json.loads(ws.recv(timeout=30))
            if event["type"] == "response.output_audio.delta" and not first:
                first = time.perf_counter() - started
            if event["type"] == "response.done":
                return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="passes over the phrase list")
    args = parser.parse_args()
    bare, _, listening = start_engine(wait_speech=False)
    bare.terminate()
    bare.wait(timeout=10)
    process, url, cold_start = start_engine()
    try:
        typed = sorted(typed_turn_latency(url) for _ in range(10))
        engine = psutil.Process(process.pid)
        results = []
        one_turn(url, "hello")  # warm the connection path; not counted
        for _ in range(args.runs):
            for phrase in PHRASES:
                result = one_turn(url, phrase)
                results.append(result)
                print(
                    f"{result['latency']:6.3f} s  (vad stop +{result['stopped']:.3f}, "
                    f"transcript +{result['transcribed']:.3f})  {phrase!r} -> "
                    f"{result['heard']!r} -> {result['reply'][:40]!r}"
                )
        rss_mb = engine.memory_info().rss / 1e6
    finally:
        process.terminate()
        process.wait(timeout=10)
    latencies = [r["latency"] for r in results]
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"cold start to listening (model loading in the background): {listening:.2f} s")
    print(f"cold start to listening with the speech model loaded: {cold_start:.2f} s")
    print(f"typed turn, response.create to first audio delta: median {typed[5] * 1000:.1f} ms")
    print(
        f"voice-to-voice latency over {len(latencies)} turns: "
        f"median {statistics.median(latencies):.3f} s, "
        f"mean {statistics.mean(latencies):.3f} s, min {min(latencies):.3f} s, "
        f"max {max(latencies):.3f} s"
    )
    print(f"engine resident memory after the turns: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
