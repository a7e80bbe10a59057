"""The APM's quality scenes: generated signals and what is measured on them, one stage at a
time, for lkemu's APM and native livekit's alike.

tests/test_dsp_quality.py holds lkemu to its targets on these scenes, and
bench/bench_dsp_quality.py prints the same figures for both sides in `make bench`, so each
DSP quality figure in the README is one that anyone can reproduce. Every scene goes through
an APM as the SDK drives it: int16 frames of 10 ms, processed in place, with only the stage
under test enabled (and for the echo canceller, a reverse frame before each capture frame
and the stream delay stated). `process` is that APM: lkemu's AudioProcessor, or a wrapper
of `rtc.AudioProcessingModule`.

Measures are taken from the output alone, so they mean the same on both sides:
- high-pass: a tone's level change after the first second (the filter's transient);
- noise suppression: speech (engine/dsp/signals.py) with white or pink noise at 5 dB SNR;
  the noise's attenuation where the talker is silent, and the speech's level change where
  they talk (active spans of 100 ms or more, 30 ms of slack at each edge);
- gain control: where speech at -40 dBFS settles (its active spans in the last 4 of 8 s);
- echo cancellation: speech through a room response (a direct path at 0.3 and a 15 ms
  decaying tail) 40 ms late, a talker joining at 8 s; ERLE per second, over 2-8 s, and the
  talker's level kept during double talk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import signals

RATE = 16000
HOP = RATE // 100
Processor = Callable[[np.ndarray, np.ndarray | None, int], np.ndarray]
"""(capture int16 samples, reverse int16 samples or None, stated delay ms) -> output int16,
all at RATE, frame by frame as the SDK calls it."""

HUM_FREQUENCIES = (50, 60, 1000)
NOISE_KINDS = ("white", "pink")
NOISE_SNR_DB = 5.0
AGC_TARGET_DBFS = -18.0
ECHO_DELAY_MS = 40
ECHO_SECONDS = 12
DOUBLE_TALK_S = (8, 10)


def _db(power_ratio: float) -> float:
    return float(10 * np.log10(max(power_ratio, 1e-30)))


def run_frames(
    step: Callable[[np.ndarray, np.ndarray | None], np.ndarray],
    capture: np.ndarray,
    reverse: np.ndarray | None = None,
) -> np.ndarray:
    """`step(capture frame, reverse frame or None) -> output frame` over whole 10 ms frames."""
    out = np.zeros_like(capture)
    for start in range(0, len(capture) - HOP + 1, HOP):
        far = reverse[start : start + HOP] if reverse is not None else None
        out[start : start + HOP] = step(capture[start : start + HOP], far)
    return out


def lkemu_processor(stage: str) -> Processor:
    """lkemu's APM with only `stage` (high_pass_filter, noise_suppression, gain_control or
    echo_cancellation) enabled."""
    from .apm import AudioProcessor

    def process(capture: np.ndarray, reverse: np.ndarray | None, delay_ms: int) -> np.ndarray:
        stages = dict.fromkeys(
            ("echo_cancellation", "noise_suppression", "high_pass_filter", "gain_control"), False
        )
        stages[stage] = True
        apm = AudioProcessor(**stages)

        def step(frame: np.ndarray, far: np.ndarray | None) -> np.ndarray:
            if far is not None:
                apm.process_reverse_stream(far, RATE, 1)
                apm.set_stream_delay_ms(delay_ms)
            return np.asarray(apm.process_stream(frame, RATE, 1)).reshape(-1)

        out = run_frames(step, capture, reverse)
        latency = apm.latency_frames
        return np.concatenate([out[latency:], np.zeros(latency, out.dtype)])

    return process


def to_int16(samples: np.ndarray) -> np.ndarray:
    return signals.to_int16(samples).reshape(-1)


@dataclass(frozen=True)
class HighPass:
    change_db: dict[int, float]  # by tone frequency


def high_pass(process: Processor) -> HighPass:
    change = {}
    for frequency in HUM_FREQUENCIES:
        tone = to_int16(0.5 * np.sin(2 * np.pi * frequency * np.arange(2 * RATE) / RATE))
        out = process(tone, None, 0).astype(np.float64)
        settled = slice(RATE, 2 * RATE - HOP)
        change[frequency] = _db(float(np.mean(out[settled] ** 2) / np.mean(tone[settled] ** 2.0)))
    return HighPass(change)


@dataclass(frozen=True)
class NoiseSuppression:
    noise_attenuation_db: float  # negative: the noise alone, after against before
    speech_change_db: float  # the talker's spans, after against the clean speech


def noise_scene(kind: str, seconds: float = 8.0) -> tuple[signals.Speech, np.ndarray]:
    """The clean speech and the noisy mix (float), the noise at NOISE_SNR_DB."""
    speech = signals.speech(seconds, RATE, seed=5, level_dbfs=-24.0)
    samples = len(speech.samples)
    noise = (
        signals.white_noise(samples, seed=6)
        if kind == "white"
        else signals.pink_noise(samples, seed=6, sample_rate=RATE)
    )
    mix, _ = signals.mix_at_snr(speech.samples, noise, NOISE_SNR_DB)
    return speech, mix


def noise_suppression(process: Processor, kind: str) -> NoiseSuppression:
    speech, mix = noise_scene(kind)
    noisy = to_int16(mix)
    out = process(noisy, None, 0).astype(np.float64) / 32768
    clean = speech.samples
    noise = mix - clean
    slack = int(0.03 * RATE)
    talking = np.zeros(len(clean), dtype=bool)
    for start, end in speech.segments(0.1):
        talking[start + slack : end - slack] = True
    quiet = ~np.convolve(speech.active, np.ones(2 * slack), mode="same").astype(bool)
    quiet[: RATE // 2] = False  # the suppressor's noise estimate settles first
    return NoiseSuppression(
        _db(np.sum(out[quiet] ** 2) / np.sum(noise[quiet] ** 2)),
        _db(np.sum(out[talking] ** 2) / np.sum(clean[talking] ** 2)),
    )


def gain_control(process: Processor) -> float:
    """Where speech at -40 dBFS settles: the level of its active spans over the last 4 of
    8 s, in dBFS (RMS, a full-scale sine at -3). Speech, not a tone: native's gain control
    (AGC2) raises only what its voice detector takes for speech, and leaves a -40 dBFS sine
    at -39.5 dBFS where lkemu's raises it too (lkemu's differs there)."""
    speech = signals.speech(8.0, RATE, seed=5, level_dbfs=-40.0)
    out = process(to_int16(speech.samples), None, 0).astype(np.float64) / 32768
    settled = speech.active.copy()
    settled[: 4 * RATE] = False
    return _db(float(np.mean(out[settled] ** 2)))


@dataclass(frozen=True)
class EchoScene:
    far: np.ndarray
    echo: np.ndarray
    talker: np.ndarray


def echo_scene() -> EchoScene:
    rng = np.random.default_rng(1)
    seconds = ECHO_SECONDS
    far = signals.speech(seconds, RATE, seed=3, level_dbfs=-20.0).samples
    far = far + rng.standard_normal(len(far)) * 0.002
    room = np.zeros(int(0.06 * RATE))
    room[0] = 0.3
    room += rng.standard_normal(len(room)) * 0.02 * np.exp(-np.arange(len(room)) / (0.015 * RATE))
    delay = ECHO_DELAY_MS * RATE // 1000
    echo = np.concatenate([np.zeros(delay), np.convolve(far, room)])[: len(far)]
    talker = np.zeros_like(far)
    start, stop = (s * RATE for s in DOUBLE_TALK_S)
    talker[start:stop] = signals.speech(stop / RATE - start / RATE, RATE, seed=9).samples[
        : stop - start
    ]
    return EchoScene(far, echo, talker)


@dataclass(frozen=True)
class EchoCancellation:
    erle_per_second_db: list[float]  # seconds 0-1 .. 7-8, far end alone
    erle_converged_db: float  # over 2-8 s
    talker_kept_db: float  # the talker's level in the output during double talk


def echo_cancellation(process: Processor) -> EchoCancellation:
    scene = echo_scene()
    near = to_int16(scene.echo + scene.talker)
    out = process(near, to_int16(scene.far), ECHO_DELAY_MS).astype(np.float64) / 32768
    echo = scene.echo
    # An output of digital silence is as good as int16 can say: its quantization noise floor.
    floor = RATE * (1 / 32768) ** 2 / 12
    per_second = [
        _db(np.sum(echo[s : s + RATE] ** 2) / (np.sum(out[s : s + RATE] ** 2) + floor))
        for s in range(0, 8 * RATE, RATE)
    ]
    converged = slice(2 * RATE, 8 * RATE)
    start, stop = (s * RATE for s in DOUBLE_TALK_S)
    talker = scene.talker[start:stop]
    # The talker's share of the output, at the APM's own latency (up to 30 ms: native's is
    # not stated, lkemu's is taken out already).
    lags = np.correlate(out[start : stop + 3 * HOP], talker, mode="valid")
    kept = float(np.max(np.abs(lags))) / float(talker @ talker)
    return EchoCancellation(
        per_second,
        _db(np.sum(echo[converged] ** 2) / (np.sum(out[converged] ** 2) + 6 * floor)),
        float(20 * np.log10(max(kept, 1e-15))),
    )
