"""Acoustic echo cancellation: two partitioned-block frequency-domain filters, a delay
estimator and a residual echo suppressor, the parts WebRTC's AEC3 (what the native APM
runs) is built from; described, not copied.

Signals. The reverse (far-end) stream, what the loudspeaker plays, is kept as samples
with absolute positions; near-end sample n may hold the echo of far samples up to n.
Everything runs per 10 ms block (hop H samples; 2H-point FFTs, whose bins are 50 Hz apart
at every rate). At 32 kHz and above the filters cancel 0-8 kHz, as AEC3 does; the
suppressor handles the rest.

Per block:

1. The far end's last 2H samples are transformed once and enter a history of spectra
   (the estimator's 490 ms plus the filter's 150 ms). A filter at block offset d uses
   history rows d..d+P-1 (P = 15 partitions of 10 ms: 150 ms of room response).
2. Delay. `set_stream_delay_ms` places the filters one block before the stated delay
   (native AEC3 uses the stated delay too: measured on livekit 1.2.1, a stated 0 ms took
   a loud zero-delay echo from 4 to 58 dB). Without one, the lag estimator's
   (echo_delay.py) first confirmed lag places them the same way (what they learned
   moves with them; little, 0.2-0.4 s in), as AEC3 aligns its filter on its delay
   estimate. Either way the estimator keeps looking, up to 460 ms.
3. Refined filter (the output's): overlap-save; every 5 blocks all its partitions are
   projected onto H causal taps, which keeps it a linear convolution. Its
   step is a diagonal Kalman gain per bin and partition, M / (0.5 sum_p M |X_p|^2 + Psi):
   M is the filter's own estimate of its misalignment and Psi the smoothed error power.
   Double talk raises Psi and so lowers the step by itself, at any echo level: there is
   no threshold on levels (the former Geigel detector took an echo louder than 0.6 of the
   far end for a talker and froze, 4.3 dB where native removed 49.1). M starts flat while
   the delay is unknown and as a prior decaying by 60 ms over the partitions once placed;
   each update removes its share; a small process noise (0.05 % of |W|^2 a block) keeps
   it from collapsing; once the filter removes 10 dB it is held under 4 times the
   filter's own energy (band-averaged), so a quiet echo path is not relearnt from every
   talker.
4. Shadow filter (AEC3's coarse filter; the classic two-path design): NLMS, step 0.5,
   proportionate over partitions (IPNLMS: half even, half by each partition's share of
   the filter), adapting always. When its smoothed error stays under half the refined
   filter's for 50 ms (and under the near level: it explains echo, not a talker) it is
   copied into the refined filter; when it diverges (double talk) it is reset from it.
   When the estimator later finds a delay the refined filter does not cover well, the
   shadow filter moves there and tries it for a second, and for another while it stays
   ahead (giving up after 200 ms if it is far worse, or when the estimate comes back to
   the refined filter's and it is not ahead); the refined filter follows only if the
   shadow filter proves better, so a wrong estimate (a periodic far end) costs little.
5. The block's output is the lower of the two errors, through the residual echo
   suppressor (echo_suppression.py), which is told the refined filter's predicted
   misalignment (0.5 sum_p M |X_p|^2) and the echo the filters predict from their
   band-averaged partition energies (so bins the far end has only now excited count too).

While no far-end sample is within reach (none pushed, or 650 ms of silence) blocks pass
through: the output is the input, 10 ms late. While the far end plays nothing above -70
dBFS within the filters' reach (150 ms past their offsets), the filters neither estimate
nor learn and the block passes through the same way (the far spectrum still enters the
history and the delay estimator): AEC3 skips inactive render too. Such a block costs 42
us at 48 kHz mono against 173 us when the far end plays (one run, CPU time, load 5.9).

Cost. Per 10 ms block with the far end playing: four FFTs of 2H points (far and near
windows; both echo estimates; both errors, the near end's block above 16 kHz, and the
suppressor's frame; the suppressor's output), through NumPy's pocketfft gufuncs into
preallocated arrays (transforms.py), two more every 5 blocks (the constraint), and about
80 other NumPy calls, none per sample: 172 us at 48 kHz mono and 144 at 16 kHz where the
version of 967f7bf cost 263 and 225 (one interleaved run, CPU time, load 5.9). The whole
APM with a far end (all four stages, DSP alone) 266 us against 371; through the
bindings 340 us, native 119 (bench/bench_apm.py, load 4.6).

Latency: 10 ms with suppression (one hop of overlap-add), none without.
"""

from __future__ import annotations

import numpy as np

from . import transforms
from .echo_delay import LagEstimator, estimator_bins
from .echo_suppression import ResidualEchoSuppressor

FILTER_MS = 150
MAX_DELAY_MS = 500
ESTIMATOR_LAGS = 50  # blocks: 0..490 ms
BAND_BINS = 161  # 0..8 kHz at 50 Hz per bin
STATED_HEADROOM_BLOCKS = 1
ESTIMATED_HEADROOM_BLOCKS = 2
HISTORY_SPANS = 4  # the history buffers hold this many spans; moved back when full

PRIOR_DECAY_MS = 60.0
STATE_RETENTION = 0.9995  # per block: the share of the misalignment kept (process noise)
MISALIGNMENT_SHARE = 0.5  # a zero-padded H-block's share of a 2H window's power
ERROR_SMOOTHING = 0.5
MAX_STEP = 1.0  # NLMS-normalized ceiling of the refined step
SHADOW_STEP = 0.5
MAX_SHARE = 4.0  # a partition's step at most 4 times the even share
RELATIVE_REGULARIZATION = 0.01
CONSTRAIN_EVERY_BLOCKS = 5
CONSTRAIN_PHASE = 2  # (the band energies update at phase 0)
COPY_RATIO = 0.5
COPY_HOLD_BLOCKS = 5
RESET_RATIO = 4.0
COPY_MISALIGNMENT = 0.1  # after a copy, misalignment of at least this share of |W|^2
ERROR_TRACKING = 0.1
EXPLORE_BLOCKS = 100
GIVE_UP_BLOCKS = 20  # an exploration this much worse after 200 ms stops
SHARE_BAND_BINS = 16
SHARE_EVERY_BLOCKS = 5
SETTLED_EVERY_BLOCKS = 2
CHECK_EVERY_BLOCKS = 5  # the estimator scores its lags
MISALIGNMENT_FLOOR = 0.01
MISALIGNMENT_CAP = 4.0
CONVERGED_ERROR = 0.1  # the cap applies once the refined filter removes 10 dB
NOISE_EVERY_BLOCKS = 5
ACTIVE_POWER = 1e-6  # per bin, below which the far end counts as silent
INACTIVE_DBFS = -70.0  # far blocks below this do not count as played


class EchoCanceller:
    """Echo canceller at one sample rate; feed far and near in 10 ms multiples.

    `process` takes (n,) mono or (n, channels) near-end samples; the filters work on the
    channels' mean, each channel gets its own error and the same suppression gain.
    """

    def __init__(
        self,
        sample_rate: int,
        filter_ms: int = FILTER_MS,
        suppress: bool = True,
        channels: int = 1,
    ) -> None:
        if filter_ms < 10 or filter_ms % 10:
            raise ValueError(f"filter_ms must be a positive multiple of 10, got {filter_ms}")
        self.sample_rate = sample_rate
        self.hop = hop = sample_rate // 100
        self.channels = channels
        self.partitions = partitions = filter_ms // 10
        self.band = band = min(hop + 1, BAND_BINS)
        self._constraint_size = 2 * (band - 1)
        self._rows = rows = ESTIMATOR_LAGS + partitions
        # Far spectra, their conjugates and powers, newest first from row `_top`: any
        # filter's partitions (and the estimator's lags) are one view. New rows go on top;
        # when the buffer's start is reached the last span is moved to its end.
        capacity = HISTORY_SPANS * rows
        self._spectra = np.zeros((capacity, band), dtype=np.complex128)
        self._conjugates = np.zeros((capacity, band), dtype=np.complex128)
        self._powers = np.zeros((capacity, band))
        self._block_powers = np.zeros(capacity)  # each row's power summed over the band
        # A far block counts as played when its band holds more power than white noise
        # at -70 dBFS would (AEC3's render activity threshold is of that order).
        self._active_power = band * 2 * hop * 10 ** (INACTIVE_DBFS / 10)
        self._top = capacity - rows
        self._silent_blocks = rows  # nothing pushed yet: pass through
        # Far samples by absolute index: _far_data[_far_start : _far_start + _far_length]
        # holds samples _far_base.. of the stream.
        self._far_ahead = MAX_DELAY_MS * 2 * sample_rate // 1000
        self._far_data = np.zeros(2 * (self._far_ahead + 4 * hop))
        self._far_start = self._far_length = self._far_base = 0
        self._near_position = 0
        # Far and near 2H windows, transformed together.
        self._windows = np.zeros((2, 2 * hop))
        self._window_spectra = np.empty((2, hop + 1), dtype=np.complex128)
        self._echo_estimates = np.empty((2, 2 * hop))
        # Both filters' zero-padded errors, then the suppressor's frames: one transform.
        # Above 16 kHz the filters model 0-8 kHz only: what is above is in both errors and
        # the near end alike, so their levels are compared over the band (the near end's
        # zero-padded block is transformed with the errors for that).
        self._in_band = band < hop + 1
        self._frames_row = 3 if self._in_band else 2
        self._batch = np.zeros((self._frames_row + (channels if suppress else 0), 2 * hop))
        self._batch_spectra = np.empty((len(self._batch), hop + 1), dtype=np.complex128)
        self.estimator = LagEstimator(ESTIMATOR_LAGS, estimator_bins(band))
        self._weights = np.zeros((2, partitions, band), dtype=np.complex128)
        self._learned = False  # whether any update reached the weights
        self._placed = False  # whether a stated delay or an estimate placed the filter
        decay = np.exp(-np.arange(partitions) * 10.0 / PRIOR_DECAY_MS)
        self._prior = np.repeat(decay[:, None], band, axis=1)
        # Where the echo starts is unknown until a stated delay or an estimate: every
        # partition equally uncertain.
        self._misalignment = np.ones_like(self._prior)
        self._error_power = np.zeros(band)
        self._error_band = np.empty(band)
        self._share = np.zeros((partitions, band))
        # Averaging each 800 Hz band's bins and spreading the means back over them (the
        # bins past the last whole band take its mean) as two small matrix products.
        bands = max(band // SHARE_BAND_BINS, 1)
        member = np.minimum(np.arange(band) // SHARE_BAND_BINS, bands - 1)
        spread = (member[None, :] == np.arange(bands)[:, None]).astype(np.float64)
        averaging = spread.T.copy()
        if band >= SHARE_BAND_BINS:
            averaging[bands * SHARE_BAND_BINS :] = 0.0  # the means are of whole bands
        self._band_averaging = averaging / averaging.sum(axis=0)
        self._band_spreading = spread
        self._band_means = np.empty((partitions, bands))
        self._magnitudes = np.empty((2, partitions, band))
        self._taps = np.empty((2, partitions, self._constraint_size))
        self._gradients = np.empty((2, partitions, band), dtype=np.complex128)
        self._scratch = np.empty((partitions, band))
        self._blocks = 0
        self.offset = 0  # the refined filter's block offset
        self.shadow_offset = 0
        self._explore_left = 0
        self._better_blocks = 0
        self._refined_error = self._shadow_error = self._near_level = 0.0
        self.suppressor = ResidualEchoSuppressor(hop, channels, band) if suppress else None
        # Reports for tests and tools.
        self.copies = 0
        self.explorations = 0

    @property
    def latency_frames(self) -> int:
        return self.hop if self.suppressor is not None else 0

    def set_delay_ms(self, delay_ms: int) -> None:
        """The caller's delay between a far sample and its echo: where the filter starts.
        Before the filters learned anything it moves them; afterwards it is a candidate
        the shadow filter tries, as an estimate is."""
        if not 0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"stream delay must be within 0..{MAX_DELAY_MS} ms")
        blocks = delay_ms * self.sample_rate // 1000 // self.hop
        offset = min(max(blocks - STATED_HEADROOM_BLOCKS, 0), ESTIMATOR_LAGS - 1)
        if not self._weights.any():
            self.offset = self.shadow_offset = offset
            self._misalignment[:] = self._prior
            self._placed = True
        elif offset != self.offset:
            self._explore(offset)

    def push_far(self, mono: np.ndarray) -> None:
        """Far-end (reverse stream) mono float samples, any count."""
        samples = np.asarray(mono, dtype=np.float64)
        count = len(samples)
        base, length = self._far_base, self._far_length
        end = base + length + count
        # Keep what the next near block still needs, and at most a second ahead of it.
        new_base = max(
            base,
            self._near_position - 2 * self.hop,
            base + end - self._near_position - self._far_ahead,
        )
        data = self._far_data
        dropped = new_base - base
        if dropped >= length:
            # Nothing old is kept: the buffer starts again with (the tail of) the new.
            kept = max(end - new_base, 0)
            data[:kept] = samples[count - kept :]
            self._far_start = 0
        else:
            start = self._far_start + dropped
            old = length - dropped
            if start + old + count > len(data):
                data[:old] = data[start : start + old]
                start = 0
            data[start + old : start + old + count] = samples
            self._far_start = start
            kept = old + count
        self._far_base, self._far_length = new_base, kept

    def _fill_far(self, start: int, stop: int, out: np.ndarray) -> None:
        """Far samples [start, stop) by absolute index into `out`; zeros where none were
        pushed."""
        base = self._far_base
        lo, hi = max(start, base), min(stop, base + self._far_length)
        first = self._far_start - base
        if lo == start and hi == stop:
            out[:] = self._far_data[first + start : first + stop]
            return
        out[:] = 0.0
        if hi > lo:
            out[lo - start : hi - start] = self._far_data[first + lo : first + hi]

    def process(self, near: np.ndarray) -> np.ndarray:
        """Near-end float samples (a multiple of 10 ms) in, echo removed out (same shape)."""
        samples = np.asarray(near, dtype=np.float64)
        frames = samples[:, None] if samples.ndim == 1 else samples
        hop = self.hop
        if len(frames) % hop:
            raise ValueError(f"{len(frames)} samples is not a whole number of 10 ms blocks")
        if frames.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {frames.shape[1]}")
        if len(frames) == hop:
            out = self._block(frames)
        else:
            out = np.empty_like(frames)
            for start in range(0, len(frames), hop):
                out[start : start + hop] = self._block(frames[start : start + hop])
        return out[:, 0] if samples.ndim == 1 else out

    def _block(self, near: np.ndarray) -> np.ndarray:
        hop = self.hop
        mono = near[:, 0] if self.channels == 1 else near.mean(axis=1)
        self._near_position = end = self._near_position + hop
        windows = self._windows
        self._fill_far(end - 2 * hop, end, windows[0])
        windows[1, :hop] = windows[1, hop:]
        windows[1, hop:] = mono
        self._silent_blocks = 0 if np.logical_or.reduce(windows[0]) else self._silent_blocks + 1
        if self._silent_blocks >= self._rows:
            # Every spectrum in reach is zero: no echo to estimate or remove.
            if self.suppressor is None:
                return near
            return self.suppressor.pass_through(near.T).T
        spectra = transforms.rfft(windows, self._window_spectra)
        top = self._push_history(spectra[0, : self.band])
        self._blocks += 1
        # Once the refined filter removes 10 dB the estimator learns every second block.
        settled = self._refined_error < CONVERGED_ERROR * self._near_level
        if not settled or self._blocks % SETTLED_EVERY_BLOCKS == 0:
            estimator = self.estimator
            lags = slice(top, top + ESTIMATOR_LAGS)
            bins = estimator.bins
            if (
                estimator.update(
                    self._conjugates[lags, bins],
                    self._powers[lags, bins],
                    spectra[1],
                    self._blocks % CHECK_EVERY_BLOCKS == 0,
                )
                and estimator.lag is not None
            ):
                self._consider_lag(estimator.lag)
        first = top + min(self.offset, self.shadow_offset)
        last = top + max(self.offset, self.shadow_offset) + self.partitions
        if np.maximum.reduce(self._block_powers[first:last]) < self._active_power:
            # Nothing the far end played within the filters' reach is above -70 dBFS: no
            # echo worth estimating or learning from (AEC3 skips inactive render too).
            if self.suppressor is None:
                return near
            return self.suppressor.pass_through(near.T).T
        return self._filter(near, mono, top)

    def _push_history(self, far_spectrum: np.ndarray) -> int:
        """The block's far spectrum on top of the history; returns the top row."""
        top = self._top - 1
        if top < 0:
            keep = self._rows - 1
            for ring in (self._spectra, self._conjugates, self._powers, self._block_powers):
                ring[len(ring) - keep :] = ring[:keep]
            top = len(self._spectra) - keep - 1
        self._top = top
        self._spectra[top] = far_spectrum
        np.conjugate(far_spectrum, out=self._conjugates[top])
        power = np.abs(far_spectrum, out=self._powers[top])
        power *= power
        self._block_powers[top] = _sum(power)
        return top

    def _filter(self, near: np.ndarray, mono: np.ndarray, top: int) -> np.ndarray:
        hop, band, partitions = self.hop, self.band, self.partitions
        weights = self._weights
        start = top + self.offset
        refined_far = self._spectra[start : start + partitions]
        aligned = self.shadow_offset == self.offset
        if aligned:
            # sum over partitions of W X: vecdot conjugates its first operand
            refined_conjugates = self._conjugates[start : start + partitions]
            echo_spectra = np.vecdot(refined_conjugates.T, weights.transpose(0, 2, 1))
        else:
            shadow_start = top + self.shadow_offset
            shadow_far = self._spectra[shadow_start : shadow_start + partitions]
            echo_spectra = np.stack([
                np.einsum("pk,pk->k", weights[0], refined_far),
                np.einsum("pk,pk->k", weights[1], shadow_far),
            ])  # fmt: skip
        estimates = transforms.irfft(echo_spectra, self._echo_estimates)[:, hop:]
        batch = self._batch
        errors = batch[:2, hop:]
        np.subtract(mono, estimates, out=errors)
        refined_energy, shadow_energy = np.vecdot(errors, errors)
        chosen = 0 if refined_energy <= shadow_energy else 1
        rows = self._frames_row
        if self._in_band:
            batch[2, hop:] = mono
        else:
            near_energy = float(np.dot(mono, mono))
        suppressor = self.suppressor
        if suppressor is not None:
            if self.channels == 1:
                channel_errors = errors[chosen : chosen + 1]
            else:
                channel_errors = (near - estimates[chosen][:, None]).T
            suppressor.frame(channel_errors, batch[rows:])
        spectra = transforms.rfft(batch, self._batch_spectra)
        power = self._powers[start : start + partitions]
        if self._blocks % SHARE_EVERY_BLOCKS == 0 and self._learned:
            self._update_band_energy(aligned)
        residual = self._adapt(top, power, spectra[:2, :band], aligned)
        if self._in_band:
            low = spectra[:3, :band]
            refined_energy, shadow_energy, near_energy = np.vecdot(low, low).real
        self._two_path(float(refined_energy), float(shadow_energy), float(near_energy))
        if suppressor is None:
            if self.channels == 1:
                return errors[chosen][:, None].copy()
            return near - estimates[chosen][:, None]
        # The echo the filters predict, and the refined filter's predicted misalignment
        # (at most that echo): the suppressor's two residual estimates (new arrays each
        # block: it keeps them for the next).
        predicted = np.einsum("pk,pk->k", self._share, power)
        predicted *= MISALIGNMENT_SHARE
        np.minimum(residual, predicted, out=residual)
        return suppressor.suppress(spectra[rows:], residual, predicted).T

    def _adapt(
        self, top: int, power: np.ndarray, error_spectra: np.ndarray, aligned: bool
    ) -> np.ndarray:
        """One update of both filters; returns the refined filter's predicted residual
        echo power per bin (its misalignment times the far power, before this update), a
        new array."""
        refined_error, shadow_error = error_spectra
        error_power = self._error_power
        error_band = np.abs(refined_error, out=self._error_band)
        error_band *= error_band
        error_power += error_band
        error_power *= ERROR_SMOOTHING
        misalignment = self._misalignment
        residual = np.einsum("pk,pk->k", misalignment, power)
        residual *= MISALIGNMENT_SHARE
        total = np.add.reduce(power, axis=0)
        mean_total = float(_sum(total)) / self.band
        gradients = self._gradients
        start = top + self.offset
        conjugates = self._conjugates[start : start + self.partitions]
        adapt_refined = mean_total > ACTIVE_POWER
        if adapt_refined:
            denominator = residual + error_power
            denominator += 1e-6 * mean_total + 1e-30
            step = np.divide(misalignment, denominator, out=self._scratch)
            total += RELATIVE_REGULARIZATION * mean_total
            np.divide(MAX_STEP, total, out=total)
            np.minimum(step, total, out=step)
            np.multiply(step, refined_error, out=gradients[0])
            # The diagonal Kalman filter's state update: each update removes its share of
            # the misalignment; process noise (a share of |W|^2, applied every few blocks)
            # keeps it from collapsing.
            step *= power
            step *= -MISALIGNMENT_SHARE * STATE_RETENTION
            step += STATE_RETENTION
            misalignment *= step
            if self._blocks % NOISE_EVERY_BLOCKS == 0:
                noise = NOISE_EVERY_BLOCKS * (1 - STATE_RETENTION)
                misalignment += noise * _energies(self._weights[0])
        else:
            gradients[0] = 0.0
        shadow_start = top + self.shadow_offset
        shadow_power = self._powers[shadow_start : shadow_start + self.partitions]
        shadow_mean = mean_total if aligned else float(_sum(shadow_power, axis=None)) / self.band
        adapt_shadow = shadow_mean > ACTIVE_POWER
        if adapt_shadow:
            # Proportionate steps (IPNLMS over partitions): half shared evenly, half by each
            # partition's share of the filter, so the partitions holding the echo learn
            # faster; normalized by the far power they weight.
            norms = np.sqrt(np.vecdot(self._weights[1], self._weights[1]).real)
            norms *= 0.5 * self.partitions / (float(_sum(norms)) + 1e-30)
            norms += 0.5
            shares = np.minimum(norms, MAX_SHARE, out=norms)
            weighted = shares @ shadow_power
            weighted += RELATIVE_REGULARIZATION / self.band * float(_sum(weighted)) + 1e-30
            scaled = np.divide(SHADOW_STEP, weighted, out=weighted)
            scaled = shadow_error * scaled
            # (conjugate x error x share): the conjugates multiply in last, for both
            # filters at once when they are aligned.
            np.multiply(shares[:, None], scaled, out=gradients[1])
            if not aligned:
                gradients[1] *= self._conjugates[shadow_start : shadow_start + self.partitions]
        else:
            gradients[1] = 0.0
        if adapt_refined and adapt_shadow and aligned:
            gradients *= conjugates
        else:
            if adapt_refined:
                gradients[0] *= conjugates
            if adapt_shadow and aligned:
                gradients[1] *= conjugates
        if adapt_refined or adapt_shadow:
            self._weights += gradients
            self._learned = True
            if self._blocks % CONSTRAIN_EVERY_BLOCKS == CONSTRAIN_PHASE:
                self._constrain()
        return residual

    def _constrain(self) -> None:
        """Project both filters onto H causal taps, so each stays a linear convolution:
        unconstrained updates leave circular wrap-around in the weights, which this
        removes before it builds up (Speex's alternately constrained MDF constrains one
        partition a block; here all every 5 blocks, the same period for each partition
        in two transforms instead of ten)."""
        taps = transforms.irfft(self._weights, self._taps)
        taps[..., self._constraint_size // 2 :] = 0.0
        transforms.rfft(taps, self._weights)

    def _two_path(self, refined_energy: float, shadow_energy: float, near_energy: float) -> int:
        """Copy the shadow filter into the refined one when it does clearly better, reset
        it when it diverges; returns which filter's error the block outputs."""
        keep = 1 - ERROR_TRACKING
        self._refined_error = keep * self._refined_error + ERROR_TRACKING * refined_energy
        self._shadow_error = keep * self._shadow_error + ERROR_TRACKING * shadow_energy
        self._near_level = keep * self._near_level + ERROR_TRACKING * near_energy
        if (
            self._shadow_error < COPY_RATIO * self._refined_error
            and shadow_energy < refined_energy
            and self._shadow_error < self._near_level
        ):
            # Only a lasting advantage: a filter adapting through double talk can fit the
            # talker for a few blocks.
            self._better_blocks += 1
            if self._better_blocks >= COPY_HOLD_BLOCKS:
                self._copy_shadow()
                return 1
        else:
            self._better_blocks = 0
        if self.shadow_offset == self.offset:
            if self._shadow_error > RESET_RATIO * self._refined_error:
                self._weights[1] = self._weights[0]
                self._shadow_error = self._refined_error
        else:
            self._explore_left -= 1
            explored = EXPLORE_BLOCKS - self._explore_left
            worse = self._shadow_error > RESET_RATIO * self._refined_error
            if self._explore_left <= 0 and self._shadow_error < self._refined_error:
                # Still ahead, if not yet by enough to be copied (a dense tail takes
                # both filters long to learn): keep what it learned and go on.
                self._explore_left = EXPLORE_BLOCKS
            elif self._explore_left <= 0 or (explored >= GIVE_UP_BLOCKS and worse):
                self._end_exploration()
        return 0 if refined_energy <= shadow_energy else 1

    def _end_exploration(self) -> None:
        self.shadow_offset = self.offset
        self._weights[1] = self._weights[0]
        self._shadow_error = self._refined_error
        self._explore_left = 0

    def _copy_shadow(self) -> None:
        if self.shadow_offset != self.offset:
            # A new alignment: what the refined filter knew does not apply; start from
            # the prior again (the first placement: only the prior, the estimate's
            # headroom before the echo).
            if self._placed:
                self._misalignment = np.maximum(
                    self._shifted(self._misalignment, self.shadow_offset - self.offset),
                    self._prior,
                )
            else:
                self._misalignment = self._placed_prior(ESTIMATED_HEADROOM_BLOCKS - 1)
                self._placed = True
            self.offset = self.shadow_offset
        self._weights[0] = self._weights[1]
        weights = self._weights[0]
        energy = _energies(weights).mean(axis=1, keepdims=True)
        np.maximum(self._misalignment, COPY_MISALIGNMENT * energy, out=self._misalignment)
        self._refined_error = self._shadow_error
        self._explore_left = 0
        self.copies += 1

    def _placed_prior(self, start: int) -> np.ndarray:
        """The prior misalignment of a filter whose echo starts at partition `start`:
        decaying by PRIOR_DECAY_MS after it (the room) and before it (the placement's
        own uncertainty)."""
        distance = np.abs(np.arange(self.partitions) - start)
        decay = np.exp(-distance * 10.0 / PRIOR_DECAY_MS)
        return np.repeat(decay[:, None], self.band, axis=1)

    def _shifted(self, array: np.ndarray, shift: int) -> np.ndarray:
        """`array`'s partitions moved `shift` blocks earlier (zeros where none)."""
        out = np.zeros_like(array)
        count = self.partitions - abs(shift)
        if count > 0:
            if shift >= 0:
                out[:count] = array[shift:]
            else:
                out[-shift:] = array[:count]
        return out

    def _update_band_energy(self, aligned: bool) -> None:
        """Every few blocks: each partition's filter energy (the larger of the two
        filters' when they are aligned) averaged over 800 Hz bands and spread back over
        the band's bins. It bounds the refined filter's misalignment estimate (a filter
        cannot be off by more than the echo path it models, plus a floor for partitions
        not learned yet), and times the far power it is the echo the suppressor expects."""
        weights = self._weights
        energy = np.abs(weights[0] if not aligned else weights, out=self._magnitudes[: 1 + aligned])
        if aligned:
            np.maximum(energy[0], energy[1], out=energy[0])
        energy = energy[0]
        energy *= energy
        band_energy = self._share
        means = np.matmul(energy, self._band_averaging, out=self._band_means)
        np.matmul(means, self._band_spreading, out=band_energy)
        total = float(_sum(band_energy, axis=None)) / self.band
        converged = self._refined_error < CONVERGED_ERROR * self._near_level
        if aligned and converged and total > 0.0:
            cap = np.maximum(
                MISALIGNMENT_CAP * band_energy, MISALIGNMENT_FLOOR * total * self._prior
            )
            np.minimum(self._misalignment, cap, out=self._misalignment)

    def _consider_lag(self, lag: int) -> None:
        """A lag the estimator confirmed. The first one places the filters, as a stated
        delay would (what they learned moves with them; little, this early). Later, if
        the refined filter does not cover a lag well, the shadow filter tries it."""
        if not self._placed and self.shadow_offset == self.offset:
            self._placed = True
            offset = min(max(lag - STATED_HEADROOM_BLOCKS, 0), ESTIMATOR_LAGS - 1)
            shift = offset - self.offset
            for weights in self._weights:
                weights[:] = self._shifted(weights, shift)
            self._misalignment = self._prior.copy()
            self.offset = self.shadow_offset = offset
            return
        relative = lag - self.offset
        if 1 <= relative <= self.partitions // 2:
            if self.shadow_offset != self.offset and self._shadow_error >= self._refined_error:
                # The estimate is back where the refined filter is, and the shadow filter
                # is not ahead where it went: stop exploring there.
                self._end_exploration()
            return
        self._explore(min(max(lag - ESTIMATED_HEADROOM_BLOCKS, 0), ESTIMATOR_LAGS - 1))

    def _explore(self, offset: int) -> None:
        if offset == self.shadow_offset:
            return
        self._weights[1] = self._shifted(self._weights[0], offset - self.offset)
        self.shadow_offset = offset
        self._shadow_error = self._near_level
        self._explore_left = EXPLORE_BLOCKS
        self.explorations += 1


_sum = np.add.reduce  # ndarray.sum without its Python-level wrapper (the same result)


def _energies(weights: np.ndarray) -> np.ndarray:
    """|w|^2 of a complex array (numpy's fastest spelling of it)."""
    energies: np.ndarray = weights.real**2
    energies += weights.imag**2
    return energies
