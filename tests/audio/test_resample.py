"""Streaming resampling: chunked output equals one-shot output, with no seam clicks."""

from __future__ import annotations

import numpy as np
import soxr

from audio_engine import SessionCodec
from audio_engine.resample import StreamResampler


def sine(rate: int, seconds: float, freq: float = 440.0, level: float = 12000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * level).astype(np.int16)


def test_streamed_equals_one_shot_for_10ms_chunks() -> None:
    signal = sine(48000, 1.0)
    resampler = StreamResampler(48000, 24000)
    parts = [resampler.process(signal[i : i + 480]) for i in range(0, len(signal), 480)]
    parts.append(resampler.process(signal[:0], last=True))
    streamed = np.concatenate(parts).astype(int)
    one_shot = soxr.resample(signal, 48000, 24000).astype(int)
    assert len(streamed) == len(one_shot) == 24000
    assert np.max(np.abs(streamed - one_shot)) <= 2


def test_no_clicks_at_chunk_seams() -> None:
    resampler = StreamResampler(24000, 48000)
    signal = sine(24000, 0.5, freq=300.0)
    for start in range(0, len(signal), 240):
        resampler.push(signal[start : start + 240])
    out = resampler.pop_all().astype(float)
    body = out[2000:-2000]
    # A seam glitch would stand out as a jump far above a clean sine's largest step.
    largest_step = np.max(np.abs(np.diff(body)))
    assert largest_step <= 12000 * 2 * np.pi * 300 / 48000 * 1.05


def test_fifo_hands_out_exact_sizes() -> None:
    resampler = StreamResampler(24000, 44100)
    signal = sine(24000, 0.3)
    sizes = []
    for start in range(0, len(signal), 480):
        resampler.push(signal[start : start + 480])
        chunk = resampler.pop(882)
        while chunk is not None:
            sizes.append(len(chunk))
            chunk = resampler.pop(882)
    assert sizes and set(sizes) == {882}
    assert resampler.pop(10**6) is None


def test_g711_session_round_trip_keeps_the_signal() -> None:
    signal = sine(24000, 1.0, freq=440.0)
    target = signal[6000:18000].astype(float)
    for audio_format in ("g711_ulaw", "g711_alaw"):
        sender = SessionCodec(audio_format)
        receiver = SessionCodec(audio_format)
        wire = b"".join(
            sender.encode_capture(signal[i : i + 480].tobytes()) for i in range(0, 24000, 480)
        )
        assert 7000 < len(wire) <= 8000  # one byte per 8 kHz sample
        decoded = receiver.decode_playback(wire) + receiver.flush_playback()
        assert len(decoded) == 2 * 3 * len(wire)  # nothing stays behind in the resampler
        back = np.frombuffer(decoded, dtype=np.int16).astype(float)
        # The two resamplers delay the signal; find the lag, then compare shapes.
        scores = [np.dot(back[6000 + lag : 18000 + lag], target) for lag in range(400)]
        lag = int(np.argmax(scores))
        segment = back[6000 + lag : 18000 + lag]
        corr = np.dot(segment, target) / np.linalg.norm(segment) / np.linalg.norm(target)
        assert corr > 0.99, audio_format


def test_pcm16_is_passed_through_and_bad_formats_are_refused() -> None:
    codec = SessionCodec("pcm16")
    assert codec.encode_capture(b"\x01\x02") == b"\x01\x02"
    try:
        SessionCodec("opus")
    except ValueError as exc:
        assert "opus" in str(exc)
    else:
        raise AssertionError("an unsupported format was accepted")
