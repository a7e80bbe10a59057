"""Memory layout of video buffers, as the native core hands them out.

Byte orders are the FFI's: RGBA means bytes R, G, B, A in memory (libyuv would call that
"ABGR"). Planar buffers are one allocation: Y, then U, then V (then A), tight strides,
chroma of (width+1)//2 by (height+1)//2 for 4:2:0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lkemu.proto.video_frame_pb2 import VideoBufferType

T = VideoBufferType
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
    stride: int  # bytes
    rows: int

    @property
    def size(self) -> int:
        return self.stride * self.rows


@dataclass(frozen=True)
class PlaneShape:
    """One plane of a planar type: samples across, rows, bytes per sample, samples per pixel."""

    width: int
    rows: int
    sample_bytes: int = 1
    interleaved: int = 1

    @property
    def stride(self) -> int:
        return self.width * self.sample_bytes * self.interleaved


def plane_shapes(kind: VideoBufferType, width: int, height: int) -> list[PlaneShape]:
    cw, ch = (width + 1) // 2, (height + 1) // 2
    shapes = {
        T.I420: [PlaneShape(width, height), PlaneShape(cw, ch), PlaneShape(cw, ch)],
        T.I420A: [PlaneShape(width, height), PlaneShape(cw, ch), PlaneShape(cw, ch),
                  PlaneShape(width, height)],
        T.I422: [PlaneShape(width, height), PlaneShape(cw, height), PlaneShape(cw, height)],
        T.I444: [PlaneShape(width, height)] * 3,
        T.I010: [PlaneShape(width, height, 2), PlaneShape(cw, ch, 2), PlaneShape(cw, ch, 2)],
        T.NV12: [PlaneShape(width, height), PlaneShape(cw, ch, 1, 2)],
    }  # fmt: skip
    if kind not in shapes:
        raise ValueError(f"{native_type_name(kind)} is not a planar type")
    return shapes[kind]


def tight_planes(kind: VideoBufferType, width: int, height: int) -> list[Plane]:
    """Planes one after the other with tight strides, as the native core allocates them."""
    planes, offset = [], 0
    for shape in plane_shapes(kind, width, height):
        planes.append(Plane(offset, shape.stride, shape.rows))
        offset += shape.stride * shape.rows
    return planes


@dataclass
class VideoImage:
    """A decoded buffer: packed pixels (h, w, channels) uint8, or planes (2-D arrays: uint8,
    uint16 for I010, (rows, cols, 2) for NV12's interleaved chroma)."""

    kind: VideoBufferType
    width: int
    height: int
    pixels: np.ndarray | None = None  # packed types
    planes: list[np.ndarray] | None = None  # planar types
    # The buffer the arrays fill, tight and in order, when a conversion made them in one
    # it was given (a shared slot's pages): handed out as it is.
    backing: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        if self.pixels is not None:
            return int(self.pixels.nbytes)
        return sum(int(plane.nbytes) for plane in self.planes or [])

    def to_bytes(self) -> tuple[bytes | bytearray, list[Plane]]:
        """Tight, contiguous bytes and the plane layout within them (empty for packed).

        An image whose arrays already fill one bytearray in that layout (what the fast
        conversions make) is handed over as that bytearray, without a copy.
        """
        arrays = [self.pixels] if self.pixels is not None else list(self.planes or [])
        layout = [] if self.pixels is not None else tight_planes(self.kind, self.width, self.height)
        if self.backing is not None:
            return self.backing, layout  # type: ignore[return-value]
        backing = _filled_bytearray(arrays)
        if backing is not None:
            return backing, layout
        data = b"".join(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
                        for a in arrays)  # fmt: skip
        return data, layout


def _filled_bytearray(arrays: list[np.ndarray]) -> bytearray | None:
    """The bytearray these arrays are consecutive, contiguous views of, end to end."""
    if not arrays:
        return None
    root = arrays[0].base
    while isinstance(root, np.ndarray):
        root = root.base
    if isinstance(root, memoryview):  # np.frombuffer keeps a view of the object it reads
        root = root.obj
    if not isinstance(root, bytearray):
        return None
    start = np.frombuffer(root, np.uint8).ctypes.data
    for array in arrays:
        if not array.flags.c_contiguous or array.ctypes.data != start:
            return None
        start += array.nbytes
    if start != np.frombuffer(root, np.uint8).ctypes.data + len(root):
        return None
    return root
