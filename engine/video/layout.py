"""Memory layout of video buffers, as the native core hands them out.

Byte orders are the FFI's: RGBA means bytes R, G, B, A in memory (libyuv would call that
"ABGR"). Planar buffers are one allocation: Y, then U, then V (then A), tight strides,
chroma of (width+1)//2 by (height+1)//2 for 4:2:0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lkemu.proto import video_frame_pb2

T = video_frame_pb2.VideoBufferType
PACKED_CHANNELS = {T.RGBA: 4, T.ABGR: 4, T.ARGB: 4, T.BGRA: 4, T.RGB24: 3}
# Where R, G, B (and A) sit in each packed type's pixel.
CHANNEL_ORDER = {
    T.RGBA: (0, 1, 2, 3),
    T.BGRA: (2, 1, 0, 3),
    T.ARGB: (1, 2, 3, 0),
    T.ABGR: (3, 2, 1, 0),
    T.RGB24: (0, 1, 2, None),
}
TYPE_NAMES = {value: name for name, value in T.items()}


def native_type_name(kind: int) -> str:
    """The Debug name prost prints for a VideoBufferType, as in native error messages."""
    name = TYPE_NAMES.get(kind, str(kind))
    return {"I420A": "I420a", "NV12": "Nv12", "RGB24": "Rgb24"}.get(name, name.capitalize())


@dataclass
class Plane:
    offset: int
    stride: int
    rows: int

    @property
    def size(self) -> int:
        return self.stride * self.rows


def i420_planes(width: int, height: int) -> list[Plane]:
    chroma_w, chroma_h = (width + 1) // 2, (height + 1) // 2
    y = Plane(0, width, height)
    u = Plane(y.size, chroma_w, chroma_h)
    v = Plane(u.offset + u.size, chroma_w, chroma_h)
    return [y, u, v]


@dataclass
class VideoImage:
    """A decoded buffer: packed pixels (h, w, channels) or planes (each 2-D uint8)."""

    kind: int
    width: int
    height: int
    pixels: np.ndarray | None = None  # packed types
    planes: list[np.ndarray] | None = None  # planar types

    def to_bytes(self) -> tuple[bytes, list[Plane]]:
        """Tight, contiguous bytes and the plane layout within them (empty for packed)."""
        if self.pixels is not None:
            return np.ascontiguousarray(self.pixels).tobytes(), []
        assert self.planes is not None
        layout = i420_planes(self.width, self.height)
        return b"".join(np.ascontiguousarray(p).tobytes() for p in self.planes), layout
