"""Video sources and local video tracks: new_video_source, capture_video_frame,
create_video_track.

Timestamps: the native core re-stamps a captured frame with its monotonic clock (WebRTC's
timestamp aligner), so a local stream sees capture times, not the caller's timestamp_us.
lkemu does the same on the real clock; on the virtual clock the caller's timestamp is kept,
so runs stay exact. Frame metadata is kept with the frame for rooms to carry; native
streams on a local track do not receive it.

A captured frame becomes what WebRTC would carry: packed RGB buffers are converted to
I420 (as the native core's to_libwebrtc_buffer does), planar buffers keep their type. It is
delivered to the streams of every track made from the source, with its timestamp, rotation
and metadata; there is no callback (native answers synchronously). The buffer is read (and
a bad one refused) before the answer; the conversion and the delivery run on the engine's
loop right after it, before anything that arrives later, as native's streams receive the
frame on their own threads after capture_frame returned. So the client gets on with its
next frame while the engine converts this one (bench/bench_sdk_video.py, 1080p source to
stream, on a loaded machine: 0.54x native's frames a second before, 0.69x after).
VIDEO_SOURCE_ENCODED sources are engine/media/encoded_video.py's (SOURCE_MAKERS); raw
frames on one are refused as native refuses them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from lkemu.proto import track_pb2, video_frame_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest
from ..core.registry import handles
from ..video.buffers import read_image
from ..video.convert import convert
from ..video.layout import PACKED_CHANNELS, T, VideoImage
from .sinks import CapturedFrame, VideoSink
from .tracks import LocalTrack

logger = logging.getLogger("lkemu.engine")


class VideoSource:
    native_type_name = "livekit_ffi::server::video_source::FfiVideoSource"
    takes_raw_frames = True  # capture_video_frame (an encoded source takes access units)

    def __init__(self, width: int, height: int, is_screencast: bool) -> None:
        self.width, self.height, self.is_screencast = width, height, is_screencast
        self.tracks: list[LocalVideoTrack] = []

    def wake(self) -> None:
        """Video is never held back by its consumers: nothing waits to be woken."""

    def capture(self, frame: CapturedFrame) -> None:
        for track in list(self.tracks):
            track.deliver(frame)

    def close(self) -> None:
        for track in list(self.tracks):
            track.close()


class LocalVideoTrack(LocalTrack):
    kind = track_pb2.KIND_VIDEO
    source: VideoSource
    sinks: list[VideoSink]

    def add_sink(self, sink: VideoSink) -> None:
        self.sinks.append(sink)

    def remove_sink(self, sink: VideoSink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)

    def deliver(self, frame: CapturedFrame) -> None:
        self.sent_units += 1
        self.sent_bytes += frame.image.nbytes
        if self.muted:
            return  # a disabled video track sends no frames
        for sink in list(self.sinks):
            sink.on_frame(frame)


# Makers of the other source types, by VideoSourceType (engine/media/encoded_video.py).
SOURCE_MAKERS: dict[int, Callable[[video_frame_pb2.NewVideoSourceRequest], VideoSource]] = {}


@handles("new_video_source")
def on_new_video_source(
    call: Call, request: video_frame_pb2.NewVideoSourceRequest
) -> video_frame_pb2.NewVideoSourceResponse:
    resolution = request.resolution
    if request.type in SOURCE_MAKERS:
        source = SOURCE_MAKERS[request.type](request)
    elif request.type == video_frame_pb2.VIDEO_SOURCE_NATIVE:
        source = VideoSource(resolution.width, resolution.height, request.is_screencast)
    else:
        raise InvalidRequest("unsupported video source type")
    response = video_frame_pb2.NewVideoSourceResponse()
    response.source.handle.CopyFrom(call.own(source))
    response.source.info.type = request.type
    return response


@handles("capture_video_frame")
def on_capture_video_frame(
    call: Call, request: video_frame_pb2.CaptureVideoFrameRequest
) -> video_frame_pb2.CaptureVideoFrameResponse:
    source = call.get(request.source_handle, VideoSource)
    if not source.takes_raw_frames:
        raise InvalidRequest("raw frames require a native video source")
    image = read_image(call.memory, request.buffer)
    metadata = field_or(request, "metadata", None)
    if metadata is not None and not metadata.ListFields():
        metadata = None  # native drops an empty metadata message
    timestamp = request.timestamp_us
    if not call.runtime.media_clock.virtual:
        timestamp = call.runtime.media_clock.now_us()
    rotation = request.rotation

    def deliver() -> None:
        frame_image: VideoImage = image
        try:
            if frame_image.kind in PACKED_CHANNELS:
                frame_image = convert(frame_image, T.I420)
            source.capture(CapturedFrame(frame_image, timestamp, rotation, metadata))
        except Exception:  # a bug in lkemu: this frame is lost, the source goes on
            logger.exception("capture_video_frame: delivering a frame failed")

    try:
        asyncio.get_running_loop().call_soon(deliver)
    except RuntimeError:  # no loop runs (a runtime driven without one): deliver now
        deliver()
    return video_frame_pb2.CaptureVideoFrameResponse()


@handles("create_video_track")
def on_create_video_track(
    call: Call, request: track_pb2.CreateVideoTrackRequest
) -> track_pb2.CreateVideoTrackResponse:
    source = call.get(request.source_handle, VideoSource)
    track = LocalVideoTrack(request.name, source)
    response = track_pb2.CreateVideoTrackResponse()
    response.track.handle.CopyFrom(call.own(track))
    response.track.info.CopyFrom(track.info())
    return response
