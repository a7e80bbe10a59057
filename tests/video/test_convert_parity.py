"""video_convert against livekit 1.2.1: every pair lkemu implements, random and smooth images."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.pointers import video_buffer_length
from lkemu.engine.video.convert import IMPLEMENTED_SOURCES, NATIVE_PAIRS
from lkemu.engine.video.layout import PACKED_CHANNELS, TYPE_NAMES, tight_planes
from lkemu.proto import ffi_pb2
from lkemu.proto.video_frame_pb2 import VideoBufferType
from tests.native import run_native

T = VideoBufferType
SIZES = [(64, 48), (63, 35)]
PAIRS = [(s, d) for s in sorted(IMPLEMENTED_SOURCES) for d in sorted(NATIVE_PAIRS[s])]


def _images(kind: VideoBufferType, width: int, height: int) -> dict[str, np.ndarray]:
    n = video_buffer_length(kind, width, height)
    rng = np.random.default_rng(width * 100 + kind)
    if kind == T.I010:  # 10-bit samples in 16-bit words
        words = n // 2
        smooth = (np.linspace(0, 1023, words) + 100 * np.sin(np.arange(words) / 97)).clip(0, 1023)
        return {
            "random": rng.integers(0, 1024, words, dtype=np.uint16).view(np.uint8),
            "smooth": smooth.astype(np.uint16).view(np.uint8),
        }
    smooth = (np.linspace(0, 255, n) + 40 * np.sin(np.arange(n) / 97)).clip(0, 255)
    return {"random": rng.integers(0, 256, n, dtype=np.uint8), "smooth": smooth.astype(np.uint8)}


NATIVE = """
import numpy as np
from livekit import rtc
for key, data in inputs.items():
    src, dst, w, h, flip = (int(x) for x in key.split("_")[:5])
    frame = rtc.VideoFrame(w, h, src, bytearray(data.tobytes()))
    outputs[key] = np.frombuffer(bytes(frame.convert(dst, flip_y=bool(flip)).data), np.uint8)
"""


def _lkemu(client: FfiClient, data: np.ndarray, src: VideoBufferType, dst: VideoBufferType,
           w: int, h: int, flip: bool) -> np.ndarray:  # fmt: skip
    request = ffi_pb2.FfiRequest()
    convert = request.video_convert
    convert.flip_y, convert.dst_type = flip, dst
    info = convert.buffer
    info.type, info.width, info.height, info.data_ptr = src, w, h, data.ctypes.data
    if src not in PACKED_CHANNELS:
        for plane in tight_planes(src, w, h):
            info.components.add(
                data_ptr=data.ctypes.data + plane.offset, stride=plane.stride, size=plane.size
            )
    response = client.request(request).video_convert
    assert response.WhichOneof("message") == "buffer", response.error
    out = response.buffer.info
    length = video_buffer_length(dst, w, h)
    return np.frombuffer(ctypes.string_at(out.data_ptr, length), np.uint8).copy()


@pytest.mark.parametrize(
    ("src", "dst"), PAIRS, ids=[f"{TYPE_NAMES[s]}-{TYPE_NAMES[d]}" for s, d in PAIRS]
)
def test_conversion_matches_native(
    lane_client: FfiClient, src: VideoBufferType, dst: VideoBufferType
) -> None:
    if src == T.ABGR:
        # livekit 1.2.1 asserts the wrong source type in cvt_abgr (cvtimpl.rs:101) and panics.
        pytest.skip("native ABGR -> I420 panics in livekit 1.2.1: nothing to compare with")
    if src == T.I010:
        # The SDK's I010 VideoFrame gives the native core a Y plane it finds too short.
        pytest.skip("native I010 conversions assert in livekit 1.2.1: nothing to compare with")
    sizes = SIZES
    if src in (T.I422, T.I444) and dst == T.I420:
        # Chroma scaled by a fraction when a side is odd: each side odd on its own too.
        sizes = [*SIZES, (63, 48), (64, 35), (1, 7), (7, 1)]
    if src == dst == T.NV12:
        # Native's NV12 copy asserts on the SDK's own buffers (src_stride_uv >= width + ...).
        pytest.skip("native NV12 -> NV12 asserts in livekit 1.2.1: nothing to compare with")
    inputs = {}
    for w, h in sizes:
        for flip in (0, 1):
            for name, data in _images(src, w, h).items():
                inputs[f"{src}_{dst}_{w}_{h}_{flip}_{name}"] = data
    native = run_native(NATIVE, **inputs)
    worst_mean, worst_max = 0.0, 0
    for key, data in inputs.items():
        _, _, w, h, flip = (int(x) for x in key.split("_")[:5])
        ours = _lkemu(lane_client, np.ascontiguousarray(data), src, dst, w, h, bool(flip))
        theirs = native[key]
        assert len(ours) == len(theirs)
        diff = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
        worst_mean, worst_max = max(worst_mean, float(diff.mean())), max(worst_max, int(diff.max()))
    print(f"{TYPE_NAMES[src]}->{TYPE_NAMES[dst]}: mean abs diff {worst_mean:.3f}, max {worst_max}")
    assert worst_mean <= 1.0 and worst_max <= 2


def test_unsupported_pairs_answer_native_error(lane_client: FfiClient) -> None:
    data = np.zeros(64 * 48 * 4, np.uint8)
    request = ffi_pb2.FfiRequest()
    convert = request.video_convert
    convert.dst_type = T.ABGR
    info = convert.buffer
    info.type, info.width, info.height, info.data_ptr = T.RGBA, 64, 48, data.ctypes.data
    response = lane_client.request(request).video_convert
    assert response.error == "invalid request: rgba to Abgr is not supported"
