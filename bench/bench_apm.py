"""Audio processing module, all four features, per 10 ms frame at 48 kHz mono.

lkemu through the bindings (one request per frame, processed in place, as the SDK does),
lkemu's DSP alone, and the native module, in one run. Twice: with the capture stream
alone (no reverse stream: the echo canceller has nothing to cancel and passes audio
through), and with a far end playing (a reverse frame and a capture frame holding its
echo per 10 ms, the echo canceller adapting: what a call costs).
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
ECHO_GROUP = "APM, all features, far end playing: reverse + capture 10 ms frames at 48 kHz mono"
# A second of speech-like far end and its echo (40 ms late, half as loud), as 100 frames
# the benchmarks cycle through.
_FAR_SECOND = (np.random.default_rng(5).standard_normal(RATE) * 2000).astype(np.int16)
_ECHO_SECOND = (np.roll(_FAR_SECOND, RATE // 25) // 2).astype(np.int16)
FAR_FRAMES = [np.ascontiguousarray(f) for f in np.split(_FAR_SECOND, 100)]
NEAR_FRAMES = [np.ascontiguousarray(f) for f in np.split(_ECHO_SECOND, 100)]


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


def _new_apm(client: FfiClient) -> int:
    request = ffi_pb2.FfiRequest()
    new = request.new_apm
    new.echo_canceller_enabled = new.gain_controller_enabled = True
    new.high_pass_filter_enabled = new.noise_suppression_enabled = True
    return client.request(request).new_apm.apm.handle.id


@pytest.mark.benchmark(group=ECHO_GROUP)
def test_apm_echo_frame_lkemu(benchmark, lkemu_client: FfiClient) -> None:  # type: ignore[no-untyped-def]
    apm = _new_apm(lkemu_client)
    # The frames are processed in place: each call gets a fresh copy of its frame, as the
    # SDK's callers hand over new audio.
    far_buffer, near_buffer = np.zeros_like(FAR_FRAMES[0]), np.zeros_like(NEAR_FRAMES[0])
    reverse, capture = ffi_pb2.FfiRequest(), ffi_pb2.FfiRequest()
    r, c = reverse.apm_process_reverse_stream, capture.apm_process_stream
    r.apm_handle, r.data_ptr, r.size = apm, far_buffer.ctypes.data, far_buffer.nbytes
    c.apm_handle, c.data_ptr, c.size = apm, near_buffer.ctypes.data, near_buffer.nbytes
    r.sample_rate = c.sample_rate = RATE
    r.num_channels = c.num_channels = 1
    position = [0]

    def frame() -> None:
        index = position[0] % len(FAR_FRAMES)
        position[0] += 1
        np.copyto(far_buffer, FAR_FRAMES[index])
        np.copyto(near_buffer, NEAR_FRAMES[index])
        lkemu_client.request(reverse)
        lkemu_client.request(capture)

    for _ in range(200):  # past the canceller's first second
        frame()
    benchmark(frame)
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=ECHO_GROUP + " (DSP alone)")
def test_apm_echo_frame_dsp_lkemu(benchmark) -> None:  # type: ignore[no-untyped-def]
    processor = AudioProcessor(True, True, True, True)
    position = [0]

    def frame() -> None:
        index = position[0] % len(FAR_FRAMES)
        position[0] += 1
        processor.process_reverse_stream(FAR_FRAMES[index], RATE, 1)
        processor.process_stream(NEAR_FRAMES[index], RATE, 1)  # returns a new array

    for _ in range(200):
        frame()
    benchmark(frame)
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=ECHO_GROUP)
def test_apm_echo_frame_native(benchmark, native_rtc) -> None:  # type: ignore[no-untyped-def]
    rtc = native_rtc
    apm = rtc.AudioProcessingModule(
        echo_cancellation=True,
        noise_suppression=True,
        high_pass_filter=True,
        auto_gain_control=True,
    )
    samples = RATE // 100
    position = [0]

    def frame() -> None:
        index = position[0] % len(FAR_FRAMES)
        position[0] += 1
        apm.process_reverse_stream(rtc.AudioFrame(FAR_FRAMES[index].tobytes(), RATE, 1, samples))
        apm.process_stream(rtc.AudioFrame(NEAR_FRAMES[index].tobytes(), RATE, 1, samples))

    for _ in range(200):
        frame()
    benchmark(frame)
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
