"""The two PortAudio callback streams (input-only and output-only) and their callbacks.

One combined input+output stream glitches and dies on the ALSA pulse plugin, so
capture and playback are separate streams with separate callbacks. The
callbacks only copy between PortAudio's buffers and the rings, count frames and
note status flags; they never log, touch Qt or wait on a lock.

Both streams run at 24 kHz when the device accepts it. Otherwise the stream
opens at the device's default rate and a stateful soxr resampler converts
inside the callback (about 5 µs per chunk).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pyaudio

from audio_engine.capture import CaptureRing
from audio_engine.devices import AudioDevice, DeviceChoice, choose_device, devices_from
from audio_engine.errors import AudioDeviceError
from audio_engine.playback import PlaybackQueue
from audio_engine.resample import StreamResampler
from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]
ENGINE_RATE = 24000


def _negotiate_rate(
    pa: pyaudio.PyAudio, device: AudioDevice, input_side: bool, forced_rate: int | None
) -> int:
    candidates = [forced_rate] if forced_rate else [ENGINE_RATE, int(device.default_sample_rate)]
    for rate in candidates:
        try:
            kwargs: dict[str, Any] = {
                "rate": rate,
                f"{'input' if input_side else 'output'}_device": device.index,
                f"{'input' if input_side else 'output'}_channels": 1,
                f"{'input' if input_side else 'output'}_format": pyaudio.paInt16,
            }
            if pa.is_format_supported(**kwargs):
                return rate
        except ValueError:
            continue
    raise AudioDeviceError(
        f"The audio device {device.name!r} supports neither 24000 Hz nor its default rate "
        "for 16-bit mono."
    )


class StreamPair:
    def __init__(
        self,
        pa: pyaudio.PyAudio,
        input_device: AudioDevice,
        output_device: AudioDevice,
        chunk_samples: int,
        output_samples: int,
        capture: CaptureRing,
        playback: PlaybackQueue,
        far_end: SampleRing,
        forced_rate: int | None = None,
    ) -> None:
        self._pa = pa
        self._capture = capture
        self._playback = playback
        self._far_end = far_end
        self.chunk_samples = chunk_samples
        self.output_samples = output_samples
        self.capture_open = True  # the gate: mute / push-to-talk
        self.input_rate = _negotiate_rate(pa, input_device, True, forced_rate)
        self.output_rate = _negotiate_rate(pa, output_device, False, forced_rate)
        self._in_resampler = (
            StreamResampler(self.input_rate, ENGINE_RATE)
            if self.input_rate != ENGINE_RATE
            else None
        )
        self._out_resampler = (
            StreamResampler(ENGINE_RATE, self.output_rate)
            if self.output_rate != ENGINE_RATE
            else None
        )
        self._out_buffer: Samples = np.zeros(output_samples, dtype=np.int16)
        self.input_frames = 0
        self.output_frames = 0
        self.input_overflows = 0
        self.output_underflows = 0
        self.last_input_time = 0.0
        self.last_output_time = 0.0
        self._input: Any = None
        self._output: Any = None
        self._open(input_device, output_device)

    @staticmethod
    def _frames(samples_at_24k: int, rate: int) -> int:
        return samples_at_24k * rate // ENGINE_RATE

    def _open(self, input_device: AudioDevice, output_device: AudioDevice) -> None:
        try:
            self._output = self._pa.open(
                format=pyaudio.paInt16,
                channels=1,
                rate=self.output_rate,
                output=True,
                output_device_index=output_device.index,
                frames_per_buffer=self._frames(self.output_samples, self.output_rate),
                stream_callback=self._on_output_callback,
            )
            self._input = self._pa.open(
                format=pyaudio.paInt16,
                channels=1,
                rate=self.input_rate,
                input=True,
                input_device_index=input_device.index,
                frames_per_buffer=self._frames(self.chunk_samples, self.input_rate),
                stream_callback=self._on_input_callback,
            )
        except OSError as exc:
            self.close()
            raise AudioDeviceError(
                f"Could not open the audio devices {input_device.name!r} (input) and "
                f"{output_device.name!r} (output): {exc}"
            ) from exc
        self.last_input_time = self.last_output_time = time.monotonic()

    def latencies(self) -> tuple[float, float]:
        """PortAudio's own input and output latency estimates, in seconds."""
        try:
            return float(self._input.get_input_latency()), float(self._output.get_output_latency())
        except (OSError, AttributeError):
            return 0.0, 0.0

    def is_active(self) -> bool:
        try:
            return bool(self._input.is_active() and self._output.is_active())
        except (OSError, AttributeError):
            return False

    def close(self) -> None:
        """Stop both streams; PortAudio joins its callback threads here."""
        for stream in (self._input, self._output):
            if stream is None:
                continue
            try:
                if not stream.is_stopped():
                    stream.stop_stream()
            except OSError:
                pass
            with contextlib.suppress(OSError):
                stream.close()
        self._input = None
        self._output = None

    def _on_input_callback(
        self, in_data: bytes | None, frame_count: int, _time_info: Any, status: int
    ) -> tuple[None, int]:
        self.last_input_time = time.monotonic()
        self.input_frames += frame_count
        if status & pyaudio.paInputOverflow:
            self.input_overflows += 1
        if in_data is not None and self.capture_open:
            samples: Samples = np.frombuffer(in_data, dtype=np.int16)
            if self._in_resampler is not None:
                samples = self._in_resampler.process(samples)
            self._capture.push(samples, self._far_end.write_pos)
        return None, pyaudio.paContinue

    def _on_output_callback(
        self, _in_data: bytes | None, frame_count: int, _time_info: Any, status: int
    ) -> tuple[bytes, int]:
        self.last_output_time = time.monotonic()
        self.output_frames += frame_count
        if status & pyaudio.paOutputUnderflow:
            self.output_underflows += 1
        if self._out_resampler is None:
            out = self._out_buffer
            if frame_count != len(out):
                out = np.zeros(frame_count, dtype=np.int16)
            self._playback.pull(out)
            self._far_end.write(out)
            return out.tobytes(), pyaudio.paContinue
        resampler = self._out_resampler
        while resampler.buffered < frame_count:
            self._playback.pull(self._out_buffer)
            self._far_end.write(self._out_buffer)
            resampler.push(self._out_buffer)
        device_samples = resampler.pop(frame_count)
        assert device_samples is not None
        return device_samples.tobytes(), pyaudio.paContinue


def open_stream_pair(
    pa: pyaudio.PyAudio,
    device_names: tuple[str | None, str | None],
    chunk_samples: int,
    capture: CaptureRing,
    playback: PlaybackQueue,
    far_end: SampleRing,
    forced_rate: int | None = None,
) -> tuple[StreamPair, DeviceChoice, DeviceChoice]:
    """Choose the (input, output) devices by name (None = default) and open both streams."""
    devices = devices_from(pa)
    chosen_in = choose_device(devices, device_names[0], "input")
    chosen_out = choose_device(devices, device_names[1], "output")
    streams = StreamPair(
        pa,
        chosen_in.device,
        chosen_out.device,
        chunk_samples,
        playback.prebuffer,
        capture,
        playback,
        far_end,
        forced_rate=forced_rate,
    )
    return streams, chosen_in, chosen_out
