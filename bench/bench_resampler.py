"""Sox resampler, 44.1 kHz -> 16 kHz pushed in 10 ms (and 100 ms) chunks: one second of
audio per round.

x real time = 1 s / median. Three figures: lkemu through the bindings (a request per
chunk, as the SDK's AudioResampler does: answered by the local lane, in this process, as
native), lkemu's DSP alone (the sox resampler object the push runs: soxr's release
schedule over the polyphase filter), and the native library. And the closeness of lkemu's output
to native's, on the signals of tests/test_resampler_parity.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from report import RowReporter, median_us

from lkemu.bindings import FfiClient
from lkemu.engine.local.resamplers import SoxResampler
from lkemu.proto import audio_frame_pb2, ffi_pb2
from tests.test_resampler_parity import CASES, _lkemu_sox, _signals, _snr_db

RATE_IN, RATE_OUT = 44100, 16000
AUDIO = (np.random.default_rng(3).standard_normal(RATE_IN) * 3000).astype(np.int16)
PUSH_MS = [10, 100, 1000]
ROW_10MS = (
    "sox resampler 44.1k -> 16k (MEDIUM), 10 ms pushes, per second of audio: lkemu's "
    "bindings / its DSP alone"
)
ROW_BULK = "same, 100 ms / 1 s pushes, through the bindings"
SNR_ROW = (
    "sox resampler output (HIGH) against native's, 5 rate pairs x (sweep, band-limited "
    "noise): lowest / highest SNR"
)
README_ROWS = [ROW_10MS, ROW_BULK, SNR_ROW]


def _report_bindings(bench_report: RowReporter, side: str, push_ms: int, benchmark) -> None:  # type: ignore[no-untyped-def]
    row, part = (ROW_10MS, 0) if push_ms == 10 else (ROW_BULK, PUSH_MS.index(push_ms) - 1)
    bench_report(row, side, median_us(benchmark) / 1000, unit="ms", part=part)


def _group(push_ms: int) -> str:
    return f"sox resampler 44.1k->16k, {push_ms} ms pushes, 1 s of audio"


def _x_real_time(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark.extra_info["x_real_time"] = 1.0 / benchmark.stats.stats.median


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_lkemu(  # type: ignore[no-untyped-def]
    benchmark, lkemu_client: FfiClient, push_ms: int, bench_report: RowReporter
) -> None:
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
    _report_bindings(bench_report, "lkemu", push_ms, benchmark)


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_dsp_lkemu(benchmark, push_ms: int, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(push_ms) + " (DSP alone)"
    chunk = RATE_IN * push_ms // 1000

    made = audio_frame_pb2.NewSoxResamplerRequest(
        input_rate=RATE_IN, output_rate=RATE_OUT, num_channels=1,
        input_data_type=audio_frame_pb2.SOXR_DATATYPE_INT16I,
        output_data_type=audio_frame_pb2.SOXR_DATATYPE_INT16I,
        quality_recipe=audio_frame_pb2.SOXR_QUALITY_MEDIUM,
    )  # fmt: skip
    pieces = [AUDIO[start : start + chunk].tobytes() for start in range(0, RATE_IN, chunk)]

    def one_second() -> None:
        # What the bindings' push runs: soxr's release schedule over the polyphase filter.
        resampler = SoxResampler(made)
        for piece in pieces:
            resampler.push(piece)

    benchmark(one_second)
    _x_real_time(benchmark)
    if push_ms == 10:
        bench_report(ROW_10MS, "lkemu", median_us(benchmark) / 1000, unit="ms", part=1)


@pytest.mark.parametrize("push_ms", PUSH_MS)
def test_sox_resampler_native(
    benchmark, native_rtc, push_ms: int, bench_report: RowReporter
) -> None:  # type: ignore[no-untyped-def]
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
    _report_bindings(bench_report, "native", push_ms, benchmark)


def _native_sox(rtc, signal: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """tests/test_resampler_parity.py's native run, in this process: 10 ms pushes, flush."""
    resampler = rtc.AudioResampler(
        rate_in, rate_out, num_channels=1, quality=rtc.AudioResamplerQuality.HIGH
    )
    chunk, out = rate_in // 100, []
    for start in range(0, len(signal) - chunk + 1, chunk):
        frame = rtc.AudioFrame(signal[start : start + chunk].tobytes(), rate_in, 1, chunk)
        out += [np.frombuffer(f.data, dtype=np.int16) for f in resampler.push(frame)]
    out += [np.frombuffer(f.data, dtype=np.int16) for f in resampler.flush()]
    return np.concatenate(out)


def test_sox_resampler_output_against_native_lkemu(  # type: ignore[no-untyped-def]
    benchmark, native_rtc, lkemu_client: FfiClient, bench_report: RowReporter
) -> None:
    """SNR of lkemu's output against native's, the parity test's cases and signals."""
    snrs: list[float] = []

    def compare() -> None:
        snrs.clear()
        for rate_in, rate_out in CASES:
            for signal in _signals(rate_in).values():
                native = _native_sox(native_rtc, signal, rate_in, rate_out)
                ours = _lkemu_sox(lkemu_client, signal, rate_in, rate_out)
                assert len(ours) == len(native)
                snrs.append(_snr_db(native, ours))

    benchmark.group = "sox resampler output against native"
    benchmark.pedantic(compare, rounds=1)
    benchmark.extra_info.update(lowest_snr_db=min(snrs), highest_snr_db=max(snrs))
    bench_report(SNR_ROW, "lkemu", min(snrs), unit="dB", part=0, better="higher")
    bench_report(SNR_ROW, "lkemu", max(snrs), unit="dB", part=1, better="higher")
    bench_report.note(SNR_ROW, "native", "the reference")
