"""The audio processing module: WebRTC's stages in WebRTC's order, lkemu's DSP inside.

`process_stream` runs, each when switched on as in `NewApmRequest`:
high-pass (highpass.py) -> echo cancellation (echo.py, against what
`process_reverse_stream` was given; `set_stream_delay_ms` is where its filter starts, and
its own delay estimator finds the echo when that is unset or wrong) -> noise suppression
(noise_suppression.py) -> gain control (gain.py). Audio is int16 interleaved, a whole
number of 10 ms frames per call, returned with the caller's shape and dtype (the engine
copies it back into the caller's buffer: processing is in place). Echo cancellation
estimates the echo from the channels' mean, subtracts it from every channel and applies
one suppression gain to all; the other stages keep per-channel state (noise suppression
shares one gain across channels).

Latency: noise suppression delays the audio by 20 ms (its frames are 30 ms at 10 ms hops),
echo cancellation by 10 ms (its residual echo suppressor's overlap-add; native AEC3
measured 4-8 ms at 16 kHz); the other stages add none.

Errors, as the native core words them (libwebrtc/src/native/apm.rs, webrtc-sys apm.cpp):
- not a whole number of 10 ms frames (or none): "slice must have a multiple of 10ms worth of
  samples" (native asserts this and panics; lkemu raises ValueError with the same text);
- a format WebRTC refuses (rate outside 8000..384000 Hz, no channels): "Failed to process
  stream" / "Failed to process reverse stream";
- a stream delay outside 0..500 ms: WebRTC clamps it, applies the clamped value and
  reports a warning, which the core turns into "Failed to set stream delay".

A new format on the forward stream restarts every stage, as WebRTC reinitializes. The
reverse stream may come at another rate than the forward one: it is resampled to the
forward rate for the echo canceller.
"""

from __future__ import annotations

import numpy as np

from .blocks import float_to_int16, int16_to_float
from .echo import EchoCanceller
from .gain import GainController
from .highpass import HighPassFilter
from .noise_suppression import NoiseSuppressor
from .polyphase import StreamingResampler

# WebRTC's noise suppressor at the level livekit's APM leaves it (AudioProcessing::Config's
# default, kModerate): its gain never goes under 0.25, 12 dB. Measured on livekit 1.2.1
# (bench/bench_dsp_quality.py): noise alone 12.5 dB down in white noise, 13.9 in pink, where
# lkemu's 30 dB floor took it down 30 dB. The filter modules keep their own floors.
NATIVE_NOISE_FLOOR_DB = 12.04

TEN_MS_ERROR = "slice must have a multiple of 10ms worth of samples"
PROCESS_ERROR = "Failed to process stream"
REVERSE_ERROR = "Failed to process reverse stream"
DELAY_ERROR = "Failed to set stream delay"
MIN_RATE, MAX_RATE = 8000, 384000
MAX_DELAY_MS = 500
PENDING_FAR_LIMIT = 100  # reverse frames kept before the first forward frame


def _to_float(samples: np.ndarray, sample_rate: int, channels: int, error: str) -> np.ndarray:
    """int16 interleaved samples to float frames (n, channels), checking as native does."""
    if sample_rate <= 0 or channels <= 0:
        raise ValueError(error)
    per_10ms = sample_rate // 100 * channels
    if per_10ms == 0 or samples.size < per_10ms or samples.size % per_10ms:
        raise ValueError(TEN_MS_ERROR)
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise ValueError(error)
    return int16_to_float(samples.reshape(-1, channels))


def _to_int16(frames: np.ndarray, like: np.ndarray) -> np.ndarray:
    return float_to_int16(frames).reshape(like.shape)


class AudioProcessor:
    """One APM instance; the switches are fixed at creation as in `new_apm`."""

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
        self.delay_ms = 0
        self.delay_stated = False  # until set_stream_delay_ms, the canceller looks for it
        self._highpass: HighPassFilter | None = None
        self._echo: EchoCanceller | None = None
        self._noise: NoiseSuppressor | None = None
        self._gain: GainController | None = None
        self._reverse_resampler: tuple[int, StreamingResampler] | None = None
        self._pending_far: list[tuple[int, np.ndarray]] = []

    @property
    def latency_frames(self) -> int:
        """How many frames the forward stream is delayed by (echo suppression's and noise
        suppression's framing)."""
        echo = self._echo.latency_frames if self._echo is not None else 0
        return echo + (self._noise.latency_frames if self._noise is not None else 0)

    def _configure(self, sample_rate: int, channels: int) -> None:
        if self._format == (sample_rate, channels):
            return
        self._format = (sample_rate, channels)
        self._highpass = HighPassFilter(sample_rate, channels) if self.high_pass_filter else None
        self._echo = (
            EchoCanceller(sample_rate, channels=channels) if self.echo_cancellation else None
        )
        if self._echo is not None and self.delay_stated:
            self._echo.set_delay_ms(self.delay_ms)
        self._noise = (
            NoiseSuppressor(sample_rate, channels, NATIVE_NOISE_FLOOR_DB)
            if self.noise_suppression
            else None
        )
        self._gain = GainController(sample_rate) if self.gain_control else None
        self._reverse_resampler = None
        pending, self._pending_far = self._pending_far, []
        for rate, mono in pending:
            self._push_far(rate, mono)

    def process_stream(
        self, samples: np.ndarray, sample_rate: int, num_channels: int
    ) -> np.ndarray:
        """Near-end (capture) audio: int16 interleaved, 10 ms multiples; same shape out."""
        frames = _to_float(samples, sample_rate, num_channels, PROCESS_ERROR)
        self._configure(sample_rate, num_channels)
        if self._highpass is not None:
            frames = self._highpass.process(frames)
        if self._echo is not None:
            frames = self._echo.process(frames)
        if self._noise is not None:
            frames = self._noise.process(frames)
        if self._gain is not None:
            frames = self._gain.process(frames)
        return _to_int16(frames, samples)

    def process_reverse_stream(
        self, samples: np.ndarray, sample_rate: int, num_channels: int
    ) -> np.ndarray:
        """Far-end (render) audio, the echo canceller's reference; returned unchanged."""
        frames = _to_float(samples, sample_rate, num_channels, REVERSE_ERROR)
        if self.echo_cancellation:
            # the channels' mean (np.mean's sum and division; a mono frame is its own)
            mono = frames[:, 0] if num_channels == 1 else frames.sum(axis=1) / num_channels
            self._push_far(sample_rate, mono)
        return samples

    def _push_far(self, sample_rate: int, mono: np.ndarray) -> None:
        if self._format is None:
            self._pending_far.append((sample_rate, mono))
            del self._pending_far[:-PENDING_FAR_LIMIT]
            return
        if self._echo is None:
            return
        target = self._format[0]
        if sample_rate != target:
            if self._reverse_resampler is None or self._reverse_resampler[0] != sample_rate:
                resampler = StreamingResampler(sample_rate, target, 1)
                self._reverse_resampler = (sample_rate, resampler)
            mono = self._reverse_resampler[1].push(mono[:, None])[:, 0]
        self._echo.push_far(mono)

    def set_stream_delay_ms(self, delay_ms: int) -> None:
        """Delay between a reverse frame and its echo in the forward stream (0..500 ms)."""
        clamped = min(max(int(delay_ms), 0), MAX_DELAY_MS)
        self.delay_ms = clamped
        self.delay_stated = True
        if self._echo is not None:
            self._echo.set_delay_ms(clamped)
        if clamped != delay_ms:
            raise ValueError(DELAY_ERROR)
