"""video_convert: one buffer in (client memory), a converted owned buffer out.

Conversion errors go in the response's `error` field, as native answers them (there they
read "invalid request: <src> to <Dst> is not supported").
"""

from __future__ import annotations

from lkemu.proto import video_frame_pb2

from ..core.call import Call
from ..core.registry import handles
from ..video.buffers import read_image, write_owned
from ..video.convert import (
    ConversionNotImplemented,
    UnsupportedConversion,
    check_pair,
    convert,
)


@handles("video_convert")
def on_video_convert(
    call: Call, request: video_frame_pb2.VideoConvertRequest
) -> video_frame_pb2.VideoConvertResponse:
    response = video_frame_pb2.VideoConvertResponse()
    try:
        # The pair first: native refuses one it does not convert without reading the buffer.
        check_pair(request.buffer.type, request.dst_type)
        # Served by the engine to a client that shares memory: made in a shared slot.
        converted = convert(
            read_image(call.memory, request.buffer),
            request.dst_type,
            request.flip_y,
            output=call.memory.output_buffer,
        )
    except UnsupportedConversion as error:
        response.error = f"invalid request: {error}"
        return response
    except ConversionNotImplemented as error:
        response.error = str(error)
        return response
    except BaseException:
        call.memory.discard_reserved()
        raise
    handle = call.runtime.handles.next_id()
    response.buffer.handle.id = handle
    write_owned(call.memory, converted, handle, response.buffer.info)
    return response
