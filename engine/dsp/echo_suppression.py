"""Residual echo suppression: what the adaptive filters left, removed by a spectral gain.

WebRTC's AEC3 always follows its linear filter with a suppressor, and on these signals
most of its echo removal comes from there (native livekit 1.2.1 on the matrix of
tests/test_aec_matrix.py: 27-75 dB of ERLE), with the suppression kept up through double
talk: the near-end talker loses 7-24 dB of level in those cells. lkemu's suppressor
stands back when a talker is there: the talker stays within 6 dB on the whole matrix.

Per 10 ms block (hop H, frames of 2H with a periodic Hann analysis window, overlap-add
at 50 %, so unit gains give the input back exactly, H later: the canceller's latency of
10 ms; native measured 4-8 ms at 16 kHz):

- the frame's spectrum comes from the canceller's own zero-padded error spectra of this
  block and the last one (a shift by H is a sign flip per bin, the Hann window a
  three-tap convolution): no FFT of its own;
- the error power per bin is smoothed over two frames;
- the residual echo per bin is the larger of the refined filter's predicted misalignment
  and a share of the echo the filters predict (both averaged over the two blocks the
  frame spans): 0.4 of it, or 0.1 while a near-end talker dominates. That is decided as
  AEC3's dominant near-end detector does, from the error against the predicted echo:
  their ratio (dB, smoothed over ~50 ms, while the far end plays) is tracked from below
  (down at once, up 3 dB a second); standing 6 dB above that baseline for 80 ms, longer
  than what a far-end onset leaves before the filters learn it, means a talker, held
  100 ms more;
- gain = sqrt(max(1 - residual / error, floor^2)) (power subtraction, floor -30 dB);
- above 8 kHz (48 kHz streams; the filters work on 0-8 kHz as AEC3's do) the gain is the
  lowest of the 4-8 kHz gains.
"""

from __future__ import annotations

import numpy as np

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
    """Overlap-add spectral suppressor over (channels, bins) error spectra."""

    def __init__(self, hop: int, channels: int, band_bins: int) -> None:
        self.hop = hop
        self.bins = hop + 1
        self.band_bins = band_bins
        self._previous = np.zeros((channels, self.bins), dtype=np.complex128)
        self._alternating = np.where(np.arange(self.bins) % 2, -1.0, 1.0)
        self._padded = np.zeros((channels, self.bins + 2), dtype=np.complex128)
        self._error_power = np.zeros(self.bins)
        self._misalignment = np.zeros(band_bins)
        self._echo = np.zeros(band_bins)
        self._baseline_db = np.inf
        self._ratio_db = 0.0
        self._echo_peak = 0.0
        self._near_end_hold = 0
        self._above_blocks = 0
        self._tail = np.zeros((channels, hop))
        window = 0.5 - 0.5 * np.cos(np.pi * np.arange(2 * hop) / hop)
        self._window_head = window[:hop]
        self._window_tail = window[hop:]
        self._samples_previous = np.zeros((channels, hop))
        self._previous_known = True  # False after a pass-through block: recompute it

    def pass_through(self, error: np.ndarray) -> np.ndarray:
        """A block with nothing to suppress (no far end within reach): unit gain, done in
        the time domain with the same result as the spectral path (up to rounding).
        `error` is (channels, hop); returns (channels, hop)."""
        out = self._tail + self._samples_previous * self._window_head
        self._tail = error * self._window_tail
        self._samples_previous = error.copy()
        self._previous_known = False
        self._misalignment[:] = 0.0
        self._echo[:] = 0.0
        self._error_power *= ERROR_SMOOTHING
        return out

    def process(
        self,
        error: np.ndarray,
        half_spectra: np.ndarray,
        misalignment: np.ndarray,
        echo: np.ndarray,
    ) -> np.ndarray:
        """`error` (channels, hop) samples, `half_spectra` (channels, bins) the rfft of
        [zeros(hop), error]; `misalignment` and `echo` (band_bins,) this block's residual
        echo predicted by the refined filter's misalignment and the whole echo the filters
        predict, in the same units. Returns (channels, hop) samples, one block late."""
        hop = self.hop
        if not self._previous_known:
            padded_block = np.zeros((len(error), 2 * hop))
            padded_block[:, hop:] = self._samples_previous
            self._previous = np.fft.rfft(padded_block, axis=-1)
            self._previous_known = True
        frame = half_spectra + self._previous * self._alternating
        self._previous = half_spectra
        # Hann window as a convolution: 0.5 X[k] - 0.25 (X[k-1] + X[k+1]), with the
        # spectrum's conjugate symmetry for the neighbours of DC and Nyquist.
        padded = self._padded
        padded[:, 1:-1] = frame
        padded[:, 0] = np.conj(frame[:, 1])
        padded[:, -1] = np.conj(frame[:, -2])
        windowed = 0.5 * frame - 0.25 * (padded[:, :-2] + padded[:, 2:])
        power = windowed.real**2 + windowed.imag**2
        power = power[0] if len(power) == 1 else power.mean(axis=0)
        self._error_power = ERROR_SMOOTHING * self._error_power + (1 - ERROR_SMOOTHING) * power
        band = self.band_bins
        error_band = self._error_power[:band]
        spanned_echo = 0.5 * (echo + self._echo)
        self._echo = echo
        residual = np.maximum(misalignment, self._misalignment)
        self._misalignment = misalignment
        share = self._echo_share(float(error_band.sum()), float(spanned_echo.sum()) * HANN_POWER)
        np.maximum(residual, share * spanned_echo, out=residual)
        ratio = residual * HANN_POWER / (error_band + 1e-30)
        gain = np.empty(self.bins)
        gain[:band] = np.sqrt(np.maximum(1.0 - ratio, FLOOR**2))
        if band < self.bins:
            gain[band:] = gain[band // 2 : band].min()
        frames = np.fft.irfft(windowed * gain, 2 * hop, axis=-1)
        out = self._tail + frames[:, :hop]
        self._tail = frames[:, hop:]
        self._samples_previous = error.copy()
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
            ratio_db = 10.0 * np.log10(error / echo)
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
