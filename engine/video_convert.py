"""video_convert: one buffer in (client memory), a converted owned buffer out.

Conversion errors go in the response's `error` field, as native answers them (there they
read "invalid request: <src> to <Dst> is not supported").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lkemu.proto import video_frame_pb2

from .errors import InvalidRequest
from .memory import Memory
from .video.convert import ConversionNotImplemented, UnsupportedConversion, convert
from .video.layout import PACKED_CHANNELS, TYPE_NAMES, VideoImage, plane_shapes

if TYPE_CHECKING:
    from .dispatch import Call


def read_image(memory: Memory, info: video_frame_pb2.VideoBufferInfo) -> VideoImage:
    """The image a VideoBufferInfo describes, read from the memory the client shipped."""
    width, height, kind = info.width, info.height, info.type
    if width == 0 or height == 0:
        raise InvalidRequest(f"invalid video buffer size {width}x{height}")
    if kind in PACKED_CHANNELS:
        channels = PACKED_CHANNELS[kind]
        stride = info.stride or width * channels
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


def on_video_convert(
    call: Call, request: video_frame_pb2.VideoConvertRequest
) -> video_frame_pb2.VideoConvertResponse:
    response = video_frame_pb2.VideoConvertResponse()
    image = read_image(call.memory, request.buffer)
    try:
        converted = convert(image, request.dst_type, request.flip_y)
    except UnsupportedConversion as error:
        response.error = f"invalid request: {error}"
        return response
    except ConversionNotImplemented as error:
        response.error = str(error)
        return response
    handle = call.runtime.handles.next_id()
    response.buffer.handle.id = handle
    write_owned(call.memory, converted, handle, response.buffer.info)
    return response


HANDLERS = {"video_convert": on_video_convert}
