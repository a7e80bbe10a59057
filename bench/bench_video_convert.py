"""video_convert I420 <-> RGBA at 640x480, 1280x720, 1920x1080: lkemu (through the bindings,
answered by the local lane in this process as native answers it, and the NumPy conversion
alone) and native VideoFrame.convert, in one run."""

from __future__ import annotations

import numpy as np
import pytest
from report import RowReporter, median_us

from lkemu.bindings import FfiClient
from lkemu.bindings.pointers import video_buffer_length
from lkemu.engine.video.convert import convert
from lkemu.engine.video.layout import VideoImage, tight_planes
from lkemu.proto import ffi_pb2, video_frame_pb2

T = video_frame_pb2.VideoBufferType
SIZES = [(640, 480), (1280, 720), (1920, 1080)]
PAIRS = [(T.I420, T.RGBA), (T.RGBA, T.I420)]
CASES = [(s, d, w, h) for s, d in PAIRS for w, h in SIZES]
IDS = [f"{'I420-RGBA' if s == T.I420 else 'RGBA-I420'}-{w}x{h}" for s, d, w, h in CASES]
ROW_1080P = "`video_convert` {} 1920x1080, per frame: through the bindings / NumPy alone"
ROW_480P = "`video_convert` 640x480, per frame, through the bindings: I420 -> RGBA / RGBA -> I420"
README_ROWS = [ROW_1080P.format("I420 -> RGBA"), ROW_1080P.format("RGBA -> I420"), ROW_480P]


def _report(bench_report: RowReporter, side: str, src: int, w: int, part: int, ms: float) -> None:
    """1080p figures go to their pair's row (`part` 0: bindings or native, 1: NumPy alone);
    640x480 ones through the bindings to the row of both pairs; 720p to pytest's table only."""
    pair = "I420 -> RGBA" if src == T.I420 else "RGBA -> I420"
    if w == 1920:
        bench_report(ROW_1080P.format(pair), side, ms, unit="ms", part=part)
    elif w == 640 and part == 0:
        bench_report(ROW_480P, side, ms, unit="ms", part=0 if src == T.I420 else 1)


def _data(kind: int, width: int, height: int) -> np.ndarray:
    n = video_buffer_length(kind, width, height)
    return np.random.default_rng(width).integers(0, 256, n, dtype=np.uint8)


def _request(data: np.ndarray, src: int, dst: int, w: int, h: int) -> ffi_pb2.FfiRequest:
    request = ffi_pb2.FfiRequest()
    request.video_convert.dst_type = dst
    info = request.video_convert.buffer
    info.type, info.width, info.height, info.data_ptr = src, w, h, data.ctypes.data
    if src == T.I420:
        for plane in tight_planes(src, w, h):
            info.components.add(
                data_ptr=data.ctypes.data + plane.offset, stride=plane.stride, size=plane.size
            )
    return request


@pytest.mark.parametrize(("src", "dst", "w", "h"), CASES, ids=IDS)
def test_video_convert_lkemu(
    benchmark, lkemu_client: FfiClient, src, dst, w, h, bench_report
) -> None:  # type: ignore[no-untyped-def]
    data = _data(src, w, h)
    request = _request(data, src, dst, w, h)
    benchmark.group = f"video_convert {IDS[CASES.index((src, dst, w, h))]}"

    def once() -> None:
        response = lkemu_client.request(request).video_convert
        lkemu_client.drop_handle(response.buffer.handle.id)

    benchmark(once)
    _report(bench_report, "lkemu", src, w, 0, median_us(benchmark) / 1000)


@pytest.mark.parametrize(("src", "dst", "w", "h"), CASES, ids=IDS)
def test_video_convert_numpy_alone_lkemu(benchmark, src, dst, w, h, bench_report) -> None:  # type: ignore[no-untyped-def]
    data = _data(src, w, h)
    if src == T.I420:
        chroma = ((w + 1) // 2, (h + 1) // 2)
        planes = [
            data[plane.offset : plane.offset + plane.size].reshape(ph, pw)
            for plane, (pw, ph) in zip(
                tight_planes(src, w, h), [(w, h), chroma, chroma], strict=True
            )
        ]
        image = VideoImage(src, w, h, planes=planes)
    else:
        image = VideoImage(src, w, h, pixels=data.reshape(h, w, 4))
    benchmark.group = f"video_convert {IDS[CASES.index((src, dst, w, h))]} (NumPy alone)"
    benchmark(lambda: convert(image, dst))
    _report(bench_report, "lkemu", src, w, 1, median_us(benchmark) / 1000)


@pytest.mark.parametrize(("src", "dst", "w", "h"), CASES, ids=IDS)
def test_video_convert_native(benchmark, native_rtc, src, dst, w, h, bench_report) -> None:  # type: ignore[no-untyped-def]
    frame = native_rtc.VideoFrame(w, h, src, bytearray(_data(src, w, h).tobytes()))
    benchmark.group = f"video_convert {IDS[CASES.index((src, dst, w, h))]}"
    benchmark(lambda: frame.convert(dst))
    _report(bench_report, "native", src, w, 0, median_us(benchmark) / 1000)
