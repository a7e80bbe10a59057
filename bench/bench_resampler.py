"""Sox resampler, 44.1 kHz -> 16 kHz pushed in 10 ms (and 100 ms) chunks: one second of
audio per round.

x real time = 1 s / median. Three figures: lkemu through the bindings (a request per
chunk, as the SDK's AudioResampler does), lkemu's DSP alone, and the native library.
"""

from __future__ import annotations

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.engine.dsp.polyphase import StreamingResampler
from lkemu.proto import audio_frame_pb2, ffi_pb2

RATE_IN, RATE_OUT = 44100, 16000
AUDIO = (np.random.default_rng(3).standard_normal(RATE_IN) * 3000).astype(np.int16)
PUSH_MS = [10, 100, 1000]


def _group(push_ms: int) -> str:
    return f"sox resampler 44.1k->16k, {push_ms} ms pushes, 1 s of audio"


def _x_real_time(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark.extra_info["x_real_time"] = 1.0 / benchmark.stats.stats.median


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_lkemu(benchmark, lkemu_client: FfiClient, push_ms: int) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(push_ms)
    chunk = RATE_IN * push_ms // 1000
    chunks = [np.ascontiguousarray(AUDIO[i : i + chunk]) for i in range(0, RATE_IN, chunk)]

    def one_second() -> None:
        request = ffi_pb2.FfiRequest()
        new = request.new_sox_resampler
        new.input_rate, new.output_rate, new.num_channels = RATE_IN, RATE_OUT, 1
        new.input_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
        new.output_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
        new.quality_recipe = audio_frame_pb2.SOXR_QUALITY_MEDIUM
        handle = lkemu_client.request(request).new_sox_resampler.resampler.handle.id
        push = ffi_pb2.FfiRequest()
        push.push_sox_resampler.resampler_handle = handle
        for chunk in chunks:
            push.push_sox_resampler.data_ptr = chunk.ctypes.data
            push.push_sox_resampler.size = chunk.nbytes
            lkemu_client.request(push)
        lkemu_client.drop_handle(handle)

    benchmark(one_second)
    _x_real_time(benchmark)


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_dsp_lkemu(benchmark, push_ms: int) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(push_ms) + " (DSP alone)"
    chunk = RATE_IN * push_ms // 1000

    def one_second() -> None:
        resampler = StreamingResampler(RATE_IN, RATE_OUT, 1, "medium", compensate_delay=True)
        for start in range(0, RATE_IN, chunk):
            resampler.push(AUDIO[start : start + chunk])

    benchmark(one_second)
    _x_real_time(benchmark)


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_native(benchmark, native_rtc, push_ms: int) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(push_ms)
    rtc = native_rtc
    chunk = RATE_IN * push_ms // 1000
    frames = [rtc.AudioFrame(AUDIO[i : i + chunk].tobytes(), RATE_IN, 1, chunk)
              for i in range(0, RATE_IN, chunk)]  # fmt: skip

    def one_second() -> None:
        resampler = rtc.AudioResampler(
            RATE_IN, RATE_OUT, num_channels=1, quality=rtc.AudioResamplerQuality.MEDIUM
        )
        for frame in frames:
            resampler.push(frame)

    benchmark(one_second)
    _x_real_time(benchmark)
