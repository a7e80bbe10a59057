"""Acoustic echo cancellation: a partitioned-block frequency-domain NLMS filter.

The reverse (far-end) stream, what the loudspeaker plays, is kept as a sample history with
absolute positions; `set_delay_ms` says how much later its echo reaches the microphone, so
near-end sample n is modelled from far-end samples up to n - delay (both counted from the
first sample each stream received). The filter covers `filter_ms` (150 ms) of room
response after that delay, as P = filter_ms / 10 partitions of one 10 ms hop (B samples).

Per 10 ms near-end block (overlap-save with 2B-point FFTs, everything vectorized over
partitions and bins):

- X_0 = FFT of the last 2B aligned far samples; the partition history X_0..X_{P-1};
- echo estimate: the last B samples of IFFT(sum_p W_p X_p); error e = near - estimate;
- adaptation: W_p += mu * conj(X_p) E / (sum_p |X_p|^2 + delta), mu = 0.5, each
  partition's gradient constrained to B causal taps (the "constrained" PBFDAF, so the
  filter stays a linear convolution);
- double talk: a Geigel detector (the near block's peak above 0.6 times the far peak over
  the span the filter covers means the near-end talker is active) freezes adaptation for
  the block and 150 ms after, so double talk does not teach the filter to cancel the
  talker; a second check freezes it while the error is louder than the near input (the
  filter would be making things worse: the talker or a changed room);
- optional residual echo suppression (`suppress=True`): a per-bin gain
  max(1 - 2 |Y|^2 / |E|^2, 0.1) on the error, where Y is the estimated echo spectrum
  (applied on the same overlap-save block, adds no latency). Off by default: it lowers
  leftover echo further but also colours the talker during double talk.

Latency: none (the output block is the error of the same block).
"""

from __future__ import annotations

import numpy as np

FILTER_MS = 150
STEP = 0.5
WORSE_RATIO = 2.0
GEIGEL_THRESHOLD = 0.6
DOUBLE_TALK_HOLD_BLOCKS = 15
MAX_DELAY_MS = 500
RELATIVE_REGULARIZATION = 0.05
SUPPRESSION_OVERESTIMATE = 2.0
SUPPRESSION_FLOOR = 0.1


class EchoCanceller:
    """Mono echo canceller at one sample rate; feed far and near in 10 ms multiples."""

    def __init__(
        self, sample_rate: int, filter_ms: int = FILTER_MS, suppress: bool = False
    ) -> None:
        if filter_ms < 10 or filter_ms % 10:
            raise ValueError(f"filter_ms must be a positive multiple of 10, got {filter_ms}")
        self.sample_rate = sample_rate
        self.hop = sample_rate // 100
        self.partitions = filter_ms // 10
        self.suppress = suppress
        bins = self.hop + 1
        self._weights = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far_spectra = np.zeros((self.partitions, bins), dtype=np.complex128)
        self._far = np.zeros(0)  # far samples from absolute index self._far_base on
        self._far_base = 0
        self._near_position = 0  # absolute index of the next near sample
        self.delay = 0  # in samples
        self._hold = 0
        self.double_talk_blocks = 0  # how many blocks froze adaptation (for reports)

    @property
    def latency_frames(self) -> int:
        return 0

    def set_delay_ms(self, delay_ms: int) -> None:
        if not 0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"stream delay must be within 0..{MAX_DELAY_MS} ms")
        self.delay = delay_ms * self.sample_rate // 1000

    def push_far(self, mono: np.ndarray) -> None:
        """Far-end (reverse stream) mono float samples, any count."""
        self._far = np.concatenate([self._far, np.asarray(mono, dtype=np.float64)])
        # Keep what the filter can still reach: the delay, the filter and two hops of slack.
        keep = (MAX_DELAY_MS // 10 + self.partitions + 4) * self.hop
        excess = len(self._far) - keep
        oldest_needed = self._near_position - self.delay - (self.partitions + 2) * self.hop
        drop = min(excess, oldest_needed - self._far_base)
        if drop > 0:
            self._far = self._far[drop:]
            self._far_base += drop

    def _far_slice(self, start: int, stop: int) -> np.ndarray:
        """Far samples [start, stop) by absolute index; zeros where none were pushed."""
        out = np.zeros(stop - start)
        lo, hi = max(start, self._far_base), min(stop, self._far_base + len(self._far))
        if hi > lo:
            out[lo - start : hi - start] = self._far[lo - self._far_base : hi - self._far_base]
        return out

    def process(self, near: np.ndarray) -> np.ndarray:
        """Mono float near-end samples (a multiple of 10 ms) in, echo removed out."""
        if len(near) % self.hop:
            raise ValueError(f"{len(near)} samples is not a whole number of 10 ms blocks")
        out = np.empty(len(near))
        for start in range(0, len(near), self.hop):
            out[start : start + self.hop] = self._block(near[start : start + self.hop])
        return out

    process_all = process

    def _block(self, near: np.ndarray) -> np.ndarray:
        hop = self.hop
        aligned_end = self._near_position + hop - self.delay
        span = self._far_slice(aligned_end - (self.partitions + 1) * hop, aligned_end)
        self._near_position += hop
        spectrum = np.fft.rfft(span[-2 * hop :])
        self._far_spectra[1:] = self._far_spectra[:-1]
        self._far_spectra[0] = spectrum
        echo_spectrum = np.einsum("pk,pk->k", self._weights, self._far_spectra)
        estimate = np.fft.irfft(echo_spectrum, n=2 * hop)[hop:]
        error = near - estimate

        far_peak = float(np.max(np.abs(span), initial=0.0))
        near_peak = float(np.max(np.abs(near), initial=0.0))
        if near_peak > GEIGEL_THRESHOLD * far_peak:
            self._hold = DOUBLE_TALK_HOLD_BLOCKS
        worse = float(np.dot(error, error)) > WORSE_RATIO * float(np.dot(near, near)) + 1e-12
        if self._hold or worse:
            self._hold = max(self._hold - 1, 0)
            self.double_talk_blocks += 1
        elif far_peak > 1e-5:
            error_spectrum = np.fft.rfft(np.concatenate([np.zeros(hop), error]))
            power = np.sum(np.abs(self._far_spectra) ** 2, axis=0)
            # Regularized relative to the average bin: bins the far end barely excites
            # (above its band) adapt slowly instead of amplifying noise.
            power = power + RELATIVE_REGULARIZATION * float(np.mean(power)) + 1e-12
            gradient = np.conj(self._far_spectra) * (error_spectrum / power)[None, :]
            taps = np.fft.irfft(gradient, n=2 * hop, axis=1)
            taps[:, hop:] = 0.0  # each partition stays a causal hop-long filter
            self._weights += STEP * np.fft.rfft(taps, axis=1)
        if self.suppress:
            return self._suppress(error, estimate)
        return error

    def _suppress(self, error: np.ndarray, estimate: np.ndarray) -> np.ndarray:
        """Residual echo suppression on one block (a zero-phase per-bin gain)."""
        error_spectrum = np.fft.rfft(error)
        echo_power = np.abs(np.fft.rfft(estimate)) ** 2
        error_power = np.abs(error_spectrum) ** 2 + 1e-12
        gain = np.maximum(1.0 - SUPPRESSION_OVERESTIMATE * echo_power / error_power, 0.0)
        gain = np.maximum(np.sqrt(gain), SUPPRESSION_FLOOR)
        return np.fft.irfft(error_spectrum * gain, n=len(error))
