"""When the sox resampler hands samples back: libsoxr's buffering, counted, not computed.

livekit-ffi's sox resampler is libsoxr 0.1.3 built with its plain single-precision core
(cr32: no SIMD, a 32.32 fixed-point clock) and wrapped so that every push asks
`soxr_process` for at most ceil(n * out/in) + ceil(soxr_delay) + 1 frames, and a flush
asks for at most the wrapper's output buffer (its largest push so far, in samples) and then
re-creates the resampler (soxr_clear; every recipe livekit offers resets on clear). The
proto's recipes 0..4 reach soxr as recipes 0..4 unchanged, so SOXR_QUALITY_HIGH is soxr's
16-bit recipe (the same stages as MEDIUM, another roll-off) and VERYHIGH its 20-bit one.

soxr runs a chain of stages, each with an input fifo preloaded with zeros to cancel its
delay: half-band decimators (a decimation by 2 each), DFT stages (overlap-save FIR blocks,
interpolating by L and decimating by M), a polyphase stage for what is left of the ratio
(a 32.32 fixed-point clock) or, for QUICK, a cubic interpolator. A DFT stage only runs on
a whole block, so at the higher qualities output comes in bursts: 16 kHz -> 48 kHz at
MEDIUM gives 0, 0, 0, 1576, 0, ... frames for 10 ms pushes, then 1792 at the flush.

`SoxrTiming` keeps the same stages with fifo occupancies instead of samples, following
libsoxr's stage design (filter lengths from its Kaiser estimates, DFT sizes, preloads) and
its scheduler, so it answers each push and flush with the number of frames native returns.
The samples themselves come from lkemu's own filters (polyphase.py) or, for QUICK, from
`CubicInterpolator`, soxr's cubic stage on the same clock (native dithers its int16 output
with a time-seeded generator, so its samples are not repeatable to the last bit anyway).
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass

import numpy as np

MULT32 = 1 << 32
_FIXED = float(MULT32)
_INPUT_STAGE_SIZE = 8192  # what a stage other than a DFT one takes per run
_MIN_DFT_BITS, _LARGE_DFT_BITS = 10, 17  # soxr_runtime_spec's defaults
_COEF_SIZE_KBYTES = 400
_SIZEOF_REAL = 4  # float samples (cr32)
_U100_LENGTH = 42
_LOW_QUALITY_BANDWIDTH = 1385 / 2048
# (coefficients, attenuation in dB) of the half-band decimators cr32 offers.
_HALF_BAND_FIRS = ((7, 120.65), (8, 136.51), (9, 152.32))
_ROLLOFFS = tuple(float(np.float32(x)) for x in (-0.01, -0.3, 0.0, -0.103))


def _f32(x: float) -> float:
    """A C float constant as the double it widens to."""
    return float(np.float32(x))


# soxr's polyphase designs: (beta, [(scalar, kind) for no, linear, quadratic, cubic
# coefficient interpolation]); kind None where that interpolation does not exist.
_V0, _V1, _V2, _V3 = "poly0", "poly_linear", "poly_quadratic", "poly_cubic"
_POLY_FIRS: tuple[tuple[float, tuple[tuple[float, str | None], ...]], ...] = (
    (-1, ((0, _V0), (_f32(7.2), _V1), (_f32(5.0), _V2))),
    (-1, ((0, _V0), (_f32(9.4), _V1), (_f32(6.7), _V2))),
    (-1, ((0, _V0), (_f32(12.4), _V1), (_f32(7.8), _V2))),
    (-1, ((0, _V0), (_f32(13.6), _V1), (_f32(9.3), _V2))),
    (-1, ((0, _V0), (_f32(10.5), _V2), (_f32(8.4), _V3))),
    (-1, ((0, _V0), (_f32(11.85), _V2), (_f32(9.0), _V3))),
    (-1, ((0, _V0), (_f32(8.0), _V1), (_f32(5.3), _V2))),
    (-1, ((0, _V0), (_f32(8.6), _V1), (_f32(5.7), _V2))),
    (-1, ((0, _V0), (_f32(10.6), _V1), (_f32(6.75), _V2))),
    (-1, ((0, _V0), (_f32(12.6), _V1), (_f32(8.6), _V2))),
    (-1, ((0, _V0), (_f32(9.6), _V2), (_f32(7.6), _V3))),
    (-1, ((0, _V0), (_f32(11.4), _V2), (_f32(8.65), _V3))),
    (_f32(10.62), ((_U100_LENGTH, _V0), (0, None), (0, None))),
    (_f32(11.28), ((11, _V0), (8, _V1), (6, _V2))),
    (-1, ((0, _V0), (9, _V1), (6, _V2))),
    (-1, ((0, _V0), (11, _V1), (7, _V2))),
    (-1, ((0, _V0), (13, _V1), (8, _V2))),
    (-1, ((0, _V0), (10, _V2), (8, _V3))),
    (-1, ((0, _V0), (12, _V2), (9, _V3))),
)


def _db(x: float) -> float:
    return math.log10(x) * 20


def _sine_phi(x: float) -> float:
    return ((2.0517e-07 * x - 1.1303e-04) * x + 0.023154) * x + 0.55924


def _sine_pow(x: float) -> float:
    return math.log(0.5) / math.log(math.sin(x * 0.5))


def _inverse_response(drop_db: float, attenuation: float) -> float:
    """soxr's estimate of where (in the transition band) a filter has dropped `drop_db`."""
    x = _sine_phi(attenuation)
    drop = math.exp(drop_db * (math.log(10) * 0.05))
    s = 1 - drop if drop > 0.5 else drop
    x = math.asin(s ** (1 / _sine_pow(x))) / x
    return x if drop > 0.5 else 1 - x


def _kaiser_beta(attenuation: float, transition: float) -> float:
    if attenuation >= 60:
        table = (
            (-6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + 0.001),
            (-6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + 0.002),
            (-1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + 0.003),
            (-3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + 0.006),
            (8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + 0.015),
            (9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + 0.025),
            (-5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + 0.05),
            (-9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + 0.085),
            (1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + 0.1),
            (-1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + 0.18),
        )
        octave = math.log(transition / 0.0005) / math.log(2.0)
        whole = int(octave)
        low = table[min(max(whole, 0), len(table) - 1)]
        high = table[min(max(whole + 1, 0), len(table) - 1)]
        b0 = ((low[0] * attenuation + low[1]) * attenuation + low[2]) * attenuation + low[3]
        b1 = ((high[0] * attenuation + high[1]) * attenuation + high[2]) * attenuation + high[3]
        return b0 + (b1 - b0) * (octave - whole)
    if attenuation > 50:
        return 0.1102 * (attenuation - 8.7)
    if attenuation > 20.96:
        return 0.58417 * (attenuation - 20.96) ** 0.4 + 0.07886 * (attenuation - 20.96)
    return 0.0


def _lowpass_length(
    passband: float, stopband: float, nyquist: float, attenuation: float, k: int, beta: float
) -> int:
    """The number of taps soxr's Kaiser low-pass design picks (k > 0: phases; k < 0: a
    length of 1 modulo -k)."""
    phases, modulo = max(k, 1), max(-k, 1)
    passband /= abs(nyquist)
    stopband /= abs(nyquist)
    transition = 0.5 * (stopband - passband)
    transition /= phases
    stopband /= phases
    transition = min(transition, 0.5 * stopband)
    cutoff = stopband - transition
    if beta < 0:
        beta = _kaiser_beta(attenuation, transition * 0.5 / cutoff)
    if attenuation < 60:
        width = (attenuation - 7.95) / (2.285 * math.pi * 2)
    else:
        width = ((0.0007528358 - 1.577737e-05 * beta) * beta + 0.6248022) * beta + 0.06186902
    taps = math.ceil(width / transition + 1)
    if phases > 1:
        return taps // phases * phases + phases - 1
    return (taps + modulo - 2) // modulo * modulo + 1


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncating toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


@dataclass(frozen=True)
class Recipe:
    precision: float
    passband_end: float
    rolloff: int  # 0 small, 1 medium
    stopband_begin: float = 1.0


def recipe(quality: int) -> Recipe:
    """soxr_quality_spec(quality, 0) for the recipes livekit's proto offers (0..4)."""
    if quality == 0:
        return Recipe(0.0, 0.0, 0)
    precision = 16.0 if quality <= 3 else 4.0 + quality * 4
    rejection = precision * _db(2.0)
    if quality == 1:
        passband = _LOW_QUALITY_BANDWIDTH
    else:
        passband = 1 - 0.05 / (1 - _inverse_response(-3.0, rejection))
    return Recipe(precision, passband, 1 if quality <= 2 else 0)


@dataclass(slots=True)
class _Stage:
    kind: str  # "half", "dft", "cubic" or one of the polyphase kinds
    preload: int
    pre_post: int = 0
    input_size: int = _INPUT_STAGE_SIZE
    occupancy: int = 0  # frames in this stage's input fifo
    # DFT stages
    dft_length: int = 0
    overlap: int = 0
    up: int = 1
    step: int = 1  # decimation; negative: by 2**-step in the frequency domain
    at: int = 0  # DFT: phase; polyphase and cubic: a 32.32 fixed-point position
    rem: int = 0
    fixed_step: int = 0

    def run(self, following: _Stage) -> None:
        """One call of the stage's function: frames out of this fifo, into the next."""
        if self.kind == "dft":
            self._run_dft(following)
            return
        available = min(max(0, self.occupancy - self.pre_post), self.input_size)
        if self.kind == "half":
            produced = (available + 1) >> 1
            self.occupancy -= 2 * produced
            following.occupancy += produced
        elif self.kind == "poly0":
            if available:
                produced = _c_div(available * self.up - self.at + self.step - 1, self.step)
                end = self.at + produced * self.step
                self.occupancy -= end // self.up
                self.at = end % self.up
                following.occupancy += produced
        else:  # the cubic stage and the interpolated polyphase ones share a 32.32 clock
            limit = available << 32
            produced = max(0, -(-(limit - self.at) // self.fixed_step))
            end = self.at + produced * self.fixed_step
            self.occupancy -= end >> 32
            self.at = end & (MULT32 - 1)
            following.occupancy += produced

    def _run_dft(self, following: _Stage) -> None:
        available = max(0, self.occupancy)
        if self.at + self.up * available >= self.dft_length:
            taken, remainder = divmod(
                self.dft_length - self.overlap - self.at + self.up - 1, self.up
            )
            self.occupancy -= taken
            if self.up & (self.up - 1):  # not a power of two (nor 1): the phase moves on
                self.at = self.up - 1 - remainder
            if self.step > 0:
                if self.step != 1:
                    span = self.dft_length - self.overlap
                    produced = max(0, -(-(span - self.rem) // self.step))
                    self.rem = self.rem + produced * self.step - span
                else:
                    produced = self.dft_length - self.overlap
            else:
                shift = -self.step
                produced = self.dft_length - (
                    ((1 << shift) - 1) * self.dft_length + self.overlap >> shift
                )
            following.occupancy += produced
        self.input_size = (self.dft_length - self.at + self.up - 1) // self.up


def _dft_length(taps: int) -> int:
    bits = math.log(taps) / math.log(2.0)
    return 1 << min(max(int(bits + 2.77), _MIN_DFT_BITS), max(int(bits + 1.77), _LARGE_DFT_BITS))


def _dft_stage(
    passband: float, stopband: float, nyquist: float, attenuation: float, up: int, down: int
) -> _Stage:
    k = up << 1 if up >= 2 and (up & (up - 1)) == 0 and nyquist == up else 4
    taps = _lowpass_length(passband, stopband, nyquist, attenuation, -k, -1.0)
    frequency_domain_down = abs(3 - down) == 1 and stopband <= 1
    dft_length = _dft_length(taps)
    post_peak = taps // 2
    at = post_peak % up
    return _Stage(
        kind="dft",
        preload=post_peak // up,
        dft_length=dft_length,
        overlap=taps - 1,
        up=up,
        step=-(down // 2) if frequency_domain_down else down,
        at=at,
        input_size=(dft_length - at + up - 1) // up,
    )


def design_stages(io_ratio: float, quality: int) -> list[_Stage]:
    """libsoxr's stages for input rate / output rate = io_ratio at a livekit recipe (the
    stage plan of _soxr_init, with only what the counting needs), fresh: fifos preloaded."""
    return [copy.copy(stage) for stage in _designed_stages(io_ratio, quality)]


@functools.lru_cache(maxsize=256)
def _designed_stages(io_ratio: float, quality: int) -> tuple[_Stage, ...]:
    """The design, shared by every resampler of a ratio and recipe (only ever copied)."""
    spec = recipe(quality)
    bits = spec.precision
    passband0, stopband0 = spec.passband_end, spec.stopband_begin
    tolerance = 1 + 1e-5
    if io_ratio < 1 and stopband0 - 1 > 1 - passband0 / tolerance:
        raise ValueError("imaging greater than rolloff")
    arb_m, passband1, stopband1, bits1 = io_ratio, passband0, stopband0, min(bits, 33.0)
    attenuation = (bits1 + 1) * _db(2.0)
    attenuation_arb = attenuation
    pre_up, pre_down, halvings, arb_up, post_up, post_down = 1, 1, 0, 1, 1, 1
    upsample = rational = False
    low_bits = bits == 16
    low_passband = passband0 == _LOW_QUALITY_BANDWIDTH
    if low_bits and spec.rolloff == 1:
        mode = int(io_ratio > 1 or not low_passband or stopband0 != 1)
    else:
        mode = _c_div(math.ceil(bits1) - 6, 4)

    if bits != 0:
        again = True
        while again:
            again = False
            max_up = (
                2048
                if mode
                else math.ceil(_COEF_SIZE_KBYTES * 1000 / (_U100_LENGTH * _SIZEOF_REAL))
            )
            epsilon = 0.0
            upsample = arb_m < 1
            i, halvings = int(0.5 * arb_m), 0
            while i >> 1:
                i >>= 1
                arb_m *= 0.5
                halvings += 1
            pre_down = int(upsample or 1.5 < arb_m < 2)
            post_down = 1 + int(arb_m > 1 and pre_down)
            arb_m /= post_down
            pre_up = 1 + int(not pre_down and arb_m < 2) + int(upsample and bool(mode))
            arb_m *= pre_up
            fraction = arb_m - int(arb_m)
            if fraction != 0:
                epsilon = abs(math.floor(fraction * _FIXED + 0.5) / (fraction * _FIXED) - 1)
            rational = fraction == 0
            i = 1
            while i <= max_up and not rational:
                d = fraction * i
                guess = int(d + 0.5)
                rational = abs(guess / d - 1) <= epsilon
                if rational:
                    if guess == i:
                        arb_m = math.ceil(arb_m)
                        extra = int(arb_m > 3)
                        halvings += extra
                        arb_m /= 1 + extra
                    else:
                        arb_m = i * int(arb_m) + guess
                        arb_up = i
                i += 1
            up, down = pre_up * arb_up, int(arb_m * post_down)
            odd = (up | down) & 1
            if not odd:
                up, down = up >> 1, down >> 1
            ratio = pre_up * arb_up / arb_m
            if post_up == 1 and ratio > 4 and ratio != 5:
                post_up, i = 4, int(ratio / 16)
                while (i := i >> 1) and post_up < 256:
                    post_up <<= 1
                arb_m = arb_m * post_up / arb_up / pre_up
                arb_up = 1
                again = True
            elif rational and (max(up, down) < 5 or up * down < 6):
                pre_up, pre_down, arb_m, arb_up, post_down = up, down, 1, 1, 1
            if not mode and (not rational or again):
                mode += 1
                again = True

    have_pre = pre_down * pre_up != 1
    have_arb = arb_m * arb_up != 1
    have_post = post_down * post_up != 1
    count = halvings + have_pre + have_arb + have_post
    alpha = post_down / (io_ratio * post_up)
    if count > 1:
        n = count
        if have_arb:
            attenuation += _db(2.0)
            attenuation_arb = attenuation
            n -= 1
        attenuation += _db(float(n))

    stages: list[_Stage] = []
    half = next((c for c, a in _HALF_BAND_FIRS if attenuation <= _f32(a)), _HALF_BAND_FIRS[-1][0])
    for _ in range(halvings):
        stages.append(_Stage(kind="half", preload=2 * half, pre_post=4 * half))

    if have_pre:
        nyquist1 = float(max(pre_up, pre_down)) if pre_down else arb_m / arb_up
        stages.append(
            _dft_stage(
                stopband0 - (stopband0 - passband1),
                stopband1,
                nyquist1,
                attenuation,
                pre_up,
                max(pre_down, 1),
            )
        )
        passband1 /= nyquist1
        stopband1 /= nyquist1

    if bits == 0 and have_arb:
        step = int(arb_m * _FIXED + 0.5)
        stages.append(_Stage(kind="cubic", preload=1, pre_post=max(3, step >> 32), fixed_step=step))
    elif have_arb:
        stages.append(
            _poly_stage(
                arb_m,
                arb_up,
                upsample,
                bool(pre_down),
                mode,
                rational,
                passband1,
                stopband1,
                spec.rolloff,
                attenuation_arb,
            )
        )

    if have_post:
        passband = passband0 / (alpha if upsample else 1)
        stopband = max(2 - stopband0 / alpha, 1) if upsample else stopband0
        stages.append(
            _dft_stage(
                stopband0 - (stopband0 - passband),
                stopband,
                float(max(post_up, post_down)),
                attenuation,
                post_up,
                post_down,
            )
        )
    for stage in stages:
        stage.occupancy = stage.preload
    return tuple(stages)


def _poly_stage(
    arb_m: float,
    arb_up: int,
    upsample: bool,
    pre_down: bool,
    mode: int,
    rational: bool,
    passband1: float,
    stopband1: float,
    rolloff: int,
    attenuation: float,
) -> _Stage:
    beta, kinds = _POLY_FIRS[6 * (upsample + pre_down) + mode - (not upsample)]
    coefficients = int(kinds[0][0])
    multiple = 1.0 if upsample else arb_m / arb_up
    if not upsample and pre_down:
        nyquist, stopband = 2 * multiple, 3 + abs(stopband1 - 1)
    else:
        nyquist = 1.0
        stopband = 2 - (passband1 + (stopband1 - passband1) * 0.7 if mode else stopband1)
    passband = passband1
    if mode:
        drop = _inverse_response(_ROLLOFFS[rolloff], attenuation)
        passband = stopband - (stopband - passband) / (1 - drop)
    index = (0 if rational else 1) - 1
    while True:
        index += 1
        scalar, kind = kinds[index]
        if index:
            arb_m /= arb_up
            arb_up = 1
            rational = False
        phase_bits = math.ceil(scalar - math.log(multiple) / math.log(2.0))
        phases = arb_up if rational else 1 << phase_bits
        if kinds[0][0] == 0:
            phases0 = max(phases, 19)
            designed = _lowpass_length(passband, stopband, -nyquist, attenuation, phases0, beta)
            coefficients = designed // phases0 + 1
            coefficients += coefficients & int(not pre_down)
        if coefficients & 1 and rational and arb_up & 1:
            phases <<= 1
            arb_up <<= 1
            arb_m *= 2
        at = arb_up * (0.5 * (coefficients & 1))
        order = index + int(bool(index) and mode > 4)
        size = coefficients * phases * (order + 1) * _SIZEOF_REAL
        if not (index < 2 and kinds[index + 1][1] and size // 1000 > _COEF_SIZE_KBYTES):
            break
    assert kind is not None
    fixed_at = int(at * _FIXED + 0.5)
    fixed_step = int(arb_m * _FIXED + 0.5)
    return _Stage(
        kind=kind,
        preload=(coefficients - 1) >> 1,
        pre_post=coefficients - 1,
        up=arb_up,
        step=fixed_step >> 32,
        at=fixed_at >> 32 if kind == _V0 else fixed_at,
        fixed_step=fixed_step,
    )


class SoxrTiming:
    """Frames per push and flush of livekit-ffi's sox resampler, for one resampler."""

    def __init__(self, input_rate: float, output_rate: float, quality: int) -> None:
        self.input_rate = input_rate
        self.output_rate = output_rate
        self.quality = quality
        self.io_ratio = input_rate / output_rate
        self._buffer_samples = 0  # the wrapper's output buffer, grown by pushes, in samples
        self._reset()

    def _reset(self) -> None:
        self.stages = design_stages(self.io_ratio, self.quality)
        self._output = _Stage(kind="output", preload=0)
        self._samples_in = 0
        self._samples_out = 0
        self._flushing = False

    @property
    def delay(self) -> float:
        """soxr_delay: frames owed for the input so far."""
        return self._samples_in / self.io_ratio - self._samples_out

    def push(self, frames: int, channels: int = 1) -> int:
        """Frames a push of `frames` frames returns."""
        limit = (
            math.ceil(frames * (self.output_rate / self.input_rate))
            + max(0, math.ceil(self.delay))
            + 1
        )
        self._buffer_samples = max(self._buffer_samples, limit * channels)
        if frames:
            self._samples_in += frames
            (self.stages[0] if self.stages else self._output).occupancy += frames
        return self._take(limit)

    def flush(self) -> int:
        """Frames a flush returns; the resampler then starts afresh, as soxr_clear leaves it."""
        self._samples_out -= int(self._samples_in / self.io_ratio + 0.5)
        self._samples_in = 0
        self._flushing = True
        produced = self._take(self._buffer_samples)
        self._reset()
        return produced

    def _take(self, wanted: int) -> int:
        if self._flushing:
            wanted = min(-self._samples_out, wanted)
        if self.stages:
            done = False
            idle: tuple[int, ...] | None = None  # the state after the last pass with no output
            while not done and self._output.occupancy < wanted:
                produced = self._output.occupancy
                done = self._process(len(self.stages) - 1)
                if self._output.occupancy > produced:
                    idle = None
                    continue
                # A pass without output that leaves the state as the last one did will
                # repeat forever: a stage that looks further ahead than its fifo holds
                # (QUICK at 96 kHz -> 2 Hz wants 48,000 frames past an 8,192-frame input)
                # waits for more input. Without this the fuzzer's worker hung in
                # push_sox_resampler. (The state is read only on passes without output.)
                state = self._state()
                if state == idle:
                    break
                idle = state
        produced = max(0, min(wanted, self._output.occupancy))
        self._output.occupancy -= produced
        self._samples_out += produced
        return produced

    def _state(self) -> tuple[int, ...]:
        return (
            self._output.occupancy,
            *(value for stage in self.stages for value in (stage.occupancy, stage.at, stage.rem)),
        )

    def _process(self, index: int) -> bool:
        stage = self.stages[index]
        done = False
        while not done and stage.input_size - stage.occupancy > 0:
            if index == 0:
                if self._flushing:
                    stage.occupancy = stage.input_size
                else:
                    done = True
            else:
                done = self._process(index - 1)
        following = self.stages[index + 1] if index + 1 < len(self.stages) else self._output
        stage.run(following)
        return done and stage.occupancy < stage.input_size


class CubicInterpolator:
    """soxr's QUICK recipe: cubic interpolation through four input samples on a 32.32
    fixed-point clock (no anti-alias filter), output k at input position k * step.

    One zero precedes the input (soxr's preload), so output 0 is input sample 0. Outputs are
    computed as soon as the two samples after their position exist, which is never later
    than soxr releases them.
    """

    def __init__(self, io_ratio: float, channels: int) -> None:
        self.io_ratio = io_ratio
        self.channels = channels
        step = int(io_ratio * _FIXED + 0.5)
        self._step_whole, self._step_fraction = step >> 32, step & (MULT32 - 1)
        self._history = np.zeros((1, channels))  # input from index _base - 1 on
        self._base = 0  # absolute input index of _history[1]
        self._consumed = 0
        self._next = 0  # the next output's position, 32.32 fixed point

    def push(self, frames: np.ndarray) -> np.ndarray:
        window = np.concatenate((self._history, np.asarray(frames, dtype=np.float64)))
        self._consumed += len(frames)
        # Output k needs input floor(position) + 2: position < (consumed - 2) << 32.
        step = (self._step_whole << 32) | self._step_fraction
        count = max(0, -(-(((self._consumed - 2) << 32) - self._next) // step))
        out = self._interpolate(window, count)
        self._next += count * step
        # Keep from the sample before the next output's position on.
        keep_from = min(self._next >> 32, self._consumed) - 1
        drop = max(0, keep_from - (self._base - 1))
        self._history = window[drop:]
        self._base += drop
        return out

    def _interpolate(self, window: np.ndarray, count: int) -> np.ndarray:
        if count <= 0:
            return np.zeros((0, self.channels))
        first_row = (self._next >> 32) - self._base + 1
        if not self._step_fraction and not self._next & (MULT32 - 1):
            # A whole step (48 kHz -> 16 kHz is 3): every position is a sample, x is 0 and
            # the cubic gives that sample, so no arithmetic is needed.
            rows = slice(first_row, first_row + count * self._step_whole, self._step_whole)
            return window[rows].astype(np.float64)
        # Positions in two int64 parts: whole input samples and a 32-bit fraction.
        k = np.arange(count, dtype=np.int64)
        fraction = (self._next & (MULT32 - 1)) + k * self._step_fraction
        # window row r is input index r + base - 1: sample n is row n - base + 1.
        row = (fraction >> 32) + first_row
        if self._step_whole:
            row += k * self._step_whole
        x = (fraction & (MULT32 - 1)) * (1 / _FIXED)
        # Mono as 1-D arrays: broadcasting (n, 1) against (n,) costs more than the sums.
        samples = window[:, 0] if self.channels == 1 else window
        if self.channels > 1:
            x = x[:, None]
        before, here, after, later = (
            samples[row - 1],
            samples[row],
            samples[row + 1],
            samples[row + 2],
        )
        b = (after + before) * 0.5 - here
        a = (later - after + before - here - 4 * b) * (1 / 6)
        c = after - here - a - b
        out: np.ndarray = ((a * x + b) * x + c) * x + here
        return out.reshape(count, self.channels)
