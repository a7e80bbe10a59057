"""Cutting audio into 10 ms blocks: the unit every stateful stage works in, and the
int16 <-> float conversions around the stages.

A stage that runs its logic once per 10 ms block gives the same output whether it is fed
one block at a time or a whole signal at once, which is what makes chunked processing
exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

try:  # the ufunc itself: np.clip's Python wrapper costs three times the clipping
    from numpy._core.umath import clip as _clip  # type: ignore[attr-defined]
except ImportError:  # NumPy 1.x
    from numpy.core.umath import clip as _clip  # type: ignore[no-redef]

# 0-d arrays: a ufunc takes them faster than Python floats, with the same values
_FROM_INT16 = np.array(1.0 / 32768.0)
_TO_INT16 = np.array(32768.0)
_INT16_MIN, _INT16_MAX = np.array(-32768.0), np.array(32767.0)


def int16_to_float(frames: np.ndarray) -> np.ndarray:
    """int16 samples as floats in [-1, 1) (one ufunc call; the same values as
    frames.astype(float64) / 32768)."""
    return np.multiply(frames, _FROM_INT16)


def float_to_int16(data: np.ndarray) -> np.ndarray:
    """Floats in [-1, 1] back to int16: rounded to nearest (ties to even) and clipped, as
    np.clip(np.rint(data * 32768), -32768, 32767).astype(np.int16), in place of one
    temporary."""
    scaled = np.multiply(data, _TO_INT16)
    np.rint(scaled, out=scaled)
    _clip(scaled, _INT16_MIN, _INT16_MAX, out=scaled)
    return scaled.astype(np.int16)


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
