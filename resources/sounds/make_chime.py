"""Regenerates chime.wav: a soft two-note chime for timers (24 kHz, mono, 16-bit)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 24000


def note(frequency: float, start: float, length: float, total: float) -> np.ndarray:
    t = np.arange(int(total * RATE)) / RATE
    local = t - start
    envelope = np.where(local >= 0, np.exp(-np.clip(local, 0, None) * 5.0), 0.0)
    attack = np.clip(local / 0.005, 0.0, 1.0)
    partials = np.sin(2 * np.pi * frequency * local) + 0.3 * np.sin(4 * np.pi * frequency * local)
    return np.where(local < length, partials * envelope * attack, 0.0)


def chime() -> np.ndarray:
    total = 0.9
    signal = note(880.0, 0.0, total, total) + note(1318.5, 0.18, total, total)
    fade = np.minimum(1.0, (total - np.arange(signal.size) / RATE) / 0.05)
    signal *= fade
    return (signal / np.abs(signal).max() * 0.5 * 32767).astype("<i2")


def main() -> None:
    path = Path(__file__).with_name("chime.wav")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(chime().tobytes())


if __name__ == "__main__":
    main()
