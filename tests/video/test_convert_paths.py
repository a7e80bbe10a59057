"""The fast conversions (even sides, strips on every core) give exactly what the general
path gives: the general path is the one compared with native (test_convert_parity.py) at
small sizes, so this is what carries that parity to frames of many strips."""

from __future__ import annotations

import numpy as np
import pytest

from lkemu.engine.video import convert as conversions
from lkemu.engine.video.layout import VideoImage
from lkemu.proto import video_frame_pb2

T = video_frame_pb2.VideoBufferType
FOUR_BYTE = [T.RGBA, T.BGRA, T.ARGB, T.ABGR]
# 1280x720 at 512K pixels a strip is two strips, the second one shorter.
SIZE = (1280, 720)


def _planes(width: int, height: int) -> list[np.ndarray]:
    rng = np.random.default_rng(width + height)
    return [
        rng.integers(0, 256, (height, width), dtype=np.uint8),
        rng.integers(0, 256, (height // 2, width // 2), dtype=np.uint8),
        rng.integers(0, 256, (height // 2, width // 2), dtype=np.uint8),
    ]


@pytest.mark.parametrize("dst", FOUR_BYTE)
@pytest.mark.parametrize("flip", [False, True])
def test_i420_to_packed_fast_path_equals_general_path(
    dst: video_frame_pb2.VideoBufferType, flip: bool
) -> None:
    width, height = SIZE
    y, u, v = _planes(width, height)
    fast = conversions.convert(VideoImage(T.I420, width, height, planes=[y, u, v]), dst, flip)
    general = conversions._yuv_to_rgb(y, u, v, T.I420)
    expected = conversions._pack(general[::-1] if flip else general, dst)
    assert fast.pixels is not None
    assert np.array_equal(fast.pixels, expected)


@pytest.mark.parametrize("src", FOUR_BYTE)
@pytest.mark.parametrize("flip", [False, True])
def test_packed_to_i420_fast_path_equals_general_path(
    src: video_frame_pb2.VideoBufferType, flip: bool
) -> None:
    width, height = SIZE
    pixels = np.random.default_rng(src).integers(0, 256, (height, width, 4), dtype=np.uint8)
    image = VideoImage(src, width, height, pixels=pixels)
    fast = conversions.convert(image, T.I420, flip)
    rgb = conversions._rgb_of(image)
    expected = conversions._rgb_to_i420(rgb[::-1] if flip else rgb)
    assert fast.planes is not None
    for ours, theirs in zip(fast.planes, expected, strict=True):
        assert np.array_equal(ours, theirs)


def test_fast_results_are_handed_over_without_a_copy() -> None:
    width, height = SIZE
    rgba = conversions.convert(VideoImage(T.I420, width, height, planes=_planes(width, height)),
                               T.RGBA)  # fmt: skip
    data, _ = rgba.to_bytes()
    assert isinstance(data, bytearray) and len(data) == width * height * 4
    i420 = conversions.convert(rgba, T.I420)
    data, layout = i420.to_bytes()
    assert isinstance(data, bytearray) and len(data) == sum(plane.size for plane in layout)
    assert i420.planes is not None
    assert bytes(data[: width * height]) == i420.planes[0].tobytes()


def test_odd_sides_take_the_general_path() -> None:
    width, height = 641, 361
    rng = np.random.default_rng(1)
    cw, ch = (width + 1) // 2, (height + 1) // 2
    y = rng.integers(0, 256, (height, width), dtype=np.uint8)
    u, v = (rng.integers(0, 256, (ch, cw), dtype=np.uint8) for _ in range(2))
    assert conversions._yuv420_to_packed(y, u, v, T.I420, T.RGBA, False) is None
    out = conversions.convert(VideoImage(T.I420, width, height, planes=[y, u, v]), T.RGBA)
    assert out.pixels is not None and out.pixels.shape == (height, width, 4)


@pytest.mark.parametrize("dst", FOUR_BYTE)
def test_every_chroma_pair_at_the_luma_extremes(dst: video_frame_pb2.VideoBufferType) -> None:
    """The fast path's 16-bit lanes hold every sum: all 65536 (u, v) pairs, each under
    black, white and random luma, give the general path's pixels."""
    side = 512  # a 256 x 256 chroma plane: every pair once
    u, v = (a.astype(np.uint8) for a in np.meshgrid(np.arange(256), np.arange(256)))
    rng = np.random.default_rng(7)
    for y in (
        np.zeros((side, side), np.uint8),
        np.full((side, side), 255, np.uint8),
        rng.integers(0, 256, (side, side), dtype=np.uint8),
    ):
        fast = conversions.convert(VideoImage(T.I420, side, side, planes=[y, u, v]), dst)
        expected = conversions._pack(conversions._yuv_to_rgb(y, u, v, T.I420), dst)
        assert fast.pixels is not None
        assert np.array_equal(fast.pixels, expected)
