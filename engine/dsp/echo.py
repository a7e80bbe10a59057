"""Acoustic echo cancellation: a partitioned-block frequency-domain adaptive filter.

The reverse stream (what the loudspeaker plays) is kept in a history; `set_delay_ms` says
how much later its echo reaches the microphone, so the filter only has to model the room
response after that delay (FILTER_MS long). Per 10 ms block (overlap-save, 2-hop FFTs):
echo estimate = sum over partitions of W_p * X_{k-p}; error = near - estimate; W moves
along the normalized gradient (NLMS in frequency, gradient-constrained to keep the filter
linear-convolution). Adaptation freezes while the near-end talker is active (a Geigel
detector: near-end peaks above half the far-end peak), so double talk does not teach the
filter to cancel the talker.
"""

from __future__ import annotations

import numpy as np

from .blocks import blocks, ten_ms

FILTER_MS = 120
STEP = 0.5
GEIGEL_THRESHOLD = 0.5
DOUBLE_TALK_HOLD_BLOCKS = 10
MAX_DELAY_MS = 500


class EchoCanceller:
    def __init__(self, sample_rate: int) -> None:
        self.hop = ten_ms(sample_rate)
        self.partitions = FILTER_MS // 10
        bins = self.hop + 1
        self._weights = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far_spectra = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far_power = np.full(bins, 1e-6)
        history = (MAX_DELAY_MS // 10 + self.partitions + 2) * self.hop
        self._far = np.zeros(history)  # far-end samples, newest last
        self._far_written = 0
        self._far_read = 0
        self.delay_hops = 0
        self._hold = 0

    def set_delay_ms(self, delay_ms: int) -> None:
        if not 0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"stream delay must be within 0..{MAX_DELAY_MS} ms")
        self.delay_hops = delay_ms // 10

    def push_far(self, mono: np.ndarray) -> None:
        """One or more 10 ms blocks of the reverse stream (mono floats)."""
        self._far = np.concatenate([self._far[len(mono) :], mono])
        self._far_written += len(mono)

    def _far_span(self) -> tuple[np.ndarray, float]:
        """The two far hops aligned with the current near hop (minus the stream delay), and
        the far-end peak over the whole span the filter covers (for the Geigel test)."""
        # Far samples written after this near hop's time do not count yet; then the delay.
        lag = (self._far_written - self._far_read) + self.delay_hops * self.hop
        span = (self.partitions + 1) * self.hop
        end = min(max(len(self._far) - lag, span), len(self._far))
        peak = float(np.max(np.abs(self._far[end - span : end]), initial=0.0))
        return self._far[end - 2 * self.hop : end], peak

    def process(self, near: np.ndarray) -> np.ndarray:
        """Mono float near-end samples (a multiple of 10 ms) in, echo removed out."""
        out = np.empty_like(near)
        for index, block in enumerate(blocks(near, self.hop)):
            out[index * self.hop : (index + 1) * self.hop] = self._process_hop(block)
        return out

    def _process_hop(self, near: np.ndarray) -> np.ndarray:
        self._far_read += self.hop
        far, far_peak = self._far_span()
        spectrum = np.fft.rfft(far)
        self._far_spectra = np.roll(self._far_spectra, 1, axis=0)
        self._far_spectra[0] = spectrum
        estimate_spectrum = np.sum(self._weights * self._far_spectra, axis=0)
        estimate = np.fft.irfft(estimate_spectrum, n=2 * self.hop)[self.hop :]
        error = near - estimate

        if float(np.max(np.abs(near), initial=0.0)) > GEIGEL_THRESHOLD * max(far_peak, 1e-9):
            self._hold = DOUBLE_TALK_HOLD_BLOCKS
        self._far_power = 0.9 * self._far_power + 0.1 * np.abs(spectrum) ** 2
        if self._hold:
            self._hold -= 1
        elif far_peak > 1e-4:
            error_spectrum = np.fft.rfft(np.concatenate([np.zeros(self.hop), error]))
            gradient = (
                np.conj(self._far_spectra)
                * error_spectrum
                / (self.partitions * self._far_power + 1e-9)
            )
            # Keep each partition a causal hop-long filter (the gradient constraint).
            taps = np.fft.irfft(gradient, n=2 * self.hop, axis=1)
            taps[:, self.hop :] = 0.0
            self._weights += STEP * np.fft.rfft(taps, axis=1)
        return error
