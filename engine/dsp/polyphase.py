"""A streaming rational resampler: polyphase FIR, stateful across pushes, vectorized.

Output sample n sits at input position n * down / up. It is computed from the `taps` input
samples before that position with the filter phase (n * down) mod up, so pushing a signal in
chunks of any size gives exactly what one push of the whole signal gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy import signal

# SciPy's C++ kernel behind `csr_matrix @ x`, called directly: the public operator's checks
# cost more than the arithmetic of a 10 ms push. A plan is a sparse matrix whose row n holds
# output n's filter branch at the columns of its input window.
from scipy.sparse._sparsetools import csr_matvec

try:  # the ufunc itself: np.clip's Python wrapper costs three times the clipping
    from numpy._core.umath import clip as _clip  # type: ignore[attr-defined]
except ImportError:  # NumPy 1.x
    from numpy.core.umath import clip as _clip  # type: ignore[no-redef]

# Taps per polyphase branch by quality; more taps, steeper anti-alias filter.
TAPS_BY_QUALITY = {"quick": 8, "low": 16, "medium": 24, "high": 32, "very_high": 48}

# lkemu's limit (native soxr has none): a filter of up * taps coefficients for a ratio
# reduced to up/down. 2**17 coefficients design in ~17 ms of CPU (2**18 took 35-40 ms on a
# 2-core machine, near the 50 ms no request may hold the engine's loop for, the fuzzer
# found) and weigh 1 MB; 44.1 kHz <-> 48 kHz needs 160 * 24, 8 kHz -> 44.1 kHz 441 * 48
# at the most. Past it (1 Hz -> 1 MHz needed 24 million, 8 s and 190 MB), rates are refused.
MAX_FILTER_COEFFICIENTS = 1 << 17
# Designs are shared by every resampler of a ratio, and kept up to this many bytes.
DESIGN_CACHE_BYTES = 32 << 20


MIN_BLOCK_FRAMES = 480
MAX_BLOCK_OUTPUT_FRAMES = 48_000


class RatioTooFine(ValueError):
    """A pair of rates whose filter would pass MAX_FILTER_COEFFICIENTS."""


def filter_size(input_rate: int, output_rate: int, quality: str = "medium") -> int:
    """Coefficients the filter between these rates needs (0 when no filter is needed)."""
    divisor = gcd(input_rate, output_rate)
    up = output_rate // divisor
    return 0 if input_rate == output_rate else up * TAPS_BY_QUALITY[quality]


def check_ratio(input_rate: int, output_rate: int, quality: str = "medium") -> None:
    """Raise RatioTooFine where the filter between these rates passes lkemu's limit."""
    size = filter_size(input_rate, output_rate, quality)
    if size > MAX_FILTER_COEFFICIENTS:
        raise RatioTooFine(
            f"resampling {input_rate} Hz to {output_rate} Hz needs a filter of {size} "
            f"coefficients, over lkemu's limit of {MAX_FILTER_COEFFICIENTS}: the rates' "
            "ratio is too fine (its reduced numerator too large)"
        )


class _DesignCache:
    """Filter designs by (up, down, taps), the least recently used dropped past a size."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self._designs: dict[tuple[int, int, int], np.ndarray] = {}

    def get(self, up: int, down: int, taps: int) -> np.ndarray:
        key = (up, down, taps)
        design = self._designs.pop(key, None)
        if design is None:
            design = _design(up, down, taps)
        self._designs[key] = design  # most recent last
        while sum(d.nbytes for d in self._designs.values()) > self.limit_bytes:
            oldest = next(iter(self._designs))
            if oldest == key:
                break
            del self._designs[oldest]
        return design

    def held_bytes(self) -> int:
        return sum(d.nbytes for d in self._designs.values())


def _design(up: int, down: int, taps: int) -> np.ndarray:
    """Kaiser-windowed sinc for the upsampled rate, arranged as (up, taps) branches.

    The prototype has an odd length (one zero pads it to taps * up) so its delay is a whole
    number of upsampled samples, which delay compensation can then remove exactly.
    """
    cutoff = 0.92 / max(up, down)  # of the upsampled Nyquist, with a transition band
    length = taps * up
    prototype = np.zeros(length)
    prototype[: length - 1] = signal.firwin(length - 1, cutoff, window=("kaiser", 8.6)) * up
    # Branch p holds h[p + j*up] for j = 0..taps-1.
    branches = prototype.reshape(taps, up).T.astype(np.float64)
    branches.flags.writeable = False  # shared by every resampler of this ratio
    return branches


DESIGNS = _DesignCache(DESIGN_CACHE_BYTES)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A CSR matrix's three arrays: row n's entries are [starts[n], starts[n+1])."""

    starts: np.ndarray
    columns: np.ndarray
    weights: np.ndarray


class StreamingResampler:
    """Resamples interleaved audio of `channels` channels from `input_rate` to `output_rate`."""

    def __init__(
        self,
        input_rate: int,
        output_rate: int,
        channels: int,
        quality: str = "medium",
        compensate_delay: bool = False,
    ) -> None:
        """`compensate_delay`: drop the filter's delay from the start and let flush() end
        the output at exactly input_frames * output_rate / input_rate frames, as soxr does.
        """
        if input_rate <= 0 or output_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {input_rate} -> {output_rate}")
        if channels <= 0:
            raise ValueError(f"channel count must be positive, got {channels}")
        check_ratio(input_rate, output_rate, quality)
        divisor = gcd(input_rate, output_rate)
        self.up = output_rate // divisor
        self.down = input_rate // divisor
        self.channels = channels
        self.taps = TAPS_BY_QUALITY[quality]
        self.passthrough = self.up == self.down
        self._branches = (
            DESIGNS.get(self.up, self.down, self.taps) if not self.passthrough else None
        )
        # With up == 1 there is one branch; newest-first taps reversed for oldest-first windows.
        self._reversed_filter = (
            self._branches[0][::-1].copy() if self._branches is not None else np.zeros(0)
        )
        # The last `taps` input frames, channel by channel (each channel's samples contiguous,
        # as the sparse kernel wants them); zeros before the first push.
        self._history = np.zeros((channels, self.taps), dtype=np.float64)
        self._consumed = 0  # input frames received so far
        self._produced = 0  # output frames computed so far
        self._compensate = compensate_delay
        # With compensation, output n is taken at upsampled position n*down + shift, so the
        # filter delay (taps*up - 2)/2 becomes exactly `skip` whole output frames.
        delay_up = (self.taps * self.up - 2) // 2
        self._shift = delay_up % self.down if compensate_delay else 0
        self._skip = delay_up // self.down if compensate_delay and not self.passthrough else 0
        self._emitted = 0  # output frames returned so far
        self._plans: dict[tuple[int, int, int], _Plan] = {}
        # 100 ms of input (measured best), and never a handful of frames: at a few hertz
        # a push of 39,000 frames made 145,000 blocks of 2 (1.5 s of per-sample Python;
        # the fuzzer's flush_sox_resampler took 1.03 s).
        # (The floor yields to a bound on each block's output, which its plan holds taps
        # weights for: 1 Hz -> 5 kHz takes blocks of 9 frames, not 480.)
        floor = max(1, min(MIN_BLOCK_FRAMES, MAX_BLOCK_OUTPUT_FRAMES * self.down // self.up))
        self._block = max(self.down, input_rate // 10, floor)

    @property
    def delay_frames(self) -> float:
        """Group delay of the filter, in output frames."""
        return 0.0 if self.passthrough else (self.taps * self.up - 2) / 2 / self.down

    def push(self, frames: np.ndarray) -> np.ndarray:
        """Frames in (any real dtype), as many output frames as the input so far determines;
        float64 of shape (n, ch)."""
        frames = np.asarray(frames).reshape(-1, self.channels)
        if self.passthrough:
            return frames.astype(np.float64)
        if len(frames) > 2 * self._block:
            # Long pushes in blocks: their plans repeat (cached) and stay in cache,
            # and chunked output equals one-shot output exactly.
            block = self._block
            return np.concatenate(
                [self._push(frames[i : i + block]) for i in range(0, len(frames), block)]
            )
        return self._push(frames)

    def _push(self, frames: np.ndarray) -> np.ndarray:
        # (channels, taps + n): column c holds absolute input index c - taps + consumed.
        buffer = np.concatenate((self._history, frames.T), axis=1, dtype=np.float64)
        total = self._consumed + len(frames)
        # Output n needs input index floor(n*down/up) to exist: n*down < total*up.
        last = -(-(total * self.up - self._shift) // self.down)  # first n not computable yet
        count = last - self._produced
        if count > 0:
            # Output n sits at upsampled position n*down + shift: its newest input sample and
            # its filter phase.
            position = self._produced * self.down + self._shift
            first_column = position // self.up - self._consumed + self.taps
            if self.up == 1:
                out = self._decimate(buffer, first_column, count)
            else:
                plan = self._plan(first_column, position % self.up, count)
                planar = np.zeros((self.channels, count))
                for channel, samples in zip(planar, buffer, strict=True):  # out += plan @ in
                    csr_matvec(count, buffer.shape[1], plan.starts, plan.columns, plan.weights,
                               samples, channel)  # fmt: skip
                out = planar.T
        else:
            out = np.zeros((0, self.channels))
        self._produced = last
        self._consumed = total
        self._history = buffer[:, -self.taps :]
        if self._skip:
            dropped = min(self._skip, len(out))
            out = out[dropped:]
            self._skip -= dropped
        self._emitted += len(out)
        return out

    def _plan(self, first_column: int, first_phase: int, count: int) -> _Plan:
        """The sparse matrix taking a channel's buffer to `count` outputs, from the one whose
        newest input is buffer column `first_column`, at filter phase `first_phase`.

        Pushes of a steady size repeat the same pattern (10 ms of 44.1 kHz is 160 outputs at
        16 kHz starting at the same phase every time), so plans are cached by that pattern.
        """
        key = (first_column, first_phase, count)
        plan = self._plans.get(key)
        if plan is None:
            position = np.arange(count, dtype=np.int64) * self.down + first_phase
            newest = first_column + position // self.up
            window = newest[:, None] - np.arange(self.taps)[None, :]  # (n, taps), newest first
            assert self._branches is not None
            plan = _Plan(
                starts=np.arange(0, count * self.taps + 1, self.taps, dtype=np.int32),
                columns=window.astype(np.int32).reshape(-1),
                weights=self._branches[position % self.up].reshape(-1),
            )
            if len(self._plans) < 64:
                self._plans[key] = plan
        return plan

    def _decimate(self, buffer: np.ndarray, first_column: int, count: int) -> np.ndarray:
        """Integer decimation (up == 1): one filter, windows at a fixed stride, no gather.

        The windows are a strided view of the buffer, so nothing is copied before the dot.
        """
        start = first_column - self.taps + 1  # the window starting here ends at first_column
        channels, columns = buffer.strides
        # (count, channels, taps) over the buffer, no copy; as_strided directly because
        # sliding_window_view's checks cost more than the arithmetic at 10 ms blocks.
        chosen = np.lib.stride_tricks.as_strided(
            buffer[:, start:],
            shape=(count, self.channels, self.taps),
            strides=(columns * self.down, channels, columns),
            writeable=False,
        )
        return chosen @ self._reversed_filter  # (count, ch, taps) @ (taps,)

    def flush(self) -> np.ndarray:
        """The tail still inside the filter, by pushing its delay's worth of silence."""
        if self.passthrough:
            return np.zeros((0, self.channels))
        consumed = self._consumed
        pad = int(np.ceil(self.taps / 2)) + 1
        tail = self.push(np.zeros((pad, self.channels)))
        if self._compensate:
            expected = (consumed * self.up + self.down // 2) // self.down
            tail = tail[: max(0, expected - (self._emitted - len(tail)))]
            self._emitted = expected
        return tail


def _rounded(samples: np.ndarray) -> np.ndarray:
    """Rounded to the nearest integer and clipped to int16's range, still float."""
    return _clip(np.rint(samples), -32768.0, 32767.0)


def to_int16(samples: np.ndarray) -> np.ndarray:
    return _rounded(samples).astype(np.int16)


def to_int16_bytes(samples: np.ndarray, planar: bool = False) -> bytearray:
    """(n, ch) samples as int16 bytes, interleaved or planar (channel after channel), built
    in a bytearray so whoever hands it out can lend it without another copy."""
    frames, channels = samples.shape
    out = bytearray(2 * frames * channels)
    shape = (channels, frames) if planar else (frames, channels)
    target = np.frombuffer(out, dtype=np.int16).reshape(shape)
    rounded = _rounded(samples)
    np.copyto(target, rounded.T if planar else rounded, casting="unsafe")
    return out


def remix(frames: np.ndarray, channels_out: int) -> np.ndarray:
    """(n, in_ch) to (n, out_ch): downmix averages, upmix from mono copies, else repeat/cut."""
    channels_in = frames.shape[1]
    if channels_in == channels_out:
        return frames
    if channels_out == 1:
        return frames.mean(axis=1, keepdims=True)
    if channels_in == 1:
        return np.repeat(frames, channels_out, axis=1)
    if channels_out < channels_in:
        return frames[:, :channels_out]
    return np.concatenate(
        [frames, np.repeat(frames[:, -1:], channels_out - channels_in, axis=1)], axis=1
    )
