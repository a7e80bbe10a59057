"""Audio filter families: what lkemu runs where the native core runs a filter plugin.

Each family works on int16 frames (n, channels) in 10 ms multiples at the stream's rate,
keeping its state between calls. Options (JSON on the stream request):

- `noise_suppression`, options `max_attenuation_db` (35): spectral noise suppression.
- `high_pass`, `cutoff_hz` (120): 8th-order Butterworth high-pass.
- `gain`, `target_dbfs` (-18): automatic gain control.
- `background_voice`, `max_attenuation_db` (35) and `gate_db` (18): noise suppression, then
  a gate keeping the dominant talker: 10 ms blocks more than `gate_db` below the talker's
  recent peak level are lowered by `max_attenuation_db`.
- `telephony`, as `background_voice`: the same on a 300-3400 Hz band.

livekit-plugins-noise-cancellation registers one module and passes `{"modelPath": ...}`
per stream; the model file's name picks the family: NC() -> noise_suppression,
BVC() -> background_voice, BVCTelephony() -> telephony. The model is never read.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from scipy import signal

from .blocks import float_to_int16, int16_to_float, ten_ms
from .gain import GainController
from .highpass import HighPassFilter, SosFilter
from .noise_suppression import NoiseSuppressor

# Model files of livekit-plugins-noise-cancellation 0.3.x, by the prefix of their names.
PLUGIN_MODELS = {"c8.": "noise_suppression", "hs.": "background_voice", "inb.": "telephony"}
FAMILY_OPTIONS: dict[str, dict[str, float]] = {
    "noise_suppression": {"max_attenuation_db": 35.0},
    "high_pass": {"cutoff_hz": 120.0},
    "gain": {"target_dbfs": -18.0},
    "background_voice": {"max_attenuation_db": 35.0, "gate_db": 18.0},
    "telephony": {"max_attenuation_db": 35.0, "gate_db": 18.0},
}


class FilterOptionsError(ValueError):
    pass


def resolve(options: dict[str, Any]) -> tuple[str, dict[str, float]]:
    """The family and its numeric options for a stream's JSON options."""
    options = dict(options)
    model = options.pop("modelPath", None)
    family = options.pop("family", None)
    if family is None and model is not None:
        name = os.path.basename(str(model))
        family = next((f for prefix, f in PLUGIN_MODELS.items() if name.startswith(prefix)), None)
        if family is None:
            raise FilterOptionsError(f"unknown model {name!r}: lkemu maps {sorted(PLUGIN_MODELS)}")
    family = family or "noise_suppression"
    if family not in FAMILY_OPTIONS:
        raise FilterOptionsError(
            f"unknown filter family {family!r}; one of {sorted(FAMILY_OPTIONS)}"
        )
    values = dict(FAMILY_OPTIONS[family])
    for key, value in options.items():
        if key not in values:
            raise FilterOptionsError(f"{family} has no option {key!r}; it takes {sorted(values)}")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise FilterOptionsError(f"option {key!r} must be a number, got {value!r}")
        values[key] = float(value)
    return family, values


class AudioFilter:
    """One stream's filter session."""

    def __init__(self, family: str, options: dict[str, float], sample_rate: int, channels: int):
        self.family = family
        self.block = ten_ms(sample_rate)
        self._stages: list[Any] = []
        self._band: SosFilter | None = None
        if family == "telephony":
            high = min(3400.0, sample_rate / 2 * 0.95)
            sos = signal.butter(4, [300.0, high], "bandpass", fs=sample_rate, output="sos")
            self._band = SosFilter(sos, channels)
        if family == "high_pass":
            self._stages.append(HighPassFilter(sample_rate, channels, options["cutoff_hz"]))
        elif family == "gain":
            self._stages.append(GainController(sample_rate, options["target_dbfs"]))
        else:
            self._stages.append(
                NoiseSuppressor(sample_rate, channels, options["max_attenuation_db"])
            )
        self._gate_db = options.get("gate_db")
        self._floor = 10 ** (-options.get("max_attenuation_db", 35.0) / 20)
        self._peak_db = -120.0

    def process(self, frames: np.ndarray) -> np.ndarray:
        data = int16_to_float(frames)
        if self._band is not None:
            data = self._band.process(data)
        for stage in self._stages:
            data = stage.process(data)
        if self._gate_db is not None:
            self._gate(data)
        return float_to_int16(data)

    def _gate(self, data: np.ndarray) -> None:
        """Keep the dominant talker: blocks far below its recent peak level are lowered
        (in place: `data` is the stages' own output)."""
        if len(data) % self.block:
            raise ValueError(f"{len(data)} frames is not a whole number of {self.block}")
        squares = np.empty((self.block, *data.shape[1:]))
        gate = float(self._gate_db or 0)
        for start in range(0, len(data), self.block):
            block = data[start : start + self.block]
            # np.mean(block**2) as its sum and division; the scalars in math
            np.square(block, out=squares)
            level = 10 * math.log10(float(np.add.reduce(squares, axis=None)) / block.size + 1e-12)
            self._peak_db = max(level, self._peak_db - 0.05)  # the peak decays 5 dB/s
            if level < self._peak_db - gate:
                np.multiply(block, self._floor, out=block)
