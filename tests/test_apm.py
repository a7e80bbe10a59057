"""The audio processing module: measured on generated signals, and through the FFI in place."""

from __future__ import annotations

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.engine.dsp.apm import AudioProcessor
from lkemu.engine.dsp.echo import EchoCanceller
from lkemu.engine.dsp.gain import GainController
from lkemu.engine.dsp.highpass import HighPassFilter
from lkemu.engine.dsp.noise_suppression import NoiseSuppressor
from lkemu.journey import speech_like
from lkemu.proto import ffi_pb2

RATE = 16000
HOP = RATE // 100


def _db(power_ratio: float) -> float:
    return float(10 * np.log10(power_ratio))


def _snr_db(reference: np.ndarray, signal: np.ndarray) -> float:
    return _db(np.sum(reference**2) / np.sum((signal - reference) ** 2))


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    return np.fft.irfft(spectrum, n)


@pytest.mark.parametrize("frequency", [50, 60, 1000])
def test_high_pass_removes_hum_and_keeps_the_voice_band(frequency: int) -> None:
    t = np.arange(2 * RATE) / RATE
    tone = 0.5 * np.sin(2 * np.pi * frequency * t)[:, None]
    out = HighPassFilter(RATE, 1).process(tone)
    change = 20 * np.log10(np.std(out[RATE:]) / np.std(tone[RATE:]))
    if frequency < 100:
        assert change <= -20.0
    else:
        assert abs(change) <= 0.5


def test_agc_brings_a_quiet_signal_to_target_without_clipping() -> None:
    t = np.arange(3 * RATE) / RATE
    quiet = (np.sqrt(2) * 10 ** (-40 / 20) * np.sin(2 * np.pi * 440 * t))[:, None]
    out = GainController(RATE).process(quiet)
    settled = 10 * np.log10(np.mean(out[RATE:] ** 2))
    assert abs(settled - (-18.0)) <= 3.0
    assert np.max(np.abs(out)) < 1.0


@pytest.mark.parametrize("noise_kind", ["white", "pink"])
def test_noise_suppression_improves_snr_by_10_db_and_keeps_speech(noise_kind: str) -> None:
    rng = np.random.default_rng(5)
    speech = speech_like(8, RATE).astype(np.float64) / 32768
    noise = rng.standard_normal(len(speech)) if noise_kind == "white" else _pink(len(speech), rng)
    noise *= np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (5 / 10))  # 5 dB SNR
    mixed = speech + noise
    suppressor = NoiseSuppressor(RATE, 1)
    # The gains computed on the mix, applied to speech and noise apart: the usual way to
    # measure noise reduction (speech distortion is checked on its own below).
    out, speech_out, noise_out = (
        part[:, 0]
        for part in suppressor.process_with_shadows(mixed[:, None], speech[:, None], noise[:, None])
    )
    latency = suppressor.latency_frames
    aligned, reference = out[latency:], speech[:-latency]
    before = _db(np.sum(speech**2) / np.sum(noise**2))
    after = _db(np.sum(speech_out**2) / np.sum(noise_out**2))
    print(f"{noise_kind}: SNR {before:.1f} dB -> {after:.1f} dB")
    assert after - before >= 10.0
    voiced = np.abs(reference) > 0
    # each spoken segment keeps its energy within 3 dB
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start < RATE // 10:
            continue
        kept = _db(np.sum(aligned[start:end] ** 2) / np.sum(reference[start:end] ** 2))
        assert abs(kept) <= 3.0, (start / RATE, kept)


def test_echo_canceller_passes_audio_through_without_a_far_end() -> None:
    """No reverse stream: nothing to cancel; the output is the input, one hop late."""
    rng = np.random.default_rng(3)
    near = rng.standard_normal(RATE) * 0.1
    canceller = EchoCanceller(RATE)
    out = np.concatenate([canceller.process(near[i : i + HOP]) for i in range(0, RATE, HOP)])
    assert np.allclose(out[HOP:], near[:-HOP], atol=1e-12)


def test_echo_canceller_finds_an_unstated_delay() -> None:
    """Noise through a 250 ms delay, nothing stated: the lag estimator finds it and its
    first estimate places the filters there, one block early, as a stated delay would."""
    rng = np.random.default_rng(4)
    far = rng.standard_normal(3 * RATE) * 0.05
    delay = RATE // 4
    echo = np.concatenate([np.zeros(delay), 0.5 * far[:-delay]])
    canceller = EchoCanceller(RATE, suppress=False)
    out = np.empty_like(echo)
    for start in range(0, len(echo), HOP):
        canceller.push_far(far[start : start + HOP])
        out[start : start + HOP] = canceller.process(echo[start : start + HOP])
    assert canceller.estimator.lag in (25, 26)
    assert canceller.offset == canceller.estimator.lag - 1
    late = slice(2 * RATE, 3 * RATE)
    assert _db(np.sum(echo[late] ** 2) / np.sum(out[late] ** 2)) >= 20.0


def test_multichannel_echo_cancellation_keeps_each_channel() -> None:
    """Two channels: the echo is estimated from their mean and removed from both; a talker
    on one channel only stays on that channel."""
    rng = np.random.default_rng(6)
    far = rng.standard_normal(3 * RATE) * 0.05
    echo = np.concatenate([np.zeros(HOP), 0.5 * far[:-HOP]])
    talker = np.zeros_like(far)
    talker[2 * RATE :] = rng.standard_normal(RATE) * 0.05
    near = np.stack([echo + talker, echo], axis=1)
    canceller = EchoCanceller(RATE, channels=2)
    out = np.empty_like(near)
    for start in range(0, len(near), HOP):
        canceller.push_far(far[start : start + HOP])
        out[start : start + HOP] = canceller.process(near[start : start + HOP])
    out = np.concatenate([out[HOP:], np.zeros((HOP, 2))])
    quiet = slice(RATE, 2 * RATE)
    assert _db(np.sum(echo[quiet] ** 2) / np.sum(out[quiet, 1] ** 2)) >= 20.0
    talk = slice(2 * RATE, 3 * RATE)
    assert np.sum(out[talk, 0] ** 2) > 10 * np.sum(out[talk, 1] ** 2)


def test_chunked_processing_equals_one_call() -> None:
    rng = np.random.default_rng(2)
    audio = (rng.standard_normal(RATE) * 3000).astype(np.int16)
    whole = AudioProcessor(False, True, True, True).process_stream(audio, RATE, 1)
    chunked_processor = AudioProcessor(False, True, True, True)
    chunked = np.concatenate([
        chunked_processor.process_stream(audio[i : i + HOP], RATE, 1)
        for i in range(0, RATE, HOP)
    ])  # fmt: skip
    assert np.array_equal(whole, chunked)


def _apm_request(client: FfiClient, *, all_on: bool = True) -> int:
    request = ffi_pb2.FfiRequest()
    new = request.new_apm
    new.echo_canceller_enabled = new.gain_controller_enabled = all_on
    new.high_pass_filter_enabled = new.noise_suppression_enabled = all_on
    return client.request(request).new_apm.apm.handle.id


def test_process_stream_works_in_place_through_the_ffi(lane_client: FfiClient) -> None:
    apm = _apm_request(lane_client)
    hum = (np.sin(2 * np.pi * 50 * np.arange(HOP * 50) / RATE) * 8000).astype(np.int16)
    original = hum.copy()
    for start in range(0, len(hum), HOP):
        frame = hum[start : start + HOP]  # a view: the engine's result must land in `hum`
        request = ffi_pb2.FfiRequest()
        process = request.apm_process_stream
        process.apm_handle, process.data_ptr, process.size = apm, frame.ctypes.data, frame.nbytes
        process.sample_rate, process.num_channels = RATE, 1
        assert not lane_client.request(request).apm_process_stream.HasField("error")
    assert not np.array_equal(hum, original)
    assert np.std(hum[RATE // 4 :]) < 0.1 * np.std(original)  # the hum is gone


def test_apm_errors_go_in_the_response(lane_client: FfiClient) -> None:
    apm = _apm_request(lane_client)
    odd = np.zeros(100, np.int16)
    request = ffi_pb2.FfiRequest()
    process = request.apm_process_stream
    process.apm_handle, process.data_ptr, process.size = apm, odd.ctypes.data, odd.nbytes
    process.sample_rate, process.num_channels = RATE, 1
    response = lane_client.request(request).apm_process_stream
    assert response.error == "slice must have a multiple of 10ms worth of samples"
    request = ffi_pb2.FfiRequest()
    request.apm_set_stream_delay.apm_handle, request.apm_set_stream_delay.delay_ms = apm, -5
    assert "stream delay" in lane_client.request(request).apm_set_stream_delay.error
