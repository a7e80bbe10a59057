"""Automatic gain control: brings talk to a target level without clipping.

The target is an RMS level in dBFS (default -18 dBFS, where a full-scale sine is -3 dBFS),
the level of the loud parts of the signal. The controller decides once per 10 ms block and
is causal: what it measured on block k sets the gain ramp applied across block k + 1, so
its output depends on the samples only, never on how they were split into calls (any
split gives bit-identical output, including splits inside a block). Per block:

- the block's RMS level and peak (all channels together; one gain for every channel);
- blocks below `gate_dbfs` (-55 dBFS: silence, faint noise) leave the gain where it is;
- otherwise the level estimate follows the block level with a fast attack (a louder
  block counts 50 %) and a slow release (5 %), and the wanted gain is
  target - estimate, within [`min_gain_db`, `max_gain_db`] (-20..+30 dB), further capped so
  the block's peak would land at -1 dBFS;
- the gain moves towards it at most +0.5 dB per block (50 dB/s) up and 6 dB per block down
  (peak protection lowers it at once), interpolated linearly across the next block so
  there are no steps;
- a memoryless soft limiter (tanh above -3 dBFS, ceiling -0.5 dBFS) catches onsets that
  arrive before the gain could react: no sample ever reaches full scale.

Latency: none (the gain lags the level by one block, the audio is not delayed).
"""

from __future__ import annotations

import math

import numpy as np

TARGET_DBFS = -18.0
GATE_DBFS = -55.0
MAX_GAIN_DB, MIN_GAIN_DB = 30.0, -20.0
STEP_UP_DB, STEP_DOWN_DB = 0.5, 6.0
ATTACK, RELEASE = 0.5, 0.05
PEAK_DBFS = -1.0
KNEE = 10 ** (-3.0 / 20)
CEILING = 10 ** (-0.5 / 20)


def soft_limit(samples: np.ndarray, magnitude: np.ndarray | None = None) -> np.ndarray:
    """Identity below the knee (-3 dBFS), tanh-compressed above, never beyond CEILING.
    `magnitude`: np.abs(samples) where the caller has it already."""
    if magnitude is None:
        magnitude = np.abs(samples)
    # one reduction decides (a comparison array and any() cost two more calls)
    if not len(magnitude) or np.maximum.reduce(magnitude, axis=None) <= KNEE:
        return samples
    over = magnitude > KNEE
    room = CEILING - KNEE
    limited = KNEE + room * np.tanh((magnitude[over] - KNEE) / room)
    out = samples.copy()
    out[over] = np.sign(samples[over]) * limited
    return out


class GainController:
    """Stateful AGC on float frames (n, channels) in [-1, 1]; any n."""

    def __init__(
        self,
        sample_rate: int,
        target_dbfs: float = TARGET_DBFS,
        max_gain_db: float = MAX_GAIN_DB,
        gate_dbfs: float = GATE_DBFS,
    ) -> None:
        if not -60.0 <= target_dbfs <= -1.0:
            raise ValueError(f"target_dbfs must be between -60 and -1, got {target_dbfs}")
        if not 0.0 <= max_gain_db <= 60.0:
            raise ValueError(f"max_gain_db must be between 0 and 60, got {max_gain_db}")
        if not -90.0 <= gate_dbfs <= -20.0:
            raise ValueError(f"gate_dbfs must be between -90 and -20, got {gate_dbfs}")
        self.block = sample_rate // 100
        self.target = target_dbfs
        self.max_gain_db = max_gain_db
        self.gate = gate_dbfs
        self.gain_db = 0.0  # the gain reached at the end of the current block's ramp
        self._start = 1.0  # linear gain at the start of the current block
        self._end = 1.0  # linear gain at its end
        self._level_db: float | None = None
        self._position = 0  # samples of the current block seen so far
        self._energy = 0.0
        self._peak = 0.0
        self._ramp = np.arange(self.block, dtype=np.float64) / self.block
        self._scratch = np.empty((0, 0))

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Float frames (n, channels) in, gain-controlled frames out (same shape)."""
        out = np.empty_like(frames)
        if len(frames) > len(self._scratch) or frames.shape[1:] != self._scratch.shape[1:]:
            self._scratch = np.empty((max(len(frames), self.block), *frames.shape[1:]))
        scratch = self._scratch
        gains = np.empty(self.block)
        done = 0
        reach = 0.0  # bounds |out| of this call: the parts' peaks times their ramps' ends
        # Whole ufuncs with out= (np.sum, np.max and np.clip wrap the same reductions in
        # Python that costs more than 480 samples' arithmetic).
        while done < len(frames):
            take = min(self.block - self._position, len(frames) - done)
            part = frames[done : done + take]
            target = out[done : done + take]
            if self._start == self._end:  # a steady gain (silence, or settled): no ramp
                np.multiply(part, self._end, out=target)
            else:
                steps = self._ramp[self._position : self._position + take]
                np.multiply(steps, self._end - self._start, out=gains[:take])
                np.add(gains[:take], self._start, out=gains[:take])
                np.multiply(part, gains[:take, None] if part.ndim > 1 else gains[:take],
                            out=target)  # fmt: skip
            work = scratch[:take]
            np.square(part, out=work)
            self._energy += float(np.add.reduce(work, axis=None))
            np.absolute(part, out=work)
            peak = float(np.maximum.reduce(work, axis=None, initial=0.0))
            self._peak = max(self._peak, peak)
            reach = max(reach, peak * max(self._start, self._end))
            self._position += take
            done += take
            if self._position == self.block:
                self._decide(frames.shape[1] if frames.ndim > 1 else 1)
        if reach * (1.0 + 1e-9) < KNEE:  # no sample can reach the knee: nothing to limit
            return out
        return soft_limit(out)

    process_all = process  # causal and split-independent

    def _decide(self, channels: int) -> None:
        # Scalars in math, not NumPy: each NumPy call on a scalar costs a microsecond.
        level = 10 * math.log10(self._energy / (self.block * channels) + 1e-20)
        if level > self.gate:
            if self._level_db is None:
                self._level_db = level
            else:
                rate = ATTACK if level > self._level_db else RELEASE
                self._level_db += rate * (level - self._level_db)
            wanted = min(max(self.target - self._level_db, MIN_GAIN_DB), self.max_gain_db)
            peak_room = PEAK_DBFS - 20 * math.log10(self._peak + 1e-20)
            step = min(max(wanted - self.gain_db, -STEP_DOWN_DB), STEP_UP_DB)
            self.gain_db = min(self.gain_db + step, peak_room)
        self._start, self._end = self._end, 10 ** (self.gain_db / 20)
        self._position = 0
        self._energy = 0.0
        self._peak = 0.0
