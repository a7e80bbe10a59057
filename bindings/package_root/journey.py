"""Pieces of the journey users ask about: speech-like audio in, a speech-to-text stand-in out.

Shared by `lkemu demo` and tools/examples/stt_forwarding.py.
"""

from __future__ import annotations

import numpy as np


def speech_like(seconds: float, rate: int, seed: int = 7) -> np.ndarray:
    """Voiced bursts (a pitch glide with harmonics) separated by pauses, as int16 mono."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * rate))
    position = int(0.3 * rate)
    while position < len(out) - rate // 2:
        length = int(rng.uniform(0.4, 0.9) * rate)
        t = np.arange(length) / rate
        pitch = rng.uniform(110, 220) * (1 + 0.15 * np.sin(2 * np.pi * 1.5 * t))
        phase = 2 * np.pi * np.cumsum(pitch) / rate
        voiced = sum(np.sin(k * phase) / k for k in range(1, 8))
        envelope = np.sin(np.pi * np.arange(length) / length) ** 0.5
        end = min(len(out), position + length)
        out[position:end] = (0.25 * voiced * envelope)[: end - position]
        position = end + int(rng.uniform(0.3, 0.6) * rate)
    return (np.clip(out, -1, 1) * 32767).astype(np.int16)


def speech_segments(seconds: float, rate: int, seed: int = 7) -> list[tuple[float, float]]:
    """Where speech_like() put its bursts, in seconds: the answer a segmenter should find."""
    audio = speech_like(seconds, rate, seed)
    voiced = np.abs(audio) > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]
    merged: list[tuple[float, float]] = []
    for start, end in zip(starts / rate, ends / rate, strict=True):
        if merged and start - merged[-1][1] < 0.05:  # zero crossings inside one burst
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class EnergySegmenter:
    """A speech-to-text stand-in: finds spoken segments from frame energy."""

    def __init__(self, threshold_dbfs: float = -40.0, hangover_frames: int = 10) -> None:
        self.threshold = threshold_dbfs
        self.hangover = hangover_frames
        self.position_s = 0.0
        self.segments: list[tuple[float, float]] = []
        self.frames = 0
        self._start: float | None = None
        self._last_loud_end = 0.0
        self._quiet = 0

    def push(self, samples: np.ndarray, sample_rate: int, num_channels: int = 1) -> None:
        level = 10 * np.log10(np.mean((samples.astype(np.float64) / 32768) ** 2) + 1e-12)
        duration = len(samples) / num_channels / sample_rate
        if level > self.threshold:
            if self._start is None:
                self._start = self.position_s
            self._quiet = 0
            self._last_loud_end = self.position_s + duration
        elif self._start is not None:
            self._quiet += 1
            if self._quiet > self.hangover:  # a pause long enough ends the segment
                self.segments.append((self._start, self._last_loud_end))
                self._start, self._quiet = None, 0
        self.frames += 1
        self.position_s += duration

    def flush(self) -> None:
        if self._start is not None:
            self.segments.append((self._start, self._last_loud_end))
            self._start = None
