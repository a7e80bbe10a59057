"""Spectral noise suppression, streaming in 10 ms hops at any rate.

Framing: hop H = 10 ms (80, 160, 240, 320, 441, 480 samples at 8/16/24/32/44.1/48 kHz),
frame N = 3 H (30 ms) with a periodic sqrt-Hann window for analysis and synthesis. Their
product (a Hann window) overlap-adds to a constant 1.5 at hop N/3, so unit gains give the
input back exactly (scaled by 1/1.5), delayed by the fixed latency N - H = 20 ms. Calls
may carry any whole number of hops; the output does not depend on how a signal is split
into calls (FFTs are batched within a call, the recursions run frame by frame).

Per frame, on the power spectrum averaged over channels (one gain for all channels keeps a
stereo image):

1. noise power per bin: the speech-presence-probability (SPP) MMSE estimator of Gerkmann
   and Hendriks (2012): a posteriori SPP with a fixed 15 dB a priori SNR under speech,
   the noise periodogram's expectation (1 - P)|Y|^2 + P sigma^2, recursively smoothed
   (0.8); P is capped when it has stayed near 1 for long (no stagnation when noise rises:
   a 20 dB step up is tracked within about 1.5 s, a step down within 0.2 s); frames of
   digital silence are left out;
2. a priori SNR, decision-directed (0.98) with the previous frame's clean estimate;
3. gain: OM-LSA style, G = G_wiener^p * G_min^(1 - p), against the noise estimate raised
   1.6 times (it reads low at 10 ms hops), p the speech presence from the posterior SNR
   averaged over ~500 Hz and two frames (noise alone rarely looks like speech then, so it
   gets the floor instead of musical tones); G_min is the floor (`max_attenuation_db`,
   30 dB by default): noise is lowered, never gated to silence;
4. bins below 60 Hz (under any voice's pitch) get the floor: rumble and the slow swings
   of pink or wind noise are removed without estimating them.
"""

from __future__ import annotations

import numpy as np

HOP_MS = 10
FRAME_HOPS = 3
DECISION_DIRECTED = 0.98
NOISE_SMOOTHING = 0.8
SPP_PRIOR_SNR = 10 ** (15 / 10)
SPP_SMOOTHING = 0.9
SPP_CAP = 0.99
ABSENCE_PRIOR = 0.5  # prior probability that a bin holds no speech
PRESENCE_BAND_HZ = 500.0
PRESENCE_MEMORY = 0.5
OVER_SUBTRACTION = 1.6
VOICE_LOW_HZ = 60.0
MAX_ATTENUATION_DB = 30.0
SILENCE_POWER = 1e-12  # per sample, about -120 dBFS: below one int16 step


class _Stft:
    """Streaming analysis and overlap-add synthesis of (n, channels) frames, hop by hop."""

    def __init__(self, hop: int, hops_per_frame: int, channels: int) -> None:
        self.hop, self.parts = hop, hops_per_frame
        self.size = hop * hops_per_frame
        window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(self.size) / self.size))
        self.window = window[:, None]
        # analysis x synthesis = Hann; shifted by hops it sums to size / (2 hop)
        self.scale = 2.0 * hop / self.size
        self._history = np.zeros((self.size - hop, channels))
        self._carry = np.zeros((hops_per_frame - 1, hop, channels))

    def analyse(self, frames: np.ndarray) -> np.ndarray:
        """(count * hop, ch) samples in, (count, bins, ch) spectra out."""
        count = len(frames) // self.hop
        buffer = np.concatenate([self._history, frames])
        self._history = buffer[len(buffer) - (self.size - self.hop) :]
        starts = np.arange(count) * self.hop
        windows = buffer[starts[:, None] + np.arange(self.size)[None, :]]  # (count, size, ch)
        return np.fft.rfft(windows * self.window, axis=1)

    def synthesise(self, spectra: np.ndarray) -> np.ndarray:
        """(count, bins, ch) spectra in, (count * hop, ch) finished samples out."""
        count = len(spectra)
        time = np.fft.irfft(spectra, n=self.size, axis=1) * (self.window * self.scale)
        pieces = time.reshape(count, self.parts, self.hop, -1)
        total = np.zeros((count + self.parts - 1, self.hop, time.shape[-1]))
        total[: self.parts - 1] += self._carry
        for part in range(self.parts):
            total[part : part + count] += pieces[:, part]
        self._carry = total[count:]
        return total[:count].reshape(count * self.hop, -1)


class NoiseSuppressor:
    """Stateful spectral noise suppression on float frames (n, channels), n whole hops."""

    def __init__(
        self,
        sample_rate: int,
        channels: int,
        max_attenuation_db: float = MAX_ATTENUATION_DB,
        hops_per_frame: int = FRAME_HOPS,
    ) -> None:
        if not 0.0 < max_attenuation_db <= 60.0:
            raise ValueError(f"max_attenuation_db must be in (0, 60], got {max_attenuation_db}")
        if sample_rate < 8000 or sample_rate % 100:
            raise ValueError(f"unsupported sample rate {sample_rate}")
        self.sample_rate = sample_rate
        self.channels = channels
        self.hop = sample_rate * HOP_MS // 1000
        self.size = self.hop * hops_per_frame
        self._hops_per_frame = hops_per_frame
        self._stft = _Stft(self.hop, hops_per_frame, channels)
        self.floor = 10.0 ** (-max_attenuation_db / 20.0)
        bins = self.size // 2 + 1
        self._noise = np.zeros(bins)
        self._spp_smoothed = np.zeros(bins)
        self._previous_clean = np.zeros(bins)
        self._frames = 0
        self._local = np.ones(bins)
        # Bins entirely below the lowest voice pitch carry no speech: always the floor.
        # bins are 100 / hops_per_frame Hz apart whatever the rate: the kernel spans ~500 Hz
        width = 2 * int(PRESENCE_BAND_HZ * self.size / sample_rate / 2) + 1
        self._presence_kernel = np.full(width, 1.0 / width)
        self._below_voice = int(np.ceil(VOICE_LOW_HZ * self.size / sample_rate))

    @property
    def latency_frames(self) -> int:
        """Output sample n is input sample n - latency_frames (per channel)."""
        return self.size - self.hop

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Float frames (n, channels), n a multiple of the hop; output delayed by the latency."""
        if len(frames) % self.hop:
            raise ValueError(f"{len(frames)} frames is not a whole number of {self.hop} hops")
        spectra = self._stft.analyse(frames)
        gains = self._gains(np.mean(np.abs(spectra) ** 2, axis=2))
        return self._stft.synthesise(spectra * gains[:, :, None])

    process_all = process

    def process_with_shadows(
        self, frames: np.ndarray, *shadows: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Process `frames`, and apply the very gains computed on them to each shadow signal
        (say the clean speech and the noise that were mixed into `frames`), each through a
        fresh STFT of its own: how noise reduction is measured, each part's change seen
        apart. Meant for one call over a whole signal."""
        if len(frames) % self.hop:
            raise ValueError(f"{len(frames)} frames is not a whole number of {self.hop} hops")
        spectra = self._stft.analyse(frames)
        gains = self._gains(np.mean(np.abs(spectra) ** 2, axis=2))[:, :, None]
        outputs = [self._stft.synthesise(spectra * gains)]
        for shadow in shadows:
            stft = _Stft(self.hop, self._hops_per_frame, shadow.shape[1])
            outputs.append(stft.synthesise(stft.analyse(shadow) * gains))
        return tuple(outputs)

    def _gains(self, powers: np.ndarray) -> np.ndarray:
        """(count, bins) power spectra in, (count, bins) gains out; one frame at a time."""
        gains = np.empty_like(powers)
        for index, power in enumerate(powers):
            gains[index] = self._frame_gain(power)
        return gains

    def _frame_gain(self, power: np.ndarray) -> np.ndarray:
        if np.mean(power) < SILENCE_POWER * self.size:
            # Digital silence (a stream often opens with it) says nothing of the noise: left
            # out of every estimate, or the noise floor would be learnt as zero.
            return np.full_like(power, self.floor)
        noise = np.maximum(self._noise, 1e-20)
        if self._frames < 5:
            # Start from the first frames' mean: assume the stream opens on noise.
            self._noise = (self._noise * self._frames + power) / (self._frames + 1)
            noise = np.maximum(self._noise, 1e-20)
            presence = np.zeros_like(power)
        else:
            exponent = np.minimum(power / noise * (SPP_PRIOR_SNR / (1 + SPP_PRIOR_SNR)), 500.0)
            presence = 1.0 / (1.0 + (1.0 + SPP_PRIOR_SNR) * np.exp(-exponent))
            self._spp_smoothed = SPP_SMOOTHING * self._spp_smoothed + (1 - SPP_SMOOTHING) * (
                presence
            )
            capped = np.where(self._spp_smoothed > SPP_CAP, np.minimum(presence, SPP_CAP), presence)
            expected = (1.0 - capped) * power + capped * noise
            self._noise = NOISE_SMOOTHING * noise + (1 - NOISE_SMOOTHING) * expected
        self._frames += 1
        # The SPP-MMSE estimate reads low at 10 ms hops (about 0.65 of the true floor on white
        # noise): the gain works against a raised floor, so noise alone rarely passes.
        noise = noise * OVER_SUBTRACTION
        posterior = np.minimum(power / noise, 1e6)
        prior = DECISION_DIRECTED * self._previous_clean / noise + (1 - DECISION_DIRECTED) * (
            np.maximum(posterior - 1.0, 0.0)
        )
        prior = np.maximum(prior, 10 ** (-25 / 10))
        wiener = prior / (1.0 + prior)
        self._previous_clean = (wiener**2) * power
        # Speech presence for the gain: the posterior SNR averaged over ~500 Hz and
        # recursively over frames (far less variance than one bin's, so noise alone rarely
        # looks like speech while a voice's harmonics still do), then the SPP formula.
        local = np.convolve(posterior, self._presence_kernel, mode="same")
        self._local = PRESENCE_MEMORY * self._local + (1 - PRESENCE_MEMORY) * local
        exponent = np.minimum(self._local * (SPP_PRIOR_SNR / (1 + SPP_PRIOR_SNR)), 500.0)
        presence = 1.0 / (1.0 + (1.0 + SPP_PRIOR_SNR) * np.exp(-exponent))
        if self._frames <= 5:
            presence[:] = 0.0  # still learning the noise
        gain = wiener**presence * self.floor ** (1.0 - presence)
        gain[: self._below_voice] = self.floor
        return np.maximum(gain, self.floor)
