"""Video buffers across the boundary: the image a VideoBufferInfo describes, read from the
client's memory, and an image handed out as an owned buffer with its plane layout."""

from __future__ import annotations

import numpy as np

from lkemu.proto import video_frame_pb2

from ..core.errors import InvalidRequest
from ..core.memory import Memory
from .layout import PACKED_CHANNELS, TYPE_NAMES, VideoImage, plane_shapes


def read_image(memory: Memory, info: video_frame_pb2.VideoBufferInfo) -> VideoImage:
    """The image a VideoBufferInfo describes, read from the memory the client shipped."""
    width, height, kind = info.width, info.height, info.type
    if width == 0 or height == 0:
        raise InvalidRequest(f"invalid video buffer size {width}x{height}")
    if kind in PACKED_CHANNELS:
        channels = PACKED_CHANNELS[kind]
        stride = info.stride or width * channels
        if stride < width * channels:  # rows would overlap: refused, as a planar stride is
            raise InvalidRequest(f"stride {stride} < {width * channels} bytes (a row)")
        raw = np.frombuffer(memory.read(info.data_ptr, stride * height), dtype=np.uint8)
        pixels = raw.reshape(height, stride)[:, : width * channels].reshape(height, width, channels)
        return VideoImage(kind, width, height, pixels=pixels)
    shapes = plane_shapes(kind, width, height)
    if len(info.components) < len(shapes):
        raise InvalidRequest(
            f"a {TYPE_NAMES.get(kind, kind)} buffer needs {len(shapes)} components, "
            f"got {len(info.components)}"
        )
    planes = []
    for component, shape in zip(info.components, shapes, strict=False):
        if component.stride < shape.stride:
            raise InvalidRequest(f"plane stride {component.stride} < {shape.stride} bytes")
        raw = np.frombuffer(
            memory.read(component.data_ptr, component.stride * shape.rows), np.uint8
        )
        rows = raw.reshape(shape.rows, component.stride)[:, : shape.stride]
        if shape.sample_bytes == 2:
            plane = rows.copy().view("<u2")  # I010: 10-bit samples in 16-bit little-endian
        elif shape.interleaved == 2:
            plane = rows.reshape(shape.rows, shape.width, 2)  # NV12's UV pairs
        else:
            plane = rows
        planes.append(plane)
    return VideoImage(kind, width, height, planes=planes)


def write_owned(
    memory: Memory, image: VideoImage, handle: int, info: video_frame_pb2.VideoBufferInfo
) -> None:
    data, layout = image.to_bytes()
    base = memory.hand_out(data, handle, detached=True)
    info.type, info.width, info.height, info.data_ptr = image.kind, image.width, image.height, base
    if image.kind in PACKED_CHANNELS:
        info.stride = image.width * PACKED_CHANNELS[image.kind]
    for plane in layout:
        info.components.add(data_ptr=base + plane.offset, stride=plane.stride, size=plane.size)
