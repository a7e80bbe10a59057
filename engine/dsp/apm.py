"""The audio processing module: WebRTC's stages in WebRTC's order, lkemu's DSP inside.

process_stream runs high-pass, echo cancellation (against what process_reverse_stream
was given, aligned by the stream delay), noise suppression, then gain control, each
switchable as in NewApmRequest. Audio is int16 interleaved in 10 ms multiples, processed
in place by the caller's memory; the stages work on mono (echo) or per channel.
"""

from __future__ import annotations

import numpy as np

from .blocks import ten_ms
from .echo import EchoCanceller
from .gain import GainController
from .highpass import HighPassFilter
from .noise_suppression import NoiseSuppressor

TEN_MS_ERROR = "slice must have a multiple of 10ms worth of samples"


class AudioProcessor:
    def __init__(
        self,
        echo_cancellation: bool,
        noise_suppression: bool,
        high_pass_filter: bool,
        gain_control: bool,
    ) -> None:
        self.echo_cancellation = echo_cancellation
        self.noise_suppression = noise_suppression
        self.high_pass_filter = high_pass_filter
        self.gain_control = gain_control
        self._format: tuple[int, int] | None = None
        self._delay_ms = 0
        self._highpass: HighPassFilter | None = None
        self._echo: EchoCanceller | None = None
        self._noise: NoiseSuppressor | None = None
        self._gain: GainController | None = None

    def _configure(self, sample_rate: int, channels: int) -> None:
        if self._format == (sample_rate, channels):
            return
        # A new format restarts every stage, as WebRTC reinitializes on a format change.
        self._format = (sample_rate, channels)
        self._highpass = HighPassFilter(sample_rate, channels) if self.high_pass_filter else None
        self._echo = EchoCanceller(sample_rate) if self.echo_cancellation else None
        if self._echo is not None:
            self._echo.set_delay_ms(self._delay_ms)
        self._noise = NoiseSuppressor(sample_rate, channels) if self.noise_suppression else None
        self._gain = GainController(sample_rate) if self.gain_control else None

    @staticmethod
    def _frames(samples: np.ndarray, sample_rate: int, channels: int) -> np.ndarray:
        if sample_rate <= 0 or channels <= 0:
            raise ValueError(f"invalid format: {sample_rate} Hz, {channels} channel(s)")
        per_10ms = ten_ms(sample_rate) * channels
        if len(samples) < per_10ms or len(samples) % per_10ms:
            raise ValueError(TEN_MS_ERROR)
        return samples.reshape(-1, channels).astype(np.float64) / 32768.0

    def process_stream(self, samples: np.ndarray, sample_rate: int, channels: int) -> np.ndarray:
        frames = self._frames(samples, sample_rate, channels)
        self._configure(sample_rate, channels)
        if self._highpass is not None:
            frames = self._highpass.process(frames)
        if self._echo is not None:
            cleaned = self._echo.process(frames.mean(axis=1))
            frames = frames - (frames.mean(axis=1) - cleaned)[:, None]
        if self._noise is not None:
            frames = self._noise.process(frames)
        if self._gain is not None:
            frames = self._gain.process(frames)
        return np.clip(np.rint(frames * 32768.0), -32768, 32767).astype(np.int16).reshape(-1)

    def process_reverse_stream(
        self, samples: np.ndarray, sample_rate: int, channels: int
    ) -> np.ndarray:
        frames = self._frames(samples, sample_rate, channels)
        self._configure(sample_rate, channels)
        if self._echo is not None:
            self._echo.push_far(frames.mean(axis=1))
        return samples  # WebRTC leaves the reverse stream as it is here

    def set_stream_delay_ms(self, delay_ms: int) -> None:
        if self._echo is not None:
            self._echo.set_delay_ms(delay_ms)
        elif not 0 <= delay_ms <= 500:
            raise ValueError("stream delay must be within 0..500 ms")
        self._delay_ms = delay_ms
