"""The echo test matrix of issue 17: generated rooms, far ends and talkers, and the
measures the tests, tools/aec_matrix.py and the parity runs report.

A scene is 5 s at 16 kHz (or any rate): the far end plays throughout; the near end is its
echo through a room, plus a talker from 2.0 to 3.5 s (double talk). Levels: far end and
talker at -26 dBFS (active speech, or RMS), so an echo gain of 2 puts the echo 6 dB above
the talker and still clear of int16 clipping.

- far ends: `speech` (signals.speech), `noise` (pink), `music` (three-note chords of
  harmonic tones, a new chord every 0.2-0.5 s, each decaying);
- rooms: `reflection` (a direct path with two reflections at 9 and 21 ms), `rt100`,
  `rt300` (signals.room_impulse_response: direct path, early reflections and a dense
  exponential tail reaching -60 dB at 100 or 300 ms), scaled so the echo path's energy
  gain is the cell's echo gain (0.1, 0.5, 1, 2), after a bulk delay (0, 40, 120, 250 ms);
- measures: ERLE (echo energy over output energy) over 1.5-2.0 s, when the far end has
  played 1.5 s; after double talk over 3.7-5.0 s; the talker's level kept during double
  talk, as the output's projection on the talker (what the canceller left of the talker,
  not counting leftover echo); the time to 20 dB: from when the echo starts to the end of
  the first 250 ms window (windows every 50 ms) from which every window holding echo
  stays at 20 dB or more up to 2.0 s; None when the last window before 2.0 s is below.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

from . import signals

SECONDS = 5.0
LEVEL_DBFS = -26.0
DOUBLE_TALK = (2.0, 3.5)
CONVERGED = (1.5, 2.0)
AFTER_DOUBLE_TALK = (3.7, 5.0)
WINDOW_S = 0.25
WINDOW_STEP_S = 0.05
FAR_ENDS = ("speech", "noise", "music")
ROOMS = ("reflection", "rt100", "rt300")
GAINS = (0.1, 0.5, 1.0, 2.0)
DELAYS_MS = (0, 40, 120, 250)


@dataclass(frozen=True)
class Cell:
    far_end: str
    room: str
    gain: float
    delay_ms: int
    stated: bool  # whether the canceller is told the bulk delay (set_stream_delay_ms)

    @property
    def name(self) -> str:
        told = "stated" if self.stated else "unstated"
        return f"{self.far_end}-{self.room}-g{self.gain:g}-{self.delay_ms}ms-{told}"


def matrix() -> list[Cell]:
    """Every cell of the matrix: 3 far ends x 3 rooms x 4 gains x 4 delays x stated or not."""
    return [
        Cell(far_end, room, gain, delay, stated)
        for far_end in FAR_ENDS
        for room in ROOMS
        for gain in GAINS
        for delay in DELAYS_MS
        for stated in (False, True)
    ]


@dataclass(frozen=True)
class Scene:
    far: np.ndarray
    echo: np.ndarray
    talker: np.ndarray
    sample_rate: int

    @property
    def near(self) -> np.ndarray:
        return self.echo + self.talker


def music(
    samples: int, sample_rate: int, seed: int = 0, level_dbfs: float = LEVEL_DBFS
) -> np.ndarray:
    """Chords of three harmonic tones (root, third, fifth; seven harmonics at 1/k), a new
    one every 0.2-0.5 s on a root within two octaves above 110 Hz, decaying exponentially."""
    rng = np.random.default_rng(seed)
    out = np.zeros(samples)
    position = 0
    while position < samples:
        length = min(int(rng.uniform(0.2, 0.5) * sample_rate), samples - position)
        root = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        t = np.arange(length) / sample_rate
        frequencies = (root * 2 ** (np.array([0, 4, 7]) / 12))[:, None] * np.arange(1, 8)
        frequencies = frequencies.ravel()
        weights = np.tile(1.0 / np.arange(1, 8), 3) * (frequencies < 0.45 * sample_rate)
        phases = rng.uniform(0, 2 * np.pi, len(frequencies))
        note = weights @ np.sin(2 * np.pi * frequencies[:, None] * t + phases[:, None])
        out[position : position + length] = note * np.exp(-t / rng.uniform(0.2, 0.6))
        position += length
    return out * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(out**2))


@functools.lru_cache(maxsize=16)
def far_end(kind: str, samples: int, sample_rate: int, seed: int = 3) -> np.ndarray:
    if kind == "speech":
        return signals.speech(
            samples / sample_rate, sample_rate, seed=seed, level_dbfs=LEVEL_DBFS, lead_in=0.05
        ).samples
    if kind == "noise":
        return signals.pink_noise(
            samples, seed=seed, level_dbfs=LEVEL_DBFS, sample_rate=sample_rate
        )
    if kind == "music":
        return music(samples, sample_rate, seed=seed)
    raise ValueError(f"unknown far end {kind!r}")


@functools.lru_cache(maxsize=4)
def talker(samples: int, sample_rate: int, seed: int = 11) -> np.ndarray:
    out = np.zeros(samples)
    start, stop = (round(t * sample_rate) for t in DOUBLE_TALK)
    speech = signals.speech(
        DOUBLE_TALK[1] - DOUBLE_TALK[0], sample_rate, seed=seed, level_dbfs=LEVEL_DBFS, lead_in=0.0
    )
    out[start:stop] = speech.samples[: stop - start]
    return out


def room(kind: str, sample_rate: int, gain: float, delay_ms: int, seed: int = 1) -> np.ndarray:
    """The loudspeaker-to-microphone response, its energy gain `gain`, after `delay_ms`."""
    if kind == "reflection":
        response = np.zeros(int(0.04 * sample_rate))
        response[0] = 1.0
        response[int(0.009 * sample_rate)] = 0.4
        response[int(0.021 * sample_rate)] = 0.15
    elif kind in ("rt100", "rt300"):
        rt60 = 0.1 if kind == "rt100" else 0.3
        response = signals.room_impulse_response(
            sample_rate, rt60=rt60, length=1.2 * rt60, seed=seed, direct_delay=0.001
        )
    else:
        raise ValueError(f"unknown room {kind!r}")
    response *= gain / np.sqrt(np.sum(response**2))
    return np.concatenate([np.zeros(delay_ms * sample_rate // 1000), response])


def scene(cell: Cell, sample_rate: int = 16000) -> Scene:
    samples = round(SECONDS * sample_rate)
    far = far_end(cell.far_end, samples, sample_rate)
    echo = fftconvolve(far, room(cell.room, sample_rate, cell.gain, cell.delay_ms))[:samples]
    return Scene(far, echo, talker(samples, sample_rate), sample_rate)


@dataclass(frozen=True)
class Result:
    erle_db: float  # over CONVERGED
    erle_after_db: float  # over AFTER_DOUBLE_TALK
    talker_kept_db: float  # the talker's level in the output during double talk
    time_to_20_db: float | None  # seconds after the echo starts; None: not by 2.0 s


def _span(seconds: tuple[float, float], sample_rate: int) -> slice:
    return slice(round(seconds[0] * sample_rate), round(seconds[1] * sample_rate))


def erle_db(echo: np.ndarray, out: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(echo**2) / (np.sum(out**2) + 1e-30) + 1e-30))


def measure(scene: Scene, out: np.ndarray, latency: int, delay_ms: int) -> Result:
    """`out` is the canceller's output for `scene.near`, `latency` samples late."""
    rate = scene.sample_rate
    aligned = np.concatenate([out[latency:], np.zeros(latency)])
    converged = _span(CONVERGED, rate)
    after = _span(AFTER_DOUBLE_TALK, rate)
    talk = _span(DOUBLE_TALK, rate)
    talker = scene.talker[talk]
    kept = abs(float(aligned[talk] @ talker)) / float(talker @ talker)
    # ERLE over 250 ms windows every 50 ms up to 2.0 s, windows with audible echo only.
    window, step = round(WINDOW_S * rate), round(WINDOW_STEP_S * rate)
    starts = np.arange(0, round(CONVERGED[1] * rate) - window + 1, step)
    echo_cumulative = np.concatenate([[0.0], np.cumsum(scene.echo**2)])
    out_cumulative = np.concatenate([[0.0], np.cumsum(aligned**2)])
    echo_energy = echo_cumulative[starts + window] - echo_cumulative[starts]
    out_energy = out_cumulative[starts + window] - out_cumulative[starts]
    audible = echo_energy > 1e-3 * echo_energy.max()
    good = ~audible | (echo_energy >= 100 * out_energy)
    failing = np.flatnonzero(~good)
    time_to_20: float | None = None
    if good[-1]:
        first = float(starts[failing[-1] + 1] + window) / rate if len(failing) else 0.0
        time_to_20 = max(first - delay_ms / 1000, 0.0)
    return Result(
        erle_db(scene.echo[converged], aligned[converged]),
        erle_db(scene.echo[after], aligned[after]),
        float(20 * np.log10(kept + 1e-30)),
        time_to_20,
    )


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int16)


def run_lkemu(scene: Scene, stated_delay_ms: int | None) -> tuple[np.ndarray, int]:
    """The scene through lkemu's APM (echo cancellation only), 10 ms frames of int16 as
    the SDK sends them: each reverse frame, then (if stated) the stream delay, then the
    capture frame. Returns the output as floats and its latency in samples."""
    from .apm import AudioProcessor

    rate = scene.sample_rate
    hop = rate // 100
    apm = AudioProcessor(
        echo_cancellation=True, noise_suppression=False, high_pass_filter=False, gain_control=False
    )
    far, near = to_int16(scene.far), to_int16(scene.near)
    out = np.empty(len(near), dtype=np.int16)
    for start in range(0, len(near) - hop + 1, hop):
        apm.process_reverse_stream(far[start : start + hop], rate, 1)
        if stated_delay_ms is not None:
            apm.set_stream_delay_ms(stated_delay_ms)
        out[start : start + hop] = apm.process_stream(near[start : start + hop], rate, 1)
    return out / 32768.0, apm.latency_frames


def run_cell(cell: Cell, sample_rate: int = 16000) -> Result:
    played = scene(cell, sample_rate)
    out, latency = run_lkemu(played, cell.delay_ms if cell.stated else None)
    return measure(played, out, latency, cell.delay_ms)
