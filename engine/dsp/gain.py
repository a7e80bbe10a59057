"""Automatic gain control: brings speech to a target level without clipping.

Once per 10 ms block: the block's RMS level (blocks below the noise gate do not move the
gain), a gain towards target - level within [-20, +30] dB, moved at most 1.5 dB per block
up and 6 dB per block down, applied with a ramp across the block (no zipper noise), and a
limiter that never lets a sample exceed -1 dBFS.
"""

from __future__ import annotations

import numpy as np

from .blocks import blocks, db_to_gain, level_dbfs, ten_ms

TARGET_DBFS = -18.0
GATE_DBFS = -60.0
MAX_GAIN_DB, MIN_GAIN_DB = 30.0, -20.0
STEP_UP_DB, STEP_DOWN_DB = 1.5, 6.0
CEILING = float(db_to_gain(-1.0))


class GainController:
    def __init__(self, sample_rate: int, target_dbfs: float = TARGET_DBFS) -> None:
        if not -60.0 <= target_dbfs <= -1.0:
            raise ValueError("target_dbfs must be between -60 and -1")
        self.block = ten_ms(sample_rate)
        self.target = target_dbfs
        self.gain_db = 0.0

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Float frames (n, channels) in [-1, 1], n a multiple of 10 ms."""
        out = np.empty_like(frames)
        for index, block in enumerate(blocks(frames, self.block)):
            start_gain = float(db_to_gain(self.gain_db))
            level = level_dbfs(block)
            if level > GATE_DBFS:
                wanted = np.clip(self.target - level, MIN_GAIN_DB, MAX_GAIN_DB)
                step = np.clip(wanted - self.gain_db, -STEP_DOWN_DB, STEP_UP_DB)
                self.gain_db += float(step)
            end_gain = float(db_to_gain(self.gain_db))
            ramp = np.linspace(start_gain, end_gain, len(block), endpoint=False)[:, None]
            shaped = block * ramp
            peak = float(np.max(np.abs(shaped), initial=0.0))
            if peak > CEILING:  # limiter: scale the block down, and remember it
                shaped *= CEILING / peak
                self.gain_db -= float(20 * np.log10(peak / CEILING))
            out[index * self.block : (index + 1) * self.block] = shaped
        return out
