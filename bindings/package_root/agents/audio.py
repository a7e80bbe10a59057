"""Audio for agent tests, as int16 NumPy arrays: speech-like signals, WAV files, levels.

Needs NumPy and SciPy only (lkemu's own dependencies), not livekit.
"""

from __future__ import annotations

import io
import math
import wave
from math import gcd
from pathlib import Path

import numpy as np
from scipy import signal

SILENCE_DBFS = -120.0


def speech_like(seconds: float, rate: int = 48000, *, pitch: float = 130.0) -> np.ndarray:
    """`seconds` of a voiced sound at `rate` (mono int16): a gliding pitch around `pitch` Hz
    with harmonics, four syllables a second, about -20 dBFS. Any VAD based on energy (the
    fakes') hears it as speech; silence around it is not."""
    t = np.arange(round(seconds * rate)) / rate
    if not t.size:
        return np.zeros(0, np.int16)
    glide = pitch + 20.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(glide) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 7))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    samples = 0.25 * voice * envelope * fade / 1.6
    return (samples * 32767).astype(np.int16)


def tone(
    seconds: float, rate: int = 48000, *, frequency: float = 440.0, amplitude: float = 0.4
) -> np.ndarray:
    """A sine of `frequency` (mono int16) with 5 ms fades, so it starts and ends without
    clicks."""
    count = round(seconds * rate)
    wave_ = amplitude * np.sin(2 * np.pi * frequency * np.arange(count) / rate)
    ramp = min(count // 2, round(0.005 * rate))
    if ramp:
        wave_[:ramp] *= np.linspace(0.0, 1.0, ramp)
        wave_[-ramp:] *= np.linspace(1.0, 0.0, ramp)
    return (wave_ * 32767).astype(np.int16)


def to_mono(samples: np.ndarray, channels: int) -> np.ndarray:
    """Interleaved int16 of `channels` channels, averaged to one."""
    samples = np.asarray(samples, dtype=np.int16)
    if channels == 1:
        return samples
    frames = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    return frames.astype(np.int32).mean(axis=1).round().astype(np.int16)


def resample(samples: np.ndarray, rate: int, to_rate: int) -> np.ndarray:
    """Mono int16 from `rate` to `to_rate` (a polyphase filter)."""
    samples = np.asarray(samples, dtype=np.int16)
    if rate == to_rate or not samples.size:
        return samples
    common = gcd(rate, to_rate)
    out = signal.resample_poly(samples.astype(np.float64), to_rate // common, rate // common)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def read_wav(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV file (a path, or its bytes) as mono int16 samples and their rate."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with wave.open(io.BytesIO(data)) as reader:
        if reader.getsampwidth() != 2:
            raise ValueError(f"only 16-bit PCM WAV is supported, not {8 * reader.getsampwidth()}")
        rate, channels = reader.getframerate(), reader.getnchannels()
        raw = reader.readframes(reader.getnframes())
    return to_mono(np.frombuffer(raw, dtype="<i2"), channels), rate


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    """int16 samples as a 16-bit PCM WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return out.getvalue()


def mean_square(samples: np.ndarray | bytes | memoryview) -> float:
    """The mean square of int16 samples, full scale 1.0 (0.0 when there are none)."""
    values = samples if isinstance(samples, np.ndarray) else np.frombuffer(samples, np.int16)
    if not values.size:
        return 0.0
    # One dot product in float64 (2 us for 10 ms at 48 kHz, where np.mean(x**2) took 5 us
    # through numpy's Python-level reduction): it runs on every frame a session hears.
    values = values.astype(np.float64)
    return float(np.vdot(values, values)) / values.size / (32768.0 * 32768.0)


def voiced_blocks(samples: np.ndarray, rate: int, threshold_dbfs: float = -45.0) -> int:
    """How many whole 10 ms blocks of mono int16 `samples` are louder than `threshold_dbfs`
    (a count of speech that survives gain changes: digital silence stays silence)."""
    block = rate // 100
    count = len(samples) // block
    if not count:
        return 0
    blocks = samples[: count * block].reshape(count, block).astype(np.float64)
    power = np.einsum("ij,ij->i", blocks, blocks) / block / (32768.0 * 32768.0)
    return int(np.count_nonzero(power > 10 ** (threshold_dbfs / 10)))


def dbfs(power: float) -> float:
    """A mean square (full scale 1.0) in dB relative to full scale, -120 at the least."""
    return max(SILENCE_DBFS, 10.0 * math.log10(power)) if power > 0 else SILENCE_DBFS


def level_dbfs(samples: np.ndarray | bytes | memoryview) -> float:
    """RMS level of int16 samples in dB relative to full scale (-120 for digital silence)."""
    return dbfs(mean_square(samples))


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency of mono samples, in Hz (0 when there are none)."""
    if not len(samples):
        return 0.0
    values = np.asarray(samples, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(values * np.hanning(len(values))))
    return float(np.argmax(spectrum) * rate / len(values))
