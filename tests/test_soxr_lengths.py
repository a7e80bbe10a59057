"""The sox resampler's output lengths push by push, as native livekit 1.2.1 returns them.

soxr hands output back in bursts (its DFT stages run on whole blocks), so the first push of
16 kHz -> 48 kHz at HIGH gives nothing natively where a plain filter would give 433
frames; code that sizes buffers from the first push (livekit-agents' AudioArrayBuffer)
depends on it. The recorded table (tools/record_soxr_lengths.py) checks every recipe, the
common rates both ways and four ways of cutting the input without the native library; the
parity test checks harder sequences against native itself where it loads.
"""

from __future__ import annotations

import ctypes
import json
import random
from pathlib import Path

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.engine.local.resamplers import SoxResampler
from lkemu.proto import audio_frame_pb2, ffi_pb2
from tests.native import run_native
from tools.record_soxr_lengths import FLUSH, QUALITIES, TABLE, pushes

RECORDED = json.loads(TABLE.read_text())


def lkemu_lengths(
    quality: int, rate_in: float, rate_out: float, channels: int, operations: list[int]
) -> list[int]:
    """Frames lkemu's sox resampler returns for each push (a size) or flush (FLUSH)."""
    resampler = SoxResampler(
        audio_frame_pb2.NewSoxResamplerRequest(
            input_rate=rate_in,
            output_rate=rate_out,
            num_channels=channels,
            quality_recipe=quality,  # type: ignore[arg-type]
        )
    )
    lengths = []
    for size in operations:
        if size == FLUSH:
            out = resampler.flush()
        else:
            samples = np.random.default_rng(size).integers(-3000, 3000, size * channels)
            out = resampler.push(samples.astype(np.int16).tobytes())
        lengths.append(len(out) // (2 * channels))
    return lengths


@pytest.mark.parametrize("quality", list(QUALITIES), ids=list(QUALITIES.values()))
def test_lengths_match_the_recorded_native_table(quality: int) -> None:
    cases = [row for row in RECORDED["cases"] if row[0] == quality]
    assert RECORDED["livekit"] == "1.2.1" and len(cases) == 120
    differing = []
    for _, rate_in, rate_out, chunking, native in cases:
        ours = lkemu_lengths(quality, rate_in, rate_out, 1, pushes(chunking, rate_in))
        if ours != native:
            differing.append(f"{rate_in}->{rate_out} {chunking}: native {native}, lkemu {ours}")
    assert not differing, "\n".join(differing)


def _hard_sequences(count: int) -> list[tuple[int, float, float, int, list[int]]]:
    """Seeded sequences the table does not cover: more channels, odd and fractional rates,
    empty and one-frame pushes, flushes in the middle (the resampler starts afresh)."""
    chooser = random.Random(16)
    rates = [8000, 11025, 12000, 16000, 22050, 32000, 44100, 48000, 96000, 24000.25, 44100.5]
    sequences = []
    for _ in range(count):
        rate_in, rate_out = chooser.sample(rates, 2)
        sizes = [0, 1, 2, 37, 137, 160, 441, 480, 1024, 4800, int(rate_in) // 2]
        operations = [chooser.choice(sizes) for _ in range(chooser.randrange(5, 40))]
        operations.insert(chooser.randrange(len(operations)), FLUSH)
        operations += [FLUSH, FLUSH]
        sequences.append(
            (chooser.randrange(5), rate_in, rate_out, chooser.choice([1, 2, 3]), operations)
        )
    return sequences


NATIVE_LENGTHS = """
import sys
sys.path.insert(0, {root!r})
from tools.record_soxr_lengths import native_lengths
outputs["lengths"] = [
    native_lengths(int(q), float(a), float(b), int(c), [int(o) for o in ops if o != -2])
    + [-2] * int((ops == -2).sum())  # padded as the operations are
    for (q, a, b, c), ops in zip(inputs["specs"], inputs["operations"])
]
"""


def test_lengths_match_native_on_hard_sequences() -> None:
    sequences = _hard_sequences(40)
    width = max(len(s[4]) for s in sequences)
    scenario = NATIVE_LENGTHS.format(root=str(Path(__file__).resolve().parent.parent))
    native = run_native(
        scenario,
        specs=np.array([s[:4] for s in sequences], dtype=np.float64),
        operations=np.array([s[4] + [-2] * (width - len(s[4])) for s in sequences]),
    )["lengths"]
    differing = []
    for (quality, rate_in, rate_out, channels, operations), expected in zip(
        sequences, native, strict=True
    ):
        expected = [int(n) for n in expected[: len(operations)]]
        ours = lkemu_lengths(quality, rate_in, rate_out, channels, operations)
        if ours != expected:
            differing.append(
                f"{QUALITIES[quality]} {rate_in}->{rate_out} x{channels} {operations}: "
                f"native {expected}, lkemu {ours}"
            )
    assert not differing, "\n".join(differing)


def _sox_request(client: FfiClient, quality: int) -> int:
    request = ffi_pb2.FfiRequest()
    new = request.new_sox_resampler
    new.input_rate, new.output_rate, new.num_channels = 16000, 48000, 1
    new.input_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.output_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.quality_recipe = quality  # type: ignore[assignment]
    handle: int = client.request(request).new_sox_resampler.resampler.handle.id
    return handle


def test_bursts_and_empty_answers_through_the_client(lane_client: FfiClient) -> None:
    """What the SDK sees: an empty push answers a null pointer (AudioResampler.push gives no
    frame), a flush always points somewhere (flush() gives one frame, maybe empty)."""
    handle = _sox_request(lane_client, audio_frame_pb2.SOXR_QUALITY_HIGH)
    tone = (np.sin(np.arange(160 * 9) * 0.05) * 8000).astype(np.int16)
    sizes, outputs = [], []
    for start in range(0, len(tone), 160):
        chunk = np.ascontiguousarray(tone[start : start + 160])
        push = ffi_pb2.FfiRequest()
        push.push_sox_resampler.resampler_handle = handle
        push.push_sox_resampler.data_ptr = chunk.ctypes.data
        push.push_sox_resampler.size = chunk.nbytes
        answer = lane_client.request(push).push_sox_resampler
        assert (answer.output_ptr == 0) == (answer.size == 0)
        sizes.append(answer.size // 2)
        if answer.size:
            outputs.append(ctypes.string_at(answer.output_ptr, answer.size))
    assert sizes == [0, 0, 0, 1576, 0, 0, 0, 1576, 0]  # recorded natively
    assert np.abs(np.frombuffer(b"".join(outputs), np.int16)).max() > 4000
    flush = ffi_pb2.FfiRequest()
    flush.flush_sox_resampler.resampler_handle = handle
    flushed = lane_client.request(flush).flush_sox_resampler
    assert flushed.size // 2 == 160 * 9 * 3 - 2 * 1576
    again = lane_client.request(flush).flush_sox_resampler  # nothing left: empty, not null
    assert again.output_ptr != 0 and again.size == 0 and not again.error
    lane_client.drop_handle(handle)


def _cubic_reference(signal: np.ndarray, io_ratio: float, count: int) -> np.ndarray:
    """soxr's cubic stage sample by sample: output k at 32.32 fixed-point position k * step,
    through the samples around it (one zero before the signal, as soxr preloads)."""
    step = int(io_ratio * 2**32 + 0.5)
    padded = np.concatenate(
        [np.zeros((1, signal.shape[1])), signal, np.zeros((3, signal.shape[1]))]
    )
    out = []
    for k in range(count):
        position = k * step
        n, x = (position >> 32) + 1, (position & 0xFFFFFFFF) / 2**32
        before, here, after, later = padded[n - 1], padded[n], padded[n + 1], padded[n + 2]
        b = 0.5 * (after + before) - here
        a = (1 / 6) * (later - after + before - here - 4 * b)
        c = after - here - a - b
        out.append(((a * x + b) * x + c) * x + here)
    return np.array(out)


@pytest.mark.parametrize(
    ("rate_in", "rate_out"), [(16000, 48000), (44100, 16000), (48000, 16000), (24000, 16000)]
)
def test_quick_is_soxrs_cubic_interpolation(rate_in: int, rate_out: int) -> None:
    from lkemu.engine.dsp.soxr import CubicInterpolator

    rng = np.random.default_rng(rate_in + rate_out)
    signal = rng.standard_normal((3000, 2)) * 1000
    cubic = CubicInterpolator(rate_in / rate_out, 2)
    pieces, start = [], 0
    while start < len(signal):  # in uneven pushes: the result must not depend on them
        size = int(rng.integers(1, 400))
        pieces.append(cubic.push(signal[start : start + size]))
        start += size
    ours = np.concatenate(pieces)
    assert len(ours) > 0.9 * len(signal) * rate_out / rate_in
    np.testing.assert_allclose(ours, _cubic_reference(signal, rate_in / rate_out, len(ours)),
                               rtol=0, atol=1e-9)  # fmt: skip


NATIVE_QUICK = """
import ctypes
import numpy as np
from livekit.rtc._ffi_client import FfiClient, FfiHandle
from livekit.rtc._proto import audio_frame_pb2, ffi_pb2
rate_in, rate_out = (int(r) for r in inputs["rates"])
request = ffi_pb2.FfiRequest()
new = request.new_sox_resampler
new.input_rate, new.output_rate, new.num_channels = rate_in, rate_out, 1
new.input_data_type = new.output_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
new.quality_recipe = audio_frame_pb2.SOXR_QUALITY_QUICK
handle = FfiHandle(FfiClient.instance.request(request).new_sox_resampler.resampler.handle.id)
out, signal, step = [], inputs["signal"], rate_in // 100
for start in range(0, len(signal), step):
    chunk = np.ascontiguousarray(signal[start:start + step])
    push = ffi_pb2.FfiRequest()
    push.push_sox_resampler.resampler_handle = handle.handle
    push.push_sox_resampler.data_ptr, push.push_sox_resampler.size = chunk.ctypes.data, chunk.nbytes
    answer = FfiClient.instance.request(push).push_sox_resampler
    out.append(np.frombuffer(ctypes.string_at(answer.output_ptr, answer.size), np.int16))
outputs["out"] = np.concatenate(out)
"""


@pytest.mark.parametrize(("rate_in", "rate_out"), [(16000, 48000), (44100, 16000)])
def test_quick_samples_are_natives_within_its_dither(rate_in: int, rate_out: int) -> None:
    """Native dithers its int16 output (a time-seeded generator), so 1 LSB apart at most."""
    signal = (np.sin(np.arange(rate_in // 2) * 0.07) * 12000).astype(np.int16)
    native = run_native(NATIVE_QUICK, rates=np.array([rate_in, rate_out]), signal=signal)["out"]
    resampler = SoxResampler(
        audio_frame_pb2.NewSoxResamplerRequest(
            input_rate=rate_in, output_rate=rate_out, num_channels=1,
            quality_recipe=audio_frame_pb2.SOXR_QUALITY_QUICK,
        )
    )  # fmt: skip
    step = rate_in // 100
    ours = b"".join(
        resampler.push(signal[i : i + step].tobytes()) for i in range(0, len(signal), step)
    )
    mine = np.frombuffer(ours, np.int16).astype(np.int32)
    assert len(mine) == len(native)
    assert np.abs(mine - native.astype(np.int32)).max() <= 1
