"""Helpers of the video room tests (test_simulcast.py, test_encoded_video.py): participants
that publish raw or encoded video and read what their streams receive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.proto import engine_pb2, ffi_pb2, track_pb2, video_frame_pb2

from .conftest import INPUT_ADDRESS, next_event, request_of, run
from .test_rooms import Peer


@dataclass
class Frame:
    """One frame a video stream received."""

    width: int
    height: int
    kind: int
    timestamp_us: int
    planes: list[np.ndarray]
    metadata: video_frame_pb2.FrameMetadata | None


def i420_planes(width: int, height: int, luma: int = 100) -> list[np.ndarray]:
    cw, ch = (width + 1) // 2, (height + 1) // 2
    return [
        np.full((height, width), luma, np.uint8),
        np.full((ch, cw), 90, np.uint8),
        np.full((ch, cw), 160, np.uint8),
    ]


class VideoPeer(Peer):
    def new_video(self, width: int, height: int, *, encoded: bool = False) -> tuple[int, int]:
        kind = (
            video_frame_pb2.VIDEO_SOURCE_ENCODED if encoded else video_frame_pb2.VIDEO_SOURCE_NATIVE
        )
        request = request_of(
            "new_video_source", type=kind, resolution={"width": width, "height": height}
        )
        source = self.run(request).source.handle.id
        request = request_of("create_video_track", name="cam", source_handle=source)
        return source, self.run(request).track.handle.id

    async def publish_video(self, track: int, **options: Any) -> Any:
        options.setdefault("source", track_pb2.SOURCE_CAMERA)
        request = request_of(
            "publish_track",
            local_participant_handle=self.local,
            track_handle=track,
            options=options,
        )
        done = await self.call(request)
        assert not done.HasField("error"), done.error
        return done.publication

    def capture(self, source: int, planes: list[np.ndarray], timestamp_us: int = 0) -> None:
        """Capture an I420 frame made of these planes."""
        height, width = planes[0].shape
        data = b"".join(plane.tobytes() for plane in planes)
        components, offset = [], 0
        for plane in planes:
            components.append(
                {"data_ptr": INPUT_ADDRESS + offset, "stride": plane.shape[1], "size": plane.size}
            )
            offset += plane.size
        buffer = {
            "type": video_frame_pb2.I420,
            "width": width,
            "height": height,
            "data_ptr": INPUT_ADDRESS,
            "components": components,
        }
        memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=data)])
        request = request_of(
            "capture_video_frame", source_handle=source, buffer=buffer, timestamp_us=timestamp_us
        )
        self.run(request, memory)

    def capture_encoded(
        self,
        source: int,
        payload: bytes,
        *,
        codec: int = video_frame_pb2.H264,
        key: bool = True,
        width: int = 640,
        height: int = 360,
        timestamp_us: int = 0,
        metadata: dict[str, Any] | None = None,
    ) -> Any:
        memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=payload)])
        fields: dict[str, Any] = {
            "source_handle": source,
            "buffer": {"data_ptr": INPUT_ADDRESS, "data_len": len(payload)},
            "codec": codec,
            "frame_type": video_frame_pb2.ENCODED_FRAME_KEY
            if key
            else video_frame_pb2.ENCODED_FRAME_DELTA,
            "width": width,
            "height": height,
            "timestamp_us": timestamp_us,
        }
        if metadata is not None:
            fields["metadata"] = metadata
        return self.run(request_of("capture_encoded_video_frame", **fields), memory)

    def feedback(self, source: int) -> Any:
        return self.run(request_of("take_encoded_video_source_feedback", source_handle=source))

    def stream(self, track: int) -> int:
        request = request_of(
            "new_video_stream", track_handle=track, type=video_frame_pb2.VIDEO_STREAM_NATIVE
        )
        handle: int = self.run(request).stream.handle.id
        return handle

    async def frame(self, stream: int) -> Frame:
        received = await next_event(
            self.session,
            lambda e: (
                e.video_stream_event.stream_handle == stream
                and e.video_stream_event.HasField("frame_received")
            ),
        )
        event = received.event.video_stream_event.frame_received
        info = event.buffer.info
        whole = np.frombuffer(received.blob(info.data_ptr), np.uint8)
        chroma = (info.height + 1) // 2
        planes = []
        for component, rows in zip(info.components, (info.height, chroma, chroma), strict=True):
            start = component.data_ptr - info.data_ptr
            data = whole[start : start + component.size]
            planes.append(data.reshape(rows, component.stride))
        metadata = event.metadata if event.HasField("metadata") else None
        return Frame(info.width, info.height, info.type, event.timestamp_us, planes, metadata)


async def subscribed_track(peer: VideoPeer) -> tuple[int, int, Any]:
    """The next track_subscribed `peer` hears: its track handle, its publication's handle
    and info (from the track_published before it)."""
    published = await peer.event("track_published")
    subscribed = await peer.event("track_subscribed")
    return subscribed.track.handle.id, published.publication.handle.id, published.publication.info


async def pair(runtime: EngineRuntime, room: str = "video") -> tuple[VideoPeer, VideoPeer]:
    sender, receiver = VideoPeer(runtime, "sender"), VideoPeer(runtime, "receiver")
    await receiver.connect(room)
    await sender.connect(room)
    return sender, receiver


def request(kind: str, /, **fields: Any) -> ffi_pb2.FfiRequest:
    return request_of(kind, **fields)


__all__ = ["Frame", "VideoPeer", "i420_planes", "pair", "request", "run", "subscribed_track"]
