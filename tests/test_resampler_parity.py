"""Resamplers against livekit 1.2.1: output lengths and closeness to native output."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.proto import audio_frame_pb2, ffi_pb2
from tests.native import run_native

CASES = [(44100, 16000), (48000, 16000), (16000, 48000), (48000, 44100), (8000, 48000)]

NATIVE_SOX = """
from livekit import rtc
import numpy as np
rate_in, rate_out = int(inputs["rates"][0]), int(inputs["rates"][1])
for name in ("sweep", "noise"):
    signal = inputs[name]
    resampler = rtc.AudioResampler(rate_in, rate_out, num_channels=1,
                                   quality=rtc.AudioResamplerQuality.HIGH)
    chunk = rate_in // 100
    out = []
    for start in range(0, len(signal) - chunk + 1, chunk):
        frame = rtc.AudioFrame(signal[start:start + chunk].tobytes(), rate_in, 1, chunk)
        out += [np.frombuffer(f.data, dtype=np.int16) for f in resampler.push(frame)]
    out += [np.frombuffer(f.data, dtype=np.int16) for f in resampler.flush()]
    outputs[name] = np.concatenate(out)
"""


def _signals(rate: int, seconds: float = 1.0) -> dict[str, np.ndarray]:
    t = np.arange(int(rate * seconds)) / rate
    top = min(rate, 8000) / 2 * 0.8  # inside the passband of both resamplers
    sweep = np.sin(2 * np.pi * (50 * t + (top - 50) / (2 * seconds) * t**2)) * 12000
    noise = np.random.default_rng(1).normal(0, 4000, len(t))
    # Noise band-limited below the smaller Nyquist, so both sides keep the same content.
    spectrum = np.fft.rfft(noise)
    spectrum[np.fft.rfftfreq(len(noise), 1 / rate) > top] = 0
    noise = np.fft.irfft(spectrum, len(noise))
    return {
        "sweep": np.clip(sweep, -32768, 32767).astype(np.int16),
        "noise": np.clip(noise, -32768, 32767).astype(np.int16),
    }


def _lkemu_sox(client: FfiClient, signal: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    request = ffi_pb2.FfiRequest()
    new = request.new_sox_resampler
    new.input_rate, new.output_rate, new.num_channels = rate_in, rate_out, 1
    new.input_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.output_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.quality_recipe = audio_frame_pb2.SOXR_QUALITY_HIGH
    handle = client.request(request).new_sox_resampler.resampler.handle.id
    out: list[np.ndarray] = []

    def take(output_ptr: int, size: int) -> None:
        if size:
            out.append(np.frombuffer(ctypes.string_at(output_ptr, size), dtype=np.int16).copy())

    chunk = rate_in // 100
    for start in range(0, len(signal) - chunk + 1, chunk):
        piece = np.ascontiguousarray(signal[start : start + chunk])
        push = ffi_pb2.FfiRequest()
        push.push_sox_resampler.resampler_handle = handle
        push.push_sox_resampler.data_ptr = piece.ctypes.data
        push.push_sox_resampler.size = piece.nbytes
        pushed = client.request(push).push_sox_resampler
        take(pushed.output_ptr, pushed.size)
    flush = ffi_pb2.FfiRequest()
    flush.flush_sox_resampler.resampler_handle = handle
    flushed = client.request(flush).flush_sox_resampler
    take(flushed.output_ptr, flushed.size)
    client.drop_handle(handle)
    return np.concatenate(out)


def _snr_db(reference: np.ndarray, candidate: np.ndarray) -> float:
    ref, cand = reference.astype(np.float64), candidate.astype(np.float64)
    edge = len(ref) // 50  # start-up and tail transients are not the steady state
    ref, cand = ref[edge:-edge], cand[edge:-edge]
    return float(10 * np.log10(np.sum(ref**2) / np.sum((ref - cand) ** 2)))


@pytest.mark.parametrize(("rate_in", "rate_out"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_sox_resampler_matches_native(lane_client: FfiClient, rate_in: int, rate_out: int) -> None:
    signals = _signals(rate_in)
    native = run_native(NATIVE_SOX, rates=np.array([rate_in, rate_out]), **signals)
    for name, signal in signals.items():
        ours = _lkemu_sox(lane_client, signal, rate_in, rate_out)
        assert len(ours) == len(native[name]) == rate_out  # one second in, one second out
        snr = _snr_db(native[name], ours)
        print(f"{rate_in}->{rate_out} {name}: SNR against native {snr:.1f} dB")
        assert snr >= 40.0, f"{name}: {snr:.1f} dB"


@pytest.mark.parametrize(("rate_in", "rate_out"), [(44100, 16000), (48000, 16000), (16000, 48000)])
def test_long_pushes_equal_10_ms_pushes(rate_in: int, rate_out: int) -> None:
    """Pushes over 200 ms are cut into 100 ms blocks inside the resampler; the result must be
    what 10 ms pushes (the case compared with native above) give, sample for sample."""
    from lkemu.engine.dsp.polyphase import StreamingResampler

    signal = np.random.default_rng(rate_in).standard_normal((3 * rate_in + 123, 2)) * 3000
    step = rate_in // 100
    short = StreamingResampler(rate_in, rate_out, 2, "high", compensate_delay=True)
    expected = np.concatenate(
        [short.push(signal[i : i + step]) for i in range(0, len(signal), step)] + [short.flush()]
    )
    for long_push in (len(signal), rate_in + 7):
        resampler = StreamingResampler(rate_in, rate_out, 2, "high", compensate_delay=True)
        pieces = [resampler.push(signal[i : i + long_push])
                  for i in range(0, len(signal), long_push)]  # fmt: skip
        ours = np.concatenate([*pieces, resampler.flush()])
        assert np.array_equal(ours, expected)


# remix_and_resample (new_audio_resampler): what native returns for inputs of any length.
# (rows: samples per channel, the buffer's sample_rate, channels in, rate out, channels out)
REMIX_CALLS = [
    (480, 48000, 1, 16000, 1),
    (480, 44100, 1, 16000, 1),  # the label is not used: 480 frames are 10 ms at 48 kHz
    (441, 44100, 1, 16000, 1),
    (960, 48000, 1, 16000, 1),  # 20 ms: native still gives 10 ms, an octave up
    (137, 48000, 1, 16000, 1),
    (480, 48000, 2, 16000, 1),
    (480, 48000, 1, 48000, 2),
    (480, 16000, 1, 16000, 1),
    (160, 16000, 1, 22050, 1),  # 22.05 kHz: 220 frames (rate // 100)
]

NATIVE_REMIX = """
import ctypes
import numpy as np
from livekit.rtc._ffi_client import FfiClient
from livekit.rtc._proto import ffi_pb2
request = ffi_pb2.FfiRequest()
request.new_audio_resampler.SetInParent()
handle = FfiClient.instance.request(request).new_audio_resampler.resampler.handle.id
lengths, peaks = [], []
for frames, label, channels, rate, channels_out in inputs["calls"]:
    t = np.arange(frames * channels) // channels
    data = (np.sin(2 * np.pi * 1000 * t / 48000) * 10000).astype(np.int16)
    call = ffi_pb2.FfiRequest()
    call.remix_and_resample.resampler_handle = handle
    buffer = call.remix_and_resample.buffer
    buffer.data_ptr, buffer.num_channels = data.ctypes.data, int(channels)
    buffer.sample_rate, buffer.samples_per_channel = int(label), int(frames)
    call.remix_and_resample.num_channels = int(channels_out)
    call.remix_and_resample.sample_rate = int(rate)
    info = FfiClient.instance.request(call).remix_and_resample.buffer.info
    lengths.append(info.samples_per_channel)
outputs["lengths"] = lengths
"""


def _lkemu_remix(client: FfiClient, calls: list[tuple[int, int, int, int, int]]) -> list[int]:
    request = ffi_pb2.FfiRequest()
    request.new_audio_resampler.SetInParent()
    handle = client.request(request).new_audio_resampler.resampler.handle.id
    lengths = []
    for frames, label, channels, rate, channels_out in calls:
        t = np.arange(frames * channels) // channels
        data = (np.sin(2 * np.pi * 1000 * t / 48000) * 10000).astype(np.int16)
        call = ffi_pb2.FfiRequest()
        call.remix_and_resample.resampler_handle = handle
        buffer = call.remix_and_resample.buffer
        buffer.data_ptr, buffer.num_channels = data.ctypes.data, channels
        buffer.sample_rate, buffer.samples_per_channel = label, frames
        call.remix_and_resample.num_channels = channels_out
        call.remix_and_resample.sample_rate = rate
        answer = client.request(call).remix_and_resample.buffer
        lengths.append(answer.info.samples_per_channel)
        client.drop_handle(answer.handle.id)
    client.drop_handle(handle)
    return lengths


def test_remix_and_resample_lengths_match_native(lane_client: FfiClient) -> None:
    native = run_native(NATIVE_REMIX, calls=np.array(REMIX_CALLS))["lengths"]
    assert _lkemu_remix(lane_client, REMIX_CALLS) == [int(n) for n in native]
