"""Audio processing module, all four features, per 10 ms frame at 48 kHz mono.

lkemu through the bindings (one request per frame, processed in place, as the SDK does),
lkemu's DSP alone, and the native module, in one run.
"""

from __future__ import annotations

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.engine.dsp.apm import AudioProcessor
from lkemu.proto import ffi_pb2

RATE = 48000
FRAME = np.ascontiguousarray(
    (np.random.default_rng(4).standard_normal(RATE // 100) * 3000).astype(np.int16)
)
GROUP = "APM, all features, one 10 ms frame at 48 kHz mono"


@pytest.mark.benchmark(group=GROUP)
def test_apm_frame_lkemu(benchmark, lkemu_client: FfiClient) -> None:  # type: ignore[no-untyped-def]
    request = ffi_pb2.FfiRequest()
    new = request.new_apm
    new.echo_canceller_enabled = new.gain_controller_enabled = True
    new.high_pass_filter_enabled = new.noise_suppression_enabled = True
    apm = lkemu_client.request(request).new_apm.apm.handle.id
    process = ffi_pb2.FfiRequest()
    p = process.apm_process_stream
    p.apm_handle, p.data_ptr, p.size = apm, FRAME.ctypes.data, FRAME.nbytes
    p.sample_rate, p.num_channels = RATE, 1
    benchmark(lambda: lkemu_client.request(process))
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=GROUP + " (DSP alone)")
def test_apm_frame_dsp_lkemu(benchmark) -> None:  # type: ignore[no-untyped-def]
    processor = AudioProcessor(True, True, True, True)
    benchmark(lambda: processor.process_stream(FRAME, RATE, 1))
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=GROUP)
def test_apm_frame_native(benchmark, native_rtc) -> None:  # type: ignore[no-untyped-def]
    rtc = native_rtc
    apm = rtc.AudioProcessingModule(
        echo_cancellation=True,
        noise_suppression=True,
        high_pass_filter=True,
        auto_gain_control=True,
    )
    frame = rtc.AudioFrame(FRAME.tobytes(), RATE, 1, RATE // 100)
    benchmark(lambda: apm.process_stream(frame))
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


FAMILIES = ["noise_suppression", "high_pass", "gain", "background_voice", "telephony"]


@pytest.mark.parametrize("rate", [16000, 48000])
@pytest.mark.parametrize("family", FAMILIES)
def test_filter_family_frame_lkemu(benchmark, family: str, rate: int) -> None:  # type: ignore[no-untyped-def]
    """One 10 ms frame through a filter family, as a stream's filter session runs it.
    The native side would be a livekit-plugins-noise-cancellation session, which needs
    LiveKit Cloud credentials to run: there is no offline native figure to set beside it."""
    from lkemu.engine.dsp.filters import FAMILY_OPTIONS, AudioFilter

    frame = np.ascontiguousarray(
        (np.random.default_rng(4).standard_normal((rate // 100, 1)) * 3000).astype(np.int16)
    )
    session = AudioFilter(family, dict(FAMILY_OPTIONS[family]), rate, 1)
    for _ in range(50):  # past the first frames' noise learning
        session.process(frame)
    benchmark(lambda: session.process(frame))
    benchmark.group = f"filter family, one 10 ms frame at {rate // 1000} kHz mono"
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median
