"""Bulk echo delay estimation for the echo canceller, when the caller sets no stream delay
(or a wrong one).

Native AEC3 estimates the render-to-capture delay itself with matched filters on a
decimated signal and uses the estimate to align its adaptive filter. lkemu does the same
job in the frequency domain, on spectra the canceller computes anyway:

- every 10 ms block the canceller transforms the far end's 2H-sample window (H = 10 ms
  hop, bins 50 Hz apart at any rate) into its history of spectra; the estimator reads
  `lags` blocks of that history (50: 0..490 ms) through a strided view of its bins, with
  no copy of its own;
- a per-bin NLMS filter over that history (one complex tap per bin and lag, on every
  second bin from 300 Hz to 4 kHz: 37 bins) predicts the near end's window spectrum of the
  same block; where the echo comes in, its taps grow at the lag of the echo;
- the lag score is the taps' energy summed over bins; its peak is the delay, in blocks,
  when it stands 2.5 times above the median lag for two checks in a row (one check every
  5 updates). The last 3 lags never count (they also absorb echo from beyond the span),
  so delays up to 460 ms are found;
- the canceller lets it learn every block until its refined filter removes 10 dB, then
  every second block.

The estimator is unconstrained and sparse in frequency, so it converges faster than a
full echo canceller over the same span and costs about a quarter of one (8 NumPy calls an
update); it is only a guide: the canceller tries a new delay with its shadow filter before
it trusts it (echo.py), so a wrong peak (double talk, a periodic far end) costs nothing.
"""

from __future__ import annotations

import numpy as np

STEP = 0.5
REGULARIZATION = 1e-3  # relative to the mean bin power over the history
MIN_PEAK_RATIO = 2.5
PERSIST = 2
EDGE_LAGS = 3
SILENT_POWER = 1e-10  # mean bin power of a far end that plays nothing (-100 dB)
LOW_BIN, HIGH_BIN, BIN_STRIDE = 6, 80, 2  # 300 Hz .. 4 kHz at 50 Hz per bin


def estimator_bins(band_bins: int) -> slice:
    """Bins (of a 2H-point spectrum, 50 Hz apart) the estimator listens to: a slice, so
    that the canceller's history gives them as a view."""
    return slice(LOW_BIN, min(HIGH_BIN, band_bins - 1), BIN_STRIDE)


class LagEstimator:
    """Tracks which block lag of the far end best explains the near end."""

    def __init__(self, lags: int, bins: slice) -> None:
        self.lags = lags
        self.bins = bins
        count = len(range(bins.start, bins.stop, bins.step))
        self._taps = np.zeros((lags, count), dtype=np.complex128)
        self._update = np.empty((lags, count), dtype=np.complex128)
        self._total = np.empty(count)
        self._candidate = -1
        self._seen = 0
        self.lag: int | None = None  # the last confirmed lag, in blocks

    def update(
        self,
        conjugates: np.ndarray,
        powers: np.ndarray,
        near_spectrum: np.ndarray,
        check: bool,
    ) -> bool:
        """One update. `conjugates` and `powers` are the conjugate far spectra of the last
        `lags` blocks (newest first) and their powers, already restricted to the
        estimator's bins; `near_spectrum` is the near end's full window spectrum.
        With `check` the lags are scored after the update (the canceller asks every 5
        blocks). Returns True when this update confirmed a lag (then `lag` holds it)."""
        total = np.add.reduce(powers, axis=0, out=self._total)
        mean = float(np.add.reduce(total)) / len(total)
        if mean <= SILENT_POWER:
            return False
        # sum over lags of taps x far spectra (vecdot conjugates its first operand)
        prediction = np.vecdot(conjugates.T, self._taps.T)
        np.subtract(near_spectrum[self.bins], prediction, out=prediction)
        total += REGULARIZATION * mean + 1e-30
        prediction /= total
        prediction *= STEP
        np.multiply(conjugates, prediction, out=self._update)
        self._taps += self._update
        return check and self._check()

    def _check(self) -> bool:
        score = np.vecdot(self._taps, self._taps).real  # sum of |tap|^2 per lag
        # The last lags also absorb echo from beyond the span: never a candidate.
        peak = int(np.argmax(score[: self.lags - EDGE_LAGS]))
        middle = (self.lags - 1) // 2, self.lags // 2
        ranked = np.partition(score, middle)
        median = 0.5 * float(ranked[middle[0]] + ranked[middle[1]])
        if score[peak] < MIN_PEAK_RATIO * (median + 1e-30):
            return False
        if peak == self._candidate:
            self._seen += 1
        else:
            self._candidate, self._seen = peak, 1
        if self._seen < PERSIST:
            return False
        self.lag = peak
        return True
