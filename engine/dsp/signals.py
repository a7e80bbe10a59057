"""Deterministic test signals for the DSP stages, and the measures the tests report.

Every generator takes a seed and returns float64 mono samples in [-1, 1] (or a pair with the
talker's activity), so tests, benchmarks and the demo see the same audio on every run:

- `speech`: speech-like audio: voiced segments (a glottal-like harmonic series on a gliding
  pitch, shaped by three moving formant resonances and a syllable envelope) separated by
  pauses, with the mask of where the talker is active;
- `white_noise`, `pink_noise` (1/f power), `hum` (mains 50/60 Hz with harmonics), `sine`,
  `sine_sweep` (logarithmic), `room_impulse_response` (direct path, early reflections, an
  exponentially decaying diffuse tail with a given RT60);
- `mix_at_snr`, `snr_db`, `energy_db`, `level_dbfs`, `segments`, `segment_energies_db`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-20


@dataclass(frozen=True)
class Speech:
    """Generated speech: `samples` (float64 mono) and `active` (True where the talker is)."""

    samples: np.ndarray
    active: np.ndarray
    sample_rate: int

    def segments(self, min_seconds: float = 0.0) -> list[tuple[int, int]]:
        """[start, end) sample spans of talker activity at least `min_seconds` long."""
        return segments(self.active, int(min_seconds * self.sample_rate))


def segments(mask: np.ndarray, min_length: int = 0) -> list[tuple[int, int]]:
    """[start, end) spans where `mask` is True, of at least `min_length` samples."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [
        (int(start), int(end))
        for start, end in zip(edges[::2], edges[1::2], strict=True)
        if end - start >= min_length
    ]


def _formant_gain(frequency: np.ndarray, centre: np.ndarray, bandwidth: float) -> np.ndarray:
    """Magnitude of a resonance (a second-order peak) at `frequency`."""
    return 1.0 / np.sqrt(1.0 + ((frequency - centre) / (bandwidth / 2.0)) ** 2)


def speech(
    seconds: float,
    sample_rate: int,
    seed: int = 0,
    level_dbfs: float = -20.0,
    lead_in: float = 0.3,
) -> Speech:
    """Speech-like audio of `seconds`, its active parts at `level_dbfs` RMS overall.

    Segments last 0.35-1.2 s, pauses 0.2-0.6 s; the first segment starts after `lead_in`.
    Each segment is one vectorized synthesis: harmonics k*f0(t) up to 0.45 * rate (at most
    4.5 kHz, as voiced speech carries little above), amplitudes 1/k (glottal tilt) times
    the formant envelope at k*f0(t), times a syllable envelope (a few 150-300 ms syllables
    with raised-cosine edges), plus a little breath noise shaped by the same envelope.
    """
    rng = np.random.default_rng(seed)
    total = round(seconds * sample_rate)
    out = np.zeros(total)
    active = np.zeros(total, dtype=bool)
    position = int(lead_in * sample_rate)
    top = min(4500.0, 0.45 * sample_rate)
    while position < total - sample_rate // 4:
        length = min(int(rng.uniform(0.35, 1.2) * sample_rate), total - position)
        t = np.arange(length) / sample_rate
        f0_start, f0_end = rng.uniform(95, 230), rng.uniform(95, 230)
        f0 = np.geomspace(f0_start, f0_end, length) * (1 + 0.03 * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f0) / sample_rate
        harmonics = np.arange(1, int(top // min(f0_start, f0_end)) + 1)[:, None]
        frequency = harmonics * f0[None, :]
        # Three formants gliding between two vowels.
        vowels = rng.uniform([300, 900, 2300], [800, 2000, 3000], size=(2, 3))
        mix = 0.5 - 0.5 * np.cos(np.pi * t / max(t[-1], 1e-9))
        envelope = np.zeros_like(frequency)
        for index, bandwidth in enumerate((90.0, 120.0, 180.0)):
            centre = vowels[0, index] + (vowels[1, index] - vowels[0, index]) * mix
            envelope += _formant_gain(frequency, centre[None, :], bandwidth) / (1 + index)
        amplitude = envelope / harmonics * (frequency < top)
        voiced = np.sum(amplitude * np.sin(harmonics * phase[None, :]), axis=0)
        breath = rng.standard_normal(length) * 0.02 * np.std(voiced)
        # Syllables: an amplitude contour with dips between them, never silent inside.
        syllables = max(1, round(length / sample_rate / 0.22))
        contour = 0.6 + 0.4 * np.abs(np.sin(np.pi * syllables * t / max(t[-1], 1e-9)))
        edge = min(int(0.03 * sample_rate), length // 2)
        ramp = np.ones(length)
        ramp[:edge] = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
        ramp[length - edge :] = ramp[:edge][::-1]
        out[position : position + length] = (voiced + breath) * contour * ramp
        active[position : position + length] = True
        position += length + int(rng.uniform(0.2, 0.6) * sample_rate)
    if active.any():
        out *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(out[active] ** 2))
    return Speech(np.clip(out, -1.0, 1.0), active, sample_rate)


def white_noise(samples: int, seed: int = 0, level_dbfs: float = -30.0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(samples)
    return noise * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(noise**2))


def pink_noise(
    samples: int,
    seed: int = 0,
    level_dbfs: float = -30.0,
    sample_rate: int = 16000,
    low_hz: float = 20.0,
) -> np.ndarray:
    """Noise with power falling 3 dB per octave (1/f) over the audio band, from `low_hz`
    (20 Hz) up, shaped in one FFT. Without the low edge, half of a 10 s signal's power would
    sit below 30 Hz, in swings no microphone or speech codec passes."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(samples))
    frequency = np.fft.rfftfreq(samples, 1 / sample_rate)
    spectrum[frequency < low_hz] = 0.0
    spectrum[frequency >= low_hz] /= np.sqrt(frequency[frequency >= low_hz])
    noise = np.fft.irfft(spectrum, samples)
    return noise * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(noise**2))


def sine(samples: int, sample_rate: int, frequency: float, level_dbfs: float = -20.0) -> np.ndarray:
    """A sine whose RMS is `level_dbfs` (peak 3 dB higher)."""
    t = np.arange(samples) / sample_rate
    return np.sqrt(2) * 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * frequency * t)


def hum(
    samples: int,
    sample_rate: int,
    mains_hz: float = 50.0,
    level_dbfs: float = -20.0,
    harmonics: int = 1,
) -> np.ndarray:
    """Mains hum: the fundamental and optional odd-ish harmonics at -6 dB each, at an RMS."""
    t = np.arange(samples) / sample_rate
    orders = np.arange(1, harmonics + 1)[:, None]
    weights = 0.5 ** (orders - 1)
    wave = np.sum(weights * np.sin(2 * np.pi * mains_hz * orders * t[None, :]), axis=0)
    return wave * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(wave**2))


def sine_sweep(
    samples: int, sample_rate: int, start_hz: float, end_hz: float, level_dbfs: float = -20.0
) -> np.ndarray:
    """A logarithmic sweep from `start_hz` to `end_hz` over `samples`."""
    duration = samples / sample_rate
    t = np.arange(samples) / sample_rate
    ratio = np.log(end_hz / start_hz)
    phase = 2 * np.pi * start_hz * duration / ratio * (np.exp(t / duration * ratio) - 1)
    return np.sqrt(2) * 10 ** (level_dbfs / 20) * np.sin(phase)


def room_impulse_response(
    sample_rate: int,
    rt60: float = 0.15,
    length: float = 0.1,
    seed: int = 0,
    direct_gain: float = 0.5,
    direct_delay: float = 0.002,
) -> np.ndarray:
    """A synthetic loudspeaker-to-microphone response.

    A direct path at `direct_delay`, six early reflections within 20 ms, and a diffuse tail
    (Gaussian noise under an exponential decay reaching -60 dB at `rt60`), low-passed a
    little so the tail is not white; the total energy gain is below 0 dB.
    """
    rng = np.random.default_rng(seed)
    taps = int(length * sample_rate)
    response = np.zeros(taps)
    direct = int(direct_delay * sample_rate)
    response[direct] = direct_gain
    reflections = direct + rng.integers(int(0.002 * sample_rate), int(0.02 * sample_rate), 6)
    response[np.minimum(reflections, taps - 1)] += rng.uniform(-0.3, 0.3, 6) * direct_gain
    t = np.arange(taps) / sample_rate
    decay = np.exp(-6.9 * t / rt60)
    # The same tail energy at every rate: per-sample amplitude falls with the rate.
    tail = rng.standard_normal(taps) * decay * direct_gain * 0.12 * np.sqrt(8000 / sample_rate)
    tail = np.convolve(tail, np.ones(3) / 3, mode="same")
    tail[:direct] = 0.0
    return response + tail


def mix_at_snr(
    clean: np.ndarray, noise: np.ndarray, snr_db: float, active: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`clean + noise` with the noise scaled so the mix has `snr_db`; returns (mix, noise).

    The SNR is measured over the whole signal, or over `active` samples when given (the
    talker's power when talking against the noise's power there).
    """
    where = np.ones(len(clean), dtype=bool) if active is None else active
    clean_power = np.mean(clean[where] ** 2)
    noise_power = np.mean(noise[where] ** 2)
    scaled = noise[: len(clean)] * np.sqrt(clean_power / noise_power / 10 ** (snr_db / 10))
    return clean + scaled, scaled


def energy_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(np.square(samples)) + EPS))


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level of float samples in [-1, 1] in dB full scale (a full-scale sine is -3)."""
    return float(10 * np.log10(np.mean(np.square(samples)) + EPS))


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """SNR of `estimate` against `reference` (same length, already aligned)."""
    error = estimate - reference
    return energy_db(reference) - energy_db(error)


def segment_energies_db(samples: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Energy in dB of each [start, end) span."""
    return np.array([energy_db(samples[start:end]) for start, end in spans])


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int16)


SIGNAL_KINDS = ("sine", "speech", "white_noise", "silence")


def generate(
    kind: str,
    seconds: float,
    sample_rate: int,
    *,
    frequency_hz: float = 0.0,
    level_dbfs: float = 0.0,
    seed: int = 0,
    max_seconds: float,
) -> np.ndarray:
    """A generated signal as mono int16 (what engine.proto's GeneratedSignal describes: 0
    for frequency or level picks 440 Hz and -20 dBFS); ValueError names a bad field."""
    if sample_rate % 100 or not 8000 <= sample_rate <= 192000:
        raise ValueError(
            f"sample_rate must be a multiple of 100 in 8000..192000, got {sample_rate}"
        )
    if not 0 < seconds <= max_seconds:
        raise ValueError(f"seconds must be in (0, {max_seconds:g}], got {seconds}")
    count = round(seconds * sample_rate)
    level = level_dbfs or -20.0
    if kind == "sine":
        mono = sine(count, sample_rate, frequency_hz or 440.0, level)
    elif kind == "speech":
        mono = speech(seconds, sample_rate, seed=seed, level_dbfs=level).samples
    elif kind == "white_noise":
        mono = white_noise(count, seed=seed, level_dbfs=level)
    elif kind == "silence":
        mono = np.zeros(count)
    else:
        raise ValueError(f"unknown signal kind {kind!r}: sine, speech, white_noise or silence")
    return to_int16(mono[:count])
