"""SDK-level video: public livekit.rtc API only; passes natively and under --lkemu."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from livekit import rtc
from livekit.rtc._proto import video_frame_pb2

from tests.sdk.sdk_support import HAS_FRAME_METADATA, requires

W, H = 64, 48


def _gradient_rgba() -> rtc.VideoFrame:
    x = np.linspace(0, 255, W, dtype=np.float64)[None, :].repeat(H, axis=0)
    y = np.linspace(0, 255, H, dtype=np.float64)[:, None].repeat(W, axis=1)
    pixels = np.stack([x, y, 255 - x, np.full_like(x, 255)], axis=-1).astype(np.uint8)
    return rtc.VideoFrame(W, H, rtc.VideoBufferType.RGBA, pixels.tobytes())


def test_video_frame_convert_round_trip() -> None:
    frame = _gradient_rgba()
    i420 = frame.convert(rtc.VideoBufferType.I420)
    assert (i420.width, i420.height, i420.type) == (W, H, rtc.VideoBufferType.I420)
    back = i420.convert(rtc.VideoBufferType.RGBA)
    ours = np.frombuffer(bytes(back.data), np.uint8).astype(np.int16)
    original = np.frombuffer(bytes(frame.data), np.uint8).astype(np.int16)
    assert np.abs(ours - original).mean() < 4  # smooth image: chroma subsampling loses little


@requires(HAS_FRAME_METADATA, "video frame metadata (FrameMetadata)")
async def test_video_stream_carries_frames_timestamps_and_metadata() -> None:
    source = rtc.VideoSource(W, H)
    track = rtc.LocalVideoTrack.create_video_track("camera", source)
    stream = rtc.VideoStream(track, format=rtc.VideoBufferType.RGBA)
    received: list[rtc.VideoFrameEvent] = []

    async def read() -> None:
        async for event in stream:
            received.append(event)
            if len(received) == 3:
                return

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.05)
    for index in range(3):
        metadata = video_frame_pb2.FrameMetadata(user_timestamp=1000 + index, frame_id=index)
        source.capture_frame(_gradient_rgba(), timestamp_us=(index + 1) * 33_333,
                             metadata=metadata)  # fmt: skip
        await asyncio.sleep(0.02)
    await asyncio.wait_for(reader, timeout=5)
    await stream.aclose()
    assert [e.frame.type for e in received] == [rtc.VideoBufferType.RGBA] * 3
    assert [(e.frame.width, e.frame.height) for e in received] == [(W, H)] * 3
    # On a local track the native core re-stamps frames with its own monotonic clock
    # (WebRTC's timestamp aligner) and its sink drops frame metadata (that travels through
    # rooms): only the order of the timestamps survives.
    stamps = [e.timestamp_us for e in received]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert all(e.metadata is None for e in received)


@pytest.mark.parametrize("bad", [rtc.VideoBufferType.ABGR])
def test_unsupported_conversion_raises(bad: rtc.VideoBufferType.ValueType) -> None:
    with pytest.raises(Exception, match="not supported"):
        _gradient_rgba().convert(bad)
