"""Spectral noise suppression, streaming in 10 ms hops at any rate.

Framing: hop H = 10 ms (80, 160, 240, 320, 441, 480 samples at 8/16/24/32/44.1/48 kHz),
frame N = 3 H (30 ms) with a periodic sqrt-Hann window for analysis and synthesis. Their
product (a Hann window) overlap-adds to a constant 1.5 at hop N/3, so unit gains give the
input back exactly (scaled by 1/1.5), delayed by the fixed latency N - H = 20 ms. Calls
may carry any whole number of hops; the output does not depend on how a signal is split
into calls (every call runs hop by hop).

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

Cost: hop by hop on preallocated buffers, the transforms in SciPy's pocketfft kernels
with `out=` (the same bits as numpy.fft, without its wrappers). The per-bin recursions are
as few whole-array ufunc calls (~38) as the algebra allows, since each costs ~0.5 us at
721 bins, more than its arithmetic: the two speech-presence probabilities share one exp
over a stacked (2, bins) array, the posterior SNR and the prior's decision-directed part
one division, the ~500 Hz average is a reduction over a strided view, constant factors
are folded into the stored states and the floor into the synthesis window, constants are
0-d arrays (a Python float costs a conversion a call). Against the straightforward form
(one NumPy expression per step) the output agrees to ~5e-16 of full scale, and int16
results are the same. The `noise_suppression` filter family, 10 ms at 48 kHz mono: 130 us
before, 57 us after (16 kHz: 96 -> 39 us), measured side by side (2 cores, load 3.8).
"""

from __future__ import annotations

import math

import numpy as np

try:  # SciPy's pocketfft binding, called directly: numpy.fft's and scipy.fft's wrappers
    # cost more than a 1440-point transform; its kernels gave numpy.fft's results to the bit
    from scipy.fft._pocketfft import pypocketfft as _pocketfft
except ImportError:  # pragma: no cover - a SciPy that moved it: the public functions
    _pocketfft = None

HOP_MS = 10
FRAME_HOPS = 3
HISTORY_HOPS = 32  # input kept past a frame before moving it back (a copy per 32 hops)
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
MIN_PRIOR = 10 ** (-25 / 10)
# The SPP formula 1 / (1 + (1 + snr) exp(-x snr / (1 + snr))), with (1 + snr) moved into
# the exponent: 1 / (1 + exp(ln(1 + snr) - x snr / (1 + snr))).
_SPP_SLOPE = SPP_PRIOR_SNR / (1 + SPP_PRIOR_SNR)
_SPP_OFFSET = math.log(1.0 + SPP_PRIOR_SNR)
# The weights of the new values in the recursive averages
_NOISE_NEW = 1 - NOISE_SMOOTHING
_SPP_NEW = 1 - SPP_SMOOTHING
_PRIOR_NEW = 1 - DECISION_DIRECTED


def _constant(value: float) -> np.ndarray:
    """A 0-d array: a ufunc takes it ~0.3 us faster than a Python float (no conversion),
    with the same value."""
    return np.array(value, dtype=np.float64)


_ONE = _constant(1.0)
_INVERSE_OVER = _constant(1.0 / OVER_SUBTRACTION)
_PRIOR_ONE = _constant(1.0 / _PRIOR_NEW)
_CLEAN_SCALE = _constant(DECISION_DIRECTED / (OVER_SUBTRACTION * _PRIOR_NEW))
_NOISE_NEW_0D = _constant(_NOISE_NEW)


def _rfft(frames: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Real FFT along the last axis into `out` (its length: size // 2 + 1)."""
    if _pocketfft is None:  # pragma: no cover
        out[...] = np.fft.rfft(frames, axis=-1)
        return out
    return _pocketfft.r2c(frames, (-1,), True, 0, out, 1)


def _irfft(spectra: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Inverse real FFT along the last axis into `out` (whose length is the size), scaled
    by 1 / size as np.fft.irfft is."""
    size = out.shape[-1]
    if _pocketfft is None:  # pragma: no cover
        out[...] = np.fft.irfft(spectra, n=size, axis=-1)
        return out
    return _pocketfft.c2r(spectra, (-1,), size, False, 2, out, 1)


class _Stft:
    """Streaming analysis and overlap-add synthesis, one hop at a time, channel-major
    buffers (channels, size) so each transform runs on contiguous rows. `gain` scales the
    synthesis (the suppressor's floor, so that its gains are relative to the floor)."""

    def __init__(self, hop: int, hops_per_frame: int, channels: int, gain: float = 1.0) -> None:
        self.hop, self.parts = hop, hops_per_frame
        self.size = hop * hops_per_frame
        self.bins = self.size // 2 + 1
        self.window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(self.size) / self.size))
        # analysis x synthesis = Hann; shifted by hops it sums to size / (2 hop)
        self.scale = 2.0 * hop / self.size
        self._synthesis = self.window * (self.scale * gain)
        # The input, hop after hop, with room for HISTORY_HOPS more before the newest
        # frame is moved back to the start: the frame is a view, no shift a hop.
        self._input = np.zeros((channels, self.size + HISTORY_HOPS * hop))
        self._end = self.size  # the newest frame is _input[:, _end - size : _end]
        self._windowed = np.empty((channels, self.size))
        # The last `parts` frames' windowed outputs, newest at _newest: a finished hop is
        # the sum of their overlapping parts (no overlap buffer to shift).
        self._times = np.zeros((hops_per_frame, channels, self.size))
        self._newest = 0
        # for each slot the newest frame may be in: the hops that sum to the finished
        # one, oldest frame first (views made once: building them costs more than adding)
        self._pieces = [
            [self._times[(newest - age) % hops_per_frame][:, age * hop : (age + 1) * hop]
             for age in range(hops_per_frame - 1, -1, -1)]
            for newest in range(hops_per_frame)
        ]  # fmt: skip
        self.spectrum = np.empty((channels, self.bins), dtype=np.complex128)

    def analyse(self, hop_frames: np.ndarray) -> np.ndarray:
        """(hop, ch) samples in; the newest frame's spectra (ch, bins), in `spectrum`."""
        hop, end = self.hop, self._end
        if end + hop > self._input.shape[1]:
            kept = self.size - hop
            self._input[:, :kept] = self._input[:, end - kept : end]
            end = kept
        self._input[:, end : end + hop] = hop_frames.T
        self._end = end = end + hop
        np.multiply(self._input[:, end - self.size : end], self.window, out=self._windowed)
        return _rfft(self._windowed, self.spectrum)

    def apply_gains(self, gains: np.ndarray | None) -> None:
        """Multiplies `spectrum` by real gains (bins) (None: by one). (NumPy's complex
        product by (gain + 0j) measured 1.6 us at 721 bins, a real product on the float
        view 2.8 us: its innermost axis is the pair.)"""
        if gains is not None:
            np.multiply(self.spectrum, gains, out=self.spectrum)

    def synthesise(self, out: np.ndarray) -> None:
        """Overlap-adds the frame of `spectrum`; writes the finished hop into `out` (hop, ch)."""
        newest = self._newest = (self._newest + 1) % self.parts
        time = self._times[newest]
        _irfft(self.spectrum, time)
        np.multiply(time, self._synthesis, out=time)
        # the oldest frame's last hop first, as an overlap-add buffer would have summed them
        target = out.T
        pieces = self._pieces[newest]
        if len(pieces) == 1:
            target[...] = pieces[0]
            return
        np.add(pieces[0], pieces[1], out=target)
        for piece in pieces[2:]:
            np.add(target, piece, out=target)


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
        self.floor = 10.0 ** (-max_attenuation_db / 20.0)
        # The gains are computed relative to the floor (at least 1), the floor is in the
        # synthesis: frames that get the floor everywhere cost no product at all.
        self._stft = _Stft(self.hop, hops_per_frame, channels, self.floor)
        self._log_floor = math.log(self.floor)
        bins = self.size // 2 + 1
        self._frames = 0
        # The recursive states, each scaled so that its constant factors cost no call
        # (the straightforward form's values in the comments):
        self._noise = np.zeros(bins)  # the noise power estimate
        # Row 0: this frame's power; row 1: the previous frame's clean power estimate
        # x DECISION_DIRECTED / (OVER_SUBTRACTION PRIOR_NEW), so that one division by the
        # noise gives the posterior SNR and the decision-directed part of the prior SNR.
        self._power_clean = np.zeros((2, bins))
        # Row 0: the smoothed speech presence x -NOISE_NEW / SPP_NEW; row 1: the posterior
        # SNR averaged over ~500 Hz and recursively over frames (x width /
        # (1 - PRESENCE_MEMORY)); row 2: this frame's own posterior SNR against the noise
        # estimate; row 3: the a priori SNR / PRIOR_NEW. Rows 0-1 decay in one product,
        # rows 1-2 give both speech-presence probabilities from one exp.
        width = 2 * int(PRESENCE_BAND_HZ * self.size / sample_rate / 2) + 1
        self._snr = np.zeros((4, bins))
        self._spp_smoothed = self._snr[0]
        self._snr[1] = width / (1 - PRESENCE_MEMORY)  # the average starts at 1
        self._memories = np.ones((2, bins)) * [[SPP_SMOOTHING], [PRESENCE_MEMORY]]
        # SPP exponents: -slope x (the average, the bin's own); the bin's own probability
        # comes out as -NOISE_NEW x P (what the noise update uses), the gain's as P.
        # (full rows, not (2, 1) columns: broadcasting a column costs twice the product)
        rows = np.ones((2, bins))
        self._spp_scale = rows * [[-_SPP_SLOPE * (1 - PRESENCE_MEMORY) / width], [-_SPP_SLOPE]]
        self._spp_offset = rows * [[_SPP_OFFSET], [_SPP_OFFSET - math.log(_NOISE_NEW)]]
        self._spp_one = rows * [[1.0], [1.0 / _NOISE_NEW]]
        self._spp_sign = rows * [[1.0], [-1.0]]
        self._spp_cap = _constant(-SPP_CAP * _NOISE_NEW / _SPP_NEW)  # on the smoothed scale
        self._inverse_floor = _constant(1.0 / self.floor)
        # bins are 100 / hops_per_frame Hz apart whatever the rate: the kernel spans ~500 Hz.
        # The posterior SNR sits between `width // 2` zeros each side: the average over
        # ~500 Hz (np.convolve(..., "same") with a box) is a sum over `width` shifted views.
        self._padded = np.zeros(bins + width - 1)
        self._posterior = self._padded[width // 2 : width // 2 + bins]
        self._shifted = np.lib.stride_tricks.as_strided(
            self._padded, shape=(width, bins), strides=(self._padded.strides[0],) * 2,
            writeable=False,
        )  # fmt: skip
        # Bins entirely below the lowest voice pitch carry no speech: always the floor.
        self._below_voice = int(np.ceil(VOICE_LOW_HZ * self.size / sample_rate))
        self._noise_floor = np.empty(bins)
        self._magnitude = np.empty((channels, bins))
        self._presence = np.empty((2, bins))
        self._work = np.empty(bins)
        self._wiener = np.empty(bins)
        self._gain = np.empty(bins)
        self._capped = np.empty(bins, dtype=bool)
        # The bounds of np.maximum / np.minimum as whole rows: those two take a 0-d bound
        # ~50 % slower than a row of it (no fast path for a broadcast scalar).
        bounds = np.ones((6, bins)) * [[1e-20], [1e6], [0.0], [MIN_PRIOR / _PRIOR_NEW],
                                      [1.0], [-SPP_CAP * _NOISE_NEW]]  # fmt: skip
        self._tiny, self._posterior_cap, self._zeros = bounds[0], bounds[1], bounds[2]
        self._min_prior, self._ones, self._noise_cap = bounds[3], bounds[4], bounds[5]

    @property
    def latency_frames(self) -> int:
        """Output sample n is input sample n - latency_frames (per channel)."""
        return self.size - self.hop

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Float frames (n, channels), n a multiple of the hop; output delayed by the latency."""
        if len(frames) % self.hop:
            raise ValueError(f"{len(frames)} frames is not a whole number of {self.hop} hops")
        if frames.ndim == 1:
            frames = frames[:, None]
        out = np.empty((len(frames), frames.shape[1]))
        stft, hop = self._stft, self.hop
        for start in range(0, len(frames), hop):
            stft.analyse(frames[start : start + hop])
            stft.apply_gains(self._frame_gain())
            stft.synthesise(out[start : start + hop])
        return out

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
        signals = [frames, *shadows]
        stfts = [self._stft] + [
            _Stft(self.hop, self._hops_per_frame, s.shape[1], self.floor) for s in shadows
        ]
        outputs = [np.empty((len(frames), s.shape[1])) for s in signals]
        hop = self.hop
        for start in range(0, len(frames), hop):
            self._stft.analyse(frames[start : start + hop])
            gain = self._frame_gain()
            for index, (stft, samples) in enumerate(zip(stfts, signals, strict=True)):
                if index:
                    stft.analyse(samples[start : start + hop])
                stft.apply_gains(gain)
                stft.synthesise(outputs[index][start : start + hop])
        return tuple(outputs)

    def _frame_gain(self) -> np.ndarray | None:
        """The gains over the floor (bins) for the frame just analysed (None: the floor
        everywhere); updates the state."""
        power_clean, spectrum = self._power_clean, self._stft.spectrum
        power = power_clean[0]
        if self.channels == 1:
            np.absolute(spectrum[0], out=power)
            np.square(power, out=power)
        else:  # np.mean's sum and division: the power averaged over channels
            magnitude = self._magnitude
            np.absolute(spectrum, out=magnitude)
            np.square(magnitude, out=magnitude)
            np.add.reduce(magnitude, axis=0, out=power)
            np.divide(power, self.channels, out=power)
        if np.add.reduce(power) / len(power) < SILENCE_POWER * self.size:
            # Digital silence (a stream often opens with it) says nothing of the noise: left
            # out of every estimate, or the noise floor would be learnt as zero.
            return None
        learning = self._frames < 5
        if learning:
            # Start from the first frames' mean: assume the stream opens on noise.
            self._noise *= self._frames
            self._noise += power
            self._noise /= self._frames + 1
        noise, snr, work = self._noise_floor, self._snr, self._work
        np.maximum(self._noise, self._tiny, out=noise)
        # rows 2 and 3: the posterior SNR, the prior SNR's decision-directed part
        np.divide(power_clean, noise, out=snr[2:])
        # The gain's posterior SNR: against the noise estimate raised 1.6 times (the
        # SPP-MMSE estimate reads low at 10 ms hops, about 0.65 of the true floor on white
        # noise, so noise alone rarely passes).
        posterior = self._posterior
        np.multiply(snr[2], _INVERSE_OVER, out=posterior)
        np.minimum(posterior, self._posterior_cap, out=posterior)
        # Speech presence for the gain: the posterior SNR averaged over ~500 Hz and
        # recursively over frames (far less variance than one bin's, so noise alone rarely
        # looks like speech while a voice's harmonics still do), then the SPP formula.
        np.add.reduce(self._shifted, axis=0, out=work)
        # (the smoothed presence decays here too: it is zero until learning ends)
        np.multiply(snr[:2], self._memories, out=snr[:2])
        np.add(snr[1], work, out=snr[1])
        if not learning:
            # Both presence probabilities at once: row 0 the averaged one (the gain's),
            # row 1 the bin's own x -NOISE_NEW (the noise tracking's).
            presence = self._presence
            np.multiply(snr[1:3], self._spp_scale, out=presence)
            np.add(presence, self._spp_offset, out=presence)
            np.exp(presence, out=presence)
            np.add(presence, self._spp_one, out=presence)
            np.divide(self._spp_sign, presence, out=presence)
            self._track_noise(power, noise, presence[1])
        # The a priori SNR (/ PRIOR_NEW), decision-directed with the previous frame's clean
        # estimate, and the Wiener gain.
        prior = snr[3]
        np.subtract(posterior, _ONE, out=work)
        np.maximum(work, self._zeros, out=work)
        np.add(prior, work, out=prior)
        np.maximum(prior, self._min_prior, out=prior)
        wiener = self._wiener
        np.add(prior, _PRIOR_ONE, out=work)
        np.divide(prior, work, out=wiener)
        clean = power_clean[1]
        np.square(wiener, out=clean)
        np.multiply(clean, power, out=clean)
        np.multiply(clean, _CLEAN_SCALE, out=clean)
        self._frames += 1
        if learning:
            return None  # no presence yet: still learning the noise, the floor everywhere
        # G = G_wiener^p G_min^(1 - p) = G_min (G_wiener / G_min)^p, at least G_min
        gain = self._gain
        np.multiply(wiener, self._inverse_floor, out=gain)
        np.maximum(gain, self._ones, out=gain)
        np.power(gain, self._presence[0], out=gain)
        gain[: self._below_voice] = 1.0
        return gain

    def _track_noise(self, power: np.ndarray, noise: np.ndarray, presence: np.ndarray) -> None:
        """The SPP-MMSE noise update: the noise periodogram's expectation
        (1 - P)|Y|^2 + P sigma^2 (P capped where it stayed near 1), smoothed:
        sigma^2 <- sigma^2 - NOISE_NEW (1 - P) (sigma^2 - |Y|^2). `presence` is
        -NOISE_NEW x P, the smoothed presence kept on the same scale / SPP_NEW."""
        smoothed, capped, work = self._spp_smoothed, self._capped, self._work
        np.add(smoothed, presence, out=smoothed)  # (decayed in _frame_gain)
        np.less(smoothed, self._spp_cap, out=capped)
        np.maximum(presence, self._noise_cap, out=presence, where=capped)
        np.add(presence, _NOISE_NEW_0D, out=presence)
        np.subtract(noise, power, out=work)
        np.multiply(work, presence, out=work)
        np.subtract(noise, work, out=self._noise)
