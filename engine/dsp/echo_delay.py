"""Bulk echo delay estimation for the echo canceller, when the caller sets no stream delay
(or a wrong one).

Native AEC3 estimates the render-to-capture delay itself with matched filters on a
decimated signal and uses the estimate to align its adaptive filter. lkemu does the same
job in the frequency domain, on spectra the canceller computes anyway:

- every 10 ms block, the far end's 2H-sample window spectrum (H = 10 ms hop, bins 50 Hz
  apart at any rate) enters a history of `lags` blocks (50: 0..490 ms);
- a per-bin NLMS filter over that history (one complex tap per bin and lag, on every
  second bin from 300 Hz to 4 kHz: 37 bins) predicts the near end's window spectrum of the
  same block; where the echo comes in, its taps grow at the lag of the echo;
- the lag score is the taps' energy summed over bins; its peak is the delay, in blocks,
  when it stands 2.5 times above the median lag for two checks in a row (one check every
  5 updates). The last 3 lags never count (they also absorb echo from beyond the span),
  so delays up to 460 ms are found;
- the canceller lets it learn every block until its refined filter removes 10 dB, then
  every second block (the history takes every block).

The estimator is unconstrained and sparse in frequency, so it converges faster than a
full echo canceller over the same span and costs about a quarter of one; it is only a
guide: the canceller tries a new delay with its shadow filter before it trusts it
(echo.py), so a wrong peak (double talk, a periodic far end) costs nothing.
"""

from __future__ import annotations

import numpy as np

STEP = 0.5
REGULARIZATION = 1e-3  # relative to the mean bin power over the history
MIN_PEAK_RATIO = 2.5
PERSIST = 2
CHECK_EVERY_BLOCKS = 5
RESUM_BLOCKS = 500
EDGE_LAGS = 3
SILENT_POWER = 1e-10  # mean bin power of a far end that plays nothing (-100 dB)
LOW_BIN, HIGH_BIN, BIN_STRIDE = 6, 80, 2  # 300 Hz .. 4 kHz at 50 Hz per bin


def estimator_bins(band_bins: int) -> np.ndarray:
    """Bins (of a 2H-point spectrum, 50 Hz apart) the estimator listens to."""
    return np.arange(LOW_BIN, min(HIGH_BIN, band_bins - 1), BIN_STRIDE)


class LagEstimator:
    """Tracks which block lag of the far end best explains the near end."""

    def __init__(self, lags: int, bins: np.ndarray) -> None:
        self.lags = lags
        self.bins = bins
        count = len(bins)
        # Each spectrum is stored twice (rows i and i + lags): any `lags` consecutive rows,
        # newest first, are one view without copying. The conjugates (for the update) and
        # powers (for the normalization) are kept the same way.
        self._history = np.zeros((2 * lags, count), dtype=np.complex128)
        self._conjugates = np.zeros((2 * lags, count), dtype=np.complex128)
        self._power = np.zeros((2 * lags, count))
        self._total = np.zeros(count)  # the powers summed over the last `lags` blocks
        self._newest = 0
        self._taps = np.zeros((lags, count), dtype=np.complex128)
        self._update = np.empty((lags, count), dtype=np.complex128)
        self._blocks = 0
        self._candidate = -1
        self._seen = 0
        self.lag: int | None = None  # the last confirmed lag, in blocks

    def update(
        self, far_spectrum: np.ndarray, near_spectrum: np.ndarray, adapt: bool = True
    ) -> bool:
        """One block: full spectra (any length past the estimator's bins); the history
        always takes it, the taps learn from it when `adapt`. Returns True when this block
        confirmed a lag (then `lag` holds it)."""
        far = far_spectrum[self.bins]
        lags = self.lags
        self._newest = row = (self._newest - 1) % lags
        power = far.real**2 + far.imag**2
        # Running sum over the window: the row leaving it is the one overwritten now.
        self._total += power - self._power[row]
        self._history[row] = self._history[row + lags] = far
        self._conjugates[row] = self._conjugates[row + lags] = np.conj(far)
        self._power[row] = self._power[row + lags] = power
        self._blocks += 1
        if self._blocks % RESUM_BLOCKS == 0:
            self._total = self._power[row : row + lags].sum(axis=0)  # no drift
        if not adapt:
            return False
        total = np.maximum(self._total, 0.0, out=self._total)
        mean = float(total.sum()) / len(total)
        if mean <= SILENT_POWER:
            return False
        prediction = np.einsum("lk,lk->k", self._taps, self._history[row : row + lags])
        gain = (near_spectrum[self.bins] - prediction) * (
            STEP / (total + REGULARIZATION * mean + 1e-30)
        )
        np.multiply(self._conjugates[row : row + lags], gain, out=self._update)
        self._taps += self._update
        if self._blocks % CHECK_EVERY_BLOCKS:
            return False
        return self._check()

    def _check(self) -> bool:
        score = np.einsum("lk,lk->l", self._taps, np.conj(self._taps)).real
        # The last lags also absorb echo from beyond the span: never a candidate.
        peak = int(np.argmax(score[: self.lags - EDGE_LAGS]))
        if score[peak] < MIN_PEAK_RATIO * (float(np.median(score)) + 1e-30):
            return False
        if peak == self._candidate:
            self._seen += 1
        else:
            self._candidate, self._seen = peak, 1
        if self._seen < PERSIST:
            return False
        self.lag = peak
        return True
