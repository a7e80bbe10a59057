"""Video streams: new_video_stream on a track, frames out as VideoStreamEvents.

Each frame the track carries is sent as an owned buffer, converted to `format` if one was
asked (a pair native cannot convert is dropped, as native drops it), with the timestamp and
rotation it was captured with, and its metadata when it came through a room. Buffers are
always tightly packed, which is what `normalize_stride` asks for. The stream ends (eos)
when its track ends.
"""

from __future__ import annotations

import logging

from lkemu.proto import ffi_pb2, track_pb2, video_frame_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest
from ..core.memory import Memory
from ..core.registry import handles
from ..core.runtime import EngineRuntime
from ..core.session import Session
from ..video.buffers import write_owned
from ..video.convert import ConversionNotImplemented, UnsupportedConversion, convert
from .sinks import CapturedFrame
from .tracks import SinkHost, Track

logger = logging.getLogger("lkemu.engine")


class VideoStream:
    native_type_name = "livekit_ffi::server::video_stream::FfiVideoStream"

    def __init__(
        self,
        runtime: EngineRuntime,
        session: Session,
        track: SinkHost,
        fmt: video_frame_pb2.VideoBufferType | None,
    ) -> None:
        self.runtime, self.session, self.track, self.format = runtime, session, track, fmt
        self.handle = 0
        self.ended = False

    def start(self, handle: int) -> None:
        self.handle = handle
        self.track.add_sink(self)

    def on_frame(self, frame: CapturedFrame) -> None:
        if self.ended:
            return
        image = frame.image
        # A large converted frame is made in a shared slot the client maps: no copy.
        memory = Memory(share=self.session.share, blob_tag=self.session.blob_tag)
        if self.format is not None and self.format != image.kind:
            try:
                image = convert(image, self.format, output=memory.output_buffer)
            except (UnsupportedConversion, ConversionNotImplemented) as error:
                memory.discard_reserved()
                logger.warning("video stream %d drops a frame: %s", self.handle, error)
                return
            except BaseException:
                memory.discard_reserved()
                raise
        buffer_handle = self.runtime.handles.next_id()
        event = ffi_pb2.FfiEvent()
        stream_event = event.video_stream_event
        stream_event.stream_handle = self.handle
        received = stream_event.frame_received
        received.buffer.handle.id = buffer_handle
        write_owned(memory, image, buffer_handle, received.buffer.info)
        received.timestamp_us = frame.timestamp_us
        received.rotation = frame.rotation
        # Frame metadata travels with frames sent through a room (the packet trailer); a
        # local track's sink never sees it in livekit 1.2.1, so a local stream has none.
        if frame.remote and frame.metadata is not None:
            received.metadata.CopyFrom(frame.metadata)
        self.session.emit(event, memory.outputs)

    def on_end(self) -> None:
        if self.ended:
            return
        self.ended = True
        event = ffi_pb2.FfiEvent()
        event.video_stream_event.stream_handle = self.handle
        event.video_stream_event.eos.SetInParent()
        self.session.emit(event)

    def close(self) -> None:
        self.track.remove_sink(self)
        self.on_end()


@handles("new_video_stream")
def on_new_video_stream(
    call: Call, request: video_frame_pb2.NewVideoStreamRequest
) -> video_frame_pb2.NewVideoStreamResponse:
    track = call.get(request.track_handle, Track)
    if track.kind != track_pb2.KIND_VIDEO:
        raise InvalidRequest("not a video track")
    if request.type != video_frame_pb2.VIDEO_STREAM_NATIVE:
        raise InvalidRequest("unsupported video stream type")
    fmt = field_or(request, "format", None)
    stream = VideoStream(call.runtime, call.session, track, fmt)
    owned = call.own(stream)
    stream.start(owned.id)
    response = video_frame_pb2.NewVideoStreamResponse()
    response.stream.handle.CopyFrom(owned)
    response.stream.info.type = request.type
    return response
