"""Audio processing module, all four features, per 10 ms frame at 48 kHz mono, and the
audio filter families.

The APM: lkemu through the bindings (one request per frame, processed in place, as the SDK
does), lkemu's DSP alone, and the native module, in one run; then the same through the
real SDK (`rtc.AudioProcessingModule`, on the drop-in and natively, each in a process of
its own). Each with the capture stream alone (no reverse stream: the echo canceller has
nothing to cancel and passes audio through), and with a far end playing (a reverse frame
and a capture frame holding its echo per 10 ms, the echo canceller adapting: what a call
costs). Every call gets a fresh copy of its frame: processing is in place, and a frame
processed over and over is not audio any more (lkemu's output of the noise frame fed back
turned to digital silence, which costs the noise suppressor nothing).

The filter families: one 10 ms frame through a family's DSP alone, and what the family
adds to an AudioStream's 10 ms frame (the stream's own code, `on_audio` with the filter
against the same stream without it: what a user of `noise_cancellation=` pays).
"""

from __future__ import annotations

import statistics
import textwrap
import time
from typing import Any

import numpy as np
import pytest
from report import RowReporter
from sdk_child import run_child

from lkemu.bindings import FfiClient
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.dsp.apm import AudioProcessor
from lkemu.engine.dsp.filters import FAMILY_OPTIONS, AudioFilter
from lkemu.engine.media.audio_stream import AudioStream
from lkemu.proto import ffi_pb2

SDK_ROW = (
    "APM, all four features, one 10 ms frame at 48 kHz mono, through the SDK "
    "(`rtc.AudioProcessingModule` on the drop-in): capture alone / far end playing "
    "(reverse + capture)"
)
FAMILIES = ["noise_suppression", "high_pass", "gain", "background_voice", "telephony"]
STREAM_ROW = (
    "audio filter `{}` in an AudioStream of a 48 kHz track: what it adds to a 10 ms frame, "
    "stream at 16 / 48 kHz mono"
)
README_ROWS = [SDK_ROW, *(STREAM_ROW.format(family) for family in FAMILIES)]

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


def _native_apm(rtc: Any) -> Any:
    """Native livekit's APM with all four features, as the lkemu side runs it."""
    return rtc.AudioProcessingModule(
        echo_cancellation=True,
        noise_suppression=True,
        high_pass_filter=True,
        auto_gain_control=True,
    )


@pytest.mark.benchmark(group=GROUP)
def test_apm_frame_lkemu(benchmark, lkemu_client: FfiClient) -> None:  # type: ignore[no-untyped-def]
    request = ffi_pb2.FfiRequest()
    new = request.new_apm
    new.echo_canceller_enabled = new.gain_controller_enabled = True
    new.high_pass_filter_enabled = new.noise_suppression_enabled = True
    apm = lkemu_client.request(request).new_apm.apm.handle.id
    process = ffi_pb2.FfiRequest()
    p = process.apm_process_stream
    buffer = FRAME.copy()  # processed in place: a fresh copy of the frame each call
    p.apm_handle, p.data_ptr, p.size = apm, buffer.ctypes.data, buffer.nbytes
    p.sample_rate, p.num_channels = RATE, 1

    def frame() -> None:
        np.copyto(buffer, FRAME)
        lkemu_client.request(process)

    benchmark(frame)
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=GROUP + " (DSP alone)")
def test_apm_frame_dsp_lkemu(benchmark) -> None:  # type: ignore[no-untyped-def]
    processor = AudioProcessor(True, True, True, True)
    benchmark(lambda: processor.process_stream(FRAME, RATE, 1))
    benchmark.extra_info["x_real_time"] = 0.01 / benchmark.stats.stats.median


@pytest.mark.benchmark(group=GROUP)
def test_apm_frame_native(benchmark, native_rtc) -> None:  # type: ignore[no-untyped-def]
    rtc = native_rtc
    apm = _native_apm(rtc)
    frame = rtc.AudioFrame(bytearray(FRAME.tobytes()), RATE, 1, RATE // 100)
    apm.process_stream(frame)
    buffer = np.frombuffer(frame._data, dtype=np.int16)  # its bytes, processed in place

    def once() -> None:
        np.copyto(buffer, FRAME)
        apm.process_stream(frame)

    benchmark(once)
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
    apm = _native_apm(rtc)
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


SDK_CHILD = textwrap.dedent(
    """
    import statistics, sys, time
    import numpy as np
    if sys.argv[1] == "lkemu":
        import lkemu
        lkemu.install()
    from livekit import rtc

    RATE, N = 48000, 480
    frame_samples = (np.random.default_rng(4).standard_normal(N) * 3000).astype(np.int16)
    far = (np.random.default_rng(5).standard_normal(RATE) * 2000).astype(np.int16)
    echo = (np.roll(far, RATE // 25) // 2).astype(np.int16)
    far_frames, near_frames = np.split(far, 100), np.split(echo, 100)

    def new_apm():
        return rtc.AudioProcessingModule(echo_cancellation=True, noise_suppression=True,
                                         high_pass_filter=True, auto_gain_control=True)

    def frame_of(samples):
        frame = rtc.AudioFrame(bytearray(samples.tobytes()), RATE, 1, N)
        return frame, np.frombuffer(frame._data, dtype=np.int16)

    def median_us(step, warm=300, batches=40, per_batch=50):
        for i in range(warm):
            step(i)
        times = []
        for b in range(batches):
            start = time.perf_counter()
            for i in range(per_batch):
                step(i)
            times.append((time.perf_counter() - start) / per_batch)
        return statistics.median(times) * 1e6

    apm = new_apm()
    capture, capture_data = frame_of(frame_samples)

    def alone(i):
        np.copyto(capture_data, frame_samples)  # in place: a fresh copy each call
        apm.process_stream(capture)

    echo_apm = new_apm()
    reverse, reverse_data = frame_of(far_frames[0])
    near, near_data = frame_of(near_frames[0])

    def with_far_end(i):
        np.copyto(reverse_data, far_frames[i % 100])
        np.copyto(near_data, near_frames[i % 100])
        echo_apm.process_reverse_stream(reverse)
        echo_apm.process_stream(near)

    print(f"{median_us(alone):.2f} {median_us(with_far_end):.2f}")
    """
)


@pytest.mark.parametrize("variant", ["native", "lkemu"])
def test_apm_frame_sdk(benchmark, variant: str, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    """Through `rtc.AudioProcessingModule`, on the drop-in or natively, in a child process:
    the median of 40 batches of 50 calls, each on a fresh copy of its frame."""
    result: dict[str, float] = {}

    def once() -> None:
        result["alone"], result["far"] = run_child(SDK_CHILD, variant, "real", 2)

    benchmark.group = "SDK AudioProcessingModule, all four features, us per 10 ms frame"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(us_alone=result["alone"], us_far_end=result["far"])
    print(f"\n{variant}: {result['alone']:.1f} us a capture frame, "
          f"{result['far']:.1f} us a reverse + capture pair")  # fmt: skip
    bench_report(SDK_ROW, variant, result["alone"], unit="us", part=0)
    bench_report(SDK_ROW, variant, result["far"], unit="us", part=1)


class _Sink:
    """What an AudioStream needs of its session and track, doing nothing: the stream's
    own per-frame work is measured (filter, resampler, conversions, event), not delivery."""

    closed = False
    source = None

    def emit(self, event: Any, outputs: Any = None) -> None:
        pass

    def emit_prepared(self, event: Any) -> None:
        pass

    def backlog(self) -> int:
        return 0

    def log(self, level: int, message: str) -> None:
        pass

    def add_sink(self, sink: Any) -> None:
        pass

    def remove_sink(self, sink: Any) -> None:
        pass


def _stream_frame_us(family: str | None, rate: int, rounds: int = 2000) -> float:
    """Median us of one 10 ms chunk of a 48 kHz track through an AudioStream at `rate`."""
    stub = _Sink()
    stream = AudioStream(EngineRuntime(), stub, stub, rate, 1, None, None)
    stream.start(1)
    if family is not None:
        stream.filter = AudioFilter(family, dict(FAMILY_OPTIONS[family]), rate, 1)
    chunks = np.split(
        (np.random.default_rng(4).standard_normal((RATE, 1)) * 3000).astype(np.int16), 100
    )
    for index in range(200):
        stream.on_audio(chunks[index % 100], RATE, 1)
    times = []
    for index in range(rounds):
        start = time.perf_counter()
        stream.on_audio(chunks[index % 100], RATE, 1)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


@pytest.mark.parametrize("family", FAMILIES)
def test_filter_family_in_stream_lkemu(benchmark, family: str, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    """A filter family inside an AudioStream: the stream's per-frame work with the filter
    against the same stream without it, interleaved (the difference is what the filter
    adds through the SDK's `AudioStream(..., noise_cancellation=...)`)."""
    added: dict[int, float] = {}

    def once() -> None:
        for rate in (16000, 48000):
            with_filter = [_stream_frame_us(family, rate) for _ in range(3)]
            without = [_stream_frame_us(None, rate) for _ in range(3)]
            added[rate] = statistics.median(with_filter) - statistics.median(without)
            print(f"\n{family} at {rate} Hz: {statistics.median(with_filter):.1f} us a frame "
                  f"with it, {statistics.median(without):.1f} us without")  # fmt: skip

    benchmark.group = "audio filter in an AudioStream, us a 10 ms frame adds"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(added_us_16k=added[16000], added_us_48k=added[48000])
    row = STREAM_ROW.format(family)
    for part, rate in enumerate((16000, 48000)):
        bench_report(row, "lkemu", added[rate], unit="us", part=part)
    bench_report.note(row, "native", "needs LiveKit Cloud")
