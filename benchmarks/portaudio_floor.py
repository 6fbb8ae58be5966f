"""What the audio alone costs through PyAudio on this machine: no network, no Qt.

``listen``: a callback input stream in 10 ms periods whose callback does
nothing, as Parley's microphone runs. ``stream``: the same plus a blocking
output stream written 10 ms at a time, as Parley plays a reply. The
benchmark measures this process's CPU; it is the least any client that
captures (and plays) in 10 ms periods through PortAudio pays here.

Run: ``python -m benchmarks.portaudio_floor listen|stream`` (until stdin closes).
"""

from __future__ import annotations

import sys
import threading

import pyaudio

RATE = 24000
PERIOD = 240


def main(mode: str) -> int:
    pa = pyaudio.PyAudio()
    capture = pa.open(
        format=pyaudio.paInt16, channels=1, rate=RATE, input=True, frames_per_buffer=PERIOD,
        stream_callback=lambda *_: (None, pyaudio.paContinue),
    )  # fmt: skip
    stop = threading.Event()
    writer = None
    if mode == "stream":
        playback = pa.open(format=pyaudio.paInt16, channels=1, rate=RATE, output=True,
                           frames_per_buffer=PERIOD)  # fmt: skip
        silence = bytes(2 * PERIOD)

        def play() -> None:
            while not stop.is_set():
                playback.write(silence)

        writer = threading.Thread(target=play, daemon=True)
        writer.start()
    print("ready", flush=True)
    sys.stdin.read()
    stop.set()
    if writer is not None:
        writer.join(timeout=2)
    capture.stop_stream()
    capture.close()
    pa.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
