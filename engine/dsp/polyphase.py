"""A streaming rational resampler: polyphase FIR, stateful across pushes, vectorized.

Output sample n sits at input position n * down / up. It is computed from the `taps` input
samples before that position with the filter phase (n * down) mod up, so pushing a signal in
chunks of any size gives exactly what one push of the whole signal gives.
"""

from __future__ import annotations

import functools
from math import gcd

import numpy as np
from scipy import signal

# Taps per polyphase branch by quality; more taps, steeper anti-alias filter.
TAPS_BY_QUALITY = {"quick": 8, "low": 16, "medium": 24, "high": 32, "very_high": 48}


@functools.lru_cache(maxsize=64)
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
        divisor = gcd(input_rate, output_rate)
        self.up = output_rate // divisor
        self.down = input_rate // divisor
        self.channels = channels
        self.taps = TAPS_BY_QUALITY[quality]
        self.passthrough = self.up == self.down
        self._branches = _design(self.up, self.down, self.taps) if not self.passthrough else None
        # With up == 1 there is one branch; newest-first taps reversed for oldest-first windows.
        self._reversed_filter = (
            self._branches[0][::-1].copy() if self._branches is not None else np.zeros(0)
        )
        # The last `taps` input frames, zeros before the first push.
        self._history = np.zeros((self.taps, channels), dtype=np.float64)
        self._consumed = 0  # input frames received so far
        self._produced = 0  # output frames computed so far
        self._compensate = compensate_delay
        # With compensation, output n is taken at upsampled position n*down + shift, so the
        # filter delay (taps*up - 2)/2 becomes exactly `skip` whole output frames.
        delay_up = (self.taps * self.up - 2) // 2
        self._shift = delay_up % self.down if compensate_delay else 0
        self._skip = delay_up // self.down if compensate_delay and not self.passthrough else 0
        self._emitted = 0  # output frames returned so far
        self._plans: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._block = max(self.down, input_rate // 10)  # 100 ms of input (measured best)

    @property
    def delay_frames(self) -> float:
        """Group delay of the filter, in output frames."""
        return 0.0 if self.passthrough else (self.taps * self.up - 2) / 2 / self.down

    def push(self, frames: np.ndarray) -> np.ndarray:
        """Frames in, as many output frames as the input so far determines; shape (n, ch)."""
        frames = np.asarray(frames, dtype=np.float64).reshape(-1, self.channels)
        if self.passthrough:
            return frames
        if len(frames) > 2 * self._block:
            # Long pushes in blocks: their gather plans repeat (cached) and stay in cache,
            # and chunked output equals one-shot output exactly.
            block = self._block
            return np.concatenate(
                [self._push(frames[i : i + block]) for i in range(0, len(frames), block)]
            )
        return self._push(frames)

    def _push(self, frames: np.ndarray) -> np.ndarray:
        buffer = np.concatenate([self._history, frames])
        total = self._consumed + len(frames)
        # Output n needs input index floor(n*down/up) to exist: n*down < total*up.
        last = -(-(total * self.up - self._shift) // self.down)  # first n not computable yet
        count = last - self._produced
        if count > 0:
            # Output n sits at upsampled position n*down + shift: its newest input sample and
            # its filter phase. Buffer row r holds absolute input index r - taps + consumed.
            position = self._produced * self.down + self._shift
            first_row = position // self.up - self._consumed + self.taps
            if self.up == 1:
                out = self._decimate(buffer, first_row, count)
            else:
                window, weights = self._plan(first_row, position % self.up, count)
                if self.channels == 1:  # a flat take is about twice as fast as 2-D indexing
                    out = np.einsum("nt,nt->n", weights, buffer[:, 0].take(window))[:, None]
                else:
                    out = np.einsum("nt,ntc->nc", weights, buffer.take(window, axis=0))
        else:
            out = np.zeros((0, self.channels))
        self._produced = last
        self._consumed = total
        self._history = buffer[-self.taps :]
        if self._skip:
            dropped = min(self._skip, len(out))
            out = out[dropped:]
            self._skip -= dropped
        self._emitted += len(out)
        return out

    def _plan(self, first_row: int, first_phase: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Gather indices and per-output filter branches for `count` outputs from the one
        whose newest input is buffer row `first_row`, at filter phase `first_phase`.

        Pushes of a steady size repeat the same pattern (10 ms of 44.1 kHz is 160 outputs at
        16 kHz starting at the same phase every time), so plans are cached by that pattern.
        """
        key = (first_row, first_phase, count)
        plan = self._plans.get(key)
        if plan is None:
            position = np.arange(count, dtype=np.int64) * self.down + first_phase
            rows = first_row + position // self.up
            window = rows[:, None] - np.arange(self.taps)[None, :]  # (n, taps), newest first
            assert self._branches is not None
            plan = (window, np.ascontiguousarray(self._branches[position % self.up]))
            if len(self._plans) < 64:
                self._plans[key] = plan
        return plan

    def _decimate(self, buffer: np.ndarray, first_row: int, count: int) -> np.ndarray:
        """Integer decimation (up == 1): one filter, windows at a fixed stride, no gather.

        The windows are a strided view of the buffer, so nothing is copied before the dot.
        """
        start = first_row - self.taps + 1  # the window starting here ends at `first_row`
        rows, channels = buffer.strides
        # (count, channels, taps) over the buffer, no copy; as_strided directly because
        # sliding_window_view's checks cost more than the arithmetic at 10 ms blocks.
        chosen = np.lib.stride_tricks.as_strided(
            buffer[start:],
            shape=(count, self.channels, self.taps),
            strides=(rows * self.down, channels, rows),
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


def to_int16(samples: np.ndarray) -> np.ndarray:
    # Three ufuncs rather than np.clip, whose Python wrapper costs more than a 10 ms block.
    rounded = np.rint(samples)
    np.maximum(rounded, -32768, out=rounded)
    np.minimum(rounded, 32767, out=rounded)
    return rounded.astype(np.int16)


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
