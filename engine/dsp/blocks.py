"""Cutting audio into 10 ms blocks: the unit every stateful stage works in.

A stage that runs its logic once per 10 ms block gives the same output whether it is fed
one block at a time or a whole signal at once, which is what makes chunked processing
exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def ten_ms(sample_rate: int) -> int:
    return sample_rate // 100


def blocks(frames: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Views of consecutive `size`-frame blocks; the length must be a multiple of `size`."""
    if len(frames) % size:
        raise ValueError(f"{len(frames)} frames is not a whole number of {size}-frame blocks")
    for start in range(0, len(frames), size):
        yield frames[start : start + size]


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    return 10.0 ** (np.asarray(db) / 20.0)


def level_dbfs(frames: np.ndarray) -> float:
    """RMS level of float samples in [-1, 1], in dB full scale."""
    return float(10 * np.log10(np.mean(np.square(frames)) + 1e-12))
