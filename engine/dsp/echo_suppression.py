"""Residual echo suppression: what the adaptive filters left, removed by a spectral gain.

WebRTC's AEC3 always follows its linear filter with a suppressor, and on these signals
most of its echo removal comes from there (native livekit 1.2.1 on the matrix of
tests/test_aec_matrix.py: 27-75 dB of ERLE), with the suppression kept up through double
talk: the near-end talker loses 7-24 dB of level in those cells. lkemu's suppressor
stands back when a talker is there: the talker stays within 6 dB on the whole matrix.

Per 10 ms block (hop H, frames of 2H with a periodic Hann analysis window, overlap-add
at 50 %, so unit gains give the input back exactly, H later: the canceller's latency of
10 ms; native measured 4-8 ms at 16 kHz):

- the error power per bin is smoothed over two frames;
- the residual echo per bin is the larger of the refined filter's predicted misalignment
  (the larger of the two blocks the frame spans) and a share of the echo the filters
  predict (averaged over the two): 0.4 of it, or 0.1 while a near-end talker dominates.
  That is decided as AEC3's dominant near-end detector does, from the error against the
  predicted echo: their ratio (dB, smoothed over ~50 ms, while the far end plays) is
  tracked from below (down at once, up 3 dB a second); standing 6 dB above that baseline
  for 80 ms, longer than what a far-end onset leaves before the filters learn it, means a
  talker, held 100 ms more;
- gain = sqrt(max(1 - residual / error, floor^2)) (power subtraction, floor -30 dB);
- above 8 kHz (48 kHz streams; the filters work on 0-8 kHz as AEC3's do) the gain is the
  lowest of the 4-8 kHz gains.
"""

from __future__ import annotations

import math

import numpy as np

from . import transforms

FLOOR = 10 ** (-30 / 20)
ERROR_SMOOTHING = 0.5
# A Hann-windowed 2H frame has 3/4 the power of the zero-padded H-sample block the
# residual estimate is expressed in.
HANN_POWER = 0.75
ECHO_SHARE = 0.4  # of the predicted echo, the residual assumed at least
NEAR_END_SHARE = 0.1
NEAR_END_RISE_DB = 6.0
RATIO_SMOOTHING = 0.2
ACTIVE_ECHO = 0.01  # of the recent peak predicted echo: the far end plays
PEAK_DECAY = 10 ** (-10 / 10 / 100)  # 10 dB a second
NEAR_END_HOLD_BLOCKS = 10
NEAR_END_ONSET_BLOCKS = 8  # longer than a far-end onset's leftover
BASELINE_RISE_DB = 0.03  # 3 dB a second


class ResidualEchoSuppressor:
    """Overlap-add spectral suppressor over (channels, hop) error blocks.

    Per block the canceller calls `frame` (the windowed frame to transform, which it
    batches with its own transforms) and then `suppress` with that frame's spectrum;
    `process` does both with its own transform."""

    def __init__(self, hop: int, channels: int, band_bins: int) -> None:
        self.hop = hop
        self.bins = hop + 1
        self.band_bins = band_bins
        window = 0.5 - 0.5 * np.cos(np.pi * np.arange(2 * hop) / hop)
        self._window = window
        self._rising, self._falling = window[:hop].copy(), window[hop:].copy()
        self._previous = np.zeros((channels, hop))  # the last block, windowed for the next
        self._tail = np.zeros((channels, hop))
        # Output frames, two in turn: the tail of one is added to the next.
        self._frames = np.zeros((2, channels, 2 * hop))
        self._turn = 0
        self._error_power = np.zeros(band_bins)
        self._power = np.empty(band_bins)
        self._gain = np.ones(self.bins)
        self._misalignment = np.zeros(band_bins)
        self._echo = np.zeros(band_bins)
        self._baseline_db = math.inf
        self._ratio_db = 0.0
        self._echo_peak = 0.0
        self._near_end_hold = 0
        self._above_blocks = 0

    def pass_through(self, error: np.ndarray) -> np.ndarray:
        """A block with nothing to suppress (no far end within reach): unit gain, done in
        the time domain with the same result as the spectral path (up to rounding).
        `error` is (channels, hop); returns (channels, hop)."""
        out = self._tail + self._previous
        self._tail = error * self._falling
        np.multiply(error, self._rising, out=self._previous)
        self._misalignment = np.zeros(self.band_bins)
        self._echo = np.zeros(self.band_bins)
        self._error_power *= ERROR_SMOOTHING
        return out

    def frame(self, error: np.ndarray, out: np.ndarray) -> None:
        """Writes the windowed frame (the last block and `error`, (channels, hop)) into
        `out` (channels, 2 * hop), for the caller to transform."""
        hop = self.hop
        out[:, :hop] = self._previous
        np.multiply(error, self._falling, out=out[:, hop:])
        np.multiply(error, self._rising, out=self._previous)

    def process(self, error: np.ndarray, misalignment: np.ndarray, echo: np.ndarray) -> np.ndarray:
        """`frame` and `suppress` in one, with its own transform."""
        frame = np.empty((len(error), 2 * self.hop))
        self.frame(error, frame)
        spectrum = transforms.rfft(frame, np.empty((len(error), self.bins), dtype=np.complex128))
        return self.suppress(spectrum, misalignment, echo)

    def suppress(
        self, spectrum: np.ndarray, misalignment: np.ndarray, echo: np.ndarray
    ) -> np.ndarray:
        """`spectrum` (channels, hop + 1): the transform of this block's `frame`, changed
        in place; `misalignment` and `echo` (band_bins,) this block's residual echo
        predicted by the refined filter's misalignment and the whole echo the filters
        predict, in the power of a zero-padded hop block's spectrum (kept until the next
        block: the caller passes new arrays each block). Returns (channels, hop)
        samples, one block late."""
        hop, band = self.hop, self.band_bins
        low = spectrum[:, :band]  # the gains above the band follow it: no power needed there
        power = self._power
        if len(low) == 1:
            np.abs(low[0], out=power)
            power *= power
        else:
            np.mean(np.abs(low) ** 2, axis=0, out=power)
        error_band = self._error_power
        error_band += power
        error_band *= ERROR_SMOOTHING
        # The frame spans this block and the last: the echo averaged over both, the
        # misalignment the larger of the two.
        spanned_echo = echo + self._echo
        self._echo = echo
        residual = np.maximum(misalignment, self._misalignment)
        self._misalignment = misalignment
        share = self._echo_share(
            float(np.add.reduce(error_band)),
            float(np.add.reduce(spanned_echo)) * (0.5 * HANN_POWER),
        )
        spanned_echo *= 0.5 * share
        np.maximum(residual, spanned_echo, out=residual)
        # gain = sqrt(max(1 - residual / error, floor^2)), in place
        residual *= -HANN_POWER
        residual /= error_band + 1e-30
        residual += 1.0
        np.maximum(residual, FLOOR**2, out=residual)
        gain = self._gain
        np.sqrt(residual, out=gain[:band])
        if band < self.bins:
            gain[band:] = np.minimum.reduce(gain[band // 2 : band])
        spectrum *= gain
        self._turn ^= 1
        frames = transforms.irfft(spectrum, self._frames[self._turn])
        out = self._tail + frames[:, :hop]
        self._tail = frames[:, hop:]
        return out

    def _echo_share(self, error: float, echo: float) -> float:
        """How much of the predicted echo to treat as residual: ECHO_SHARE, or
        NEAR_END_SHARE while a near-end talker dominates (AEC3's dominant near-end
        detection plays this part). The error-to-echo ratio (in dB, smoothed over about
        50 ms, only while the far end plays) is tracked from below as the filters'
        baseline: down at once, up 3 dB a second. The ratio standing 6 dB above it for
        80 ms means something other than echo is in the error."""
        self._echo_peak = max(echo, self._echo_peak * PEAK_DECAY)
        if echo > ACTIVE_ECHO * self._echo_peak and error > 0.0:
            ratio_db = 10.0 * math.log10(error / echo)
            self._ratio_db += RATIO_SMOOTHING * (ratio_db - self._ratio_db)
            self._baseline_db = min(self._ratio_db, self._baseline_db + BASELINE_RISE_DB)
            if self._ratio_db > self._baseline_db + NEAR_END_RISE_DB:
                self._above_blocks += 1
                if self._above_blocks >= NEAR_END_ONSET_BLOCKS:
                    self._near_end_hold = NEAR_END_HOLD_BLOCKS
                return NEAR_END_SHARE if self._near_end_hold else ECHO_SHARE
            self._above_blocks = 0
        if self._near_end_hold:
            self._near_end_hold -= 1
        return NEAR_END_SHARE if self._near_end_hold else ECHO_SHARE
