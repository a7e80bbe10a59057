"""Pre-encoded video through the public livekit.rtc API (EncodedVideoSource).

A local stream on an encoded source runs natively with no server: it gets a black frame of
each access unit's size. Through a room the payloads here are not real H264, which a
native subscriber's decoder would not show: those tests run under --lkemu only, where the
subscriber gets what lkemu makes of an access unit it cannot decode (black frames, from
the first key frame on, with timestamps and metadata).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
from livekit import rtc

from lkemu.bindings.control import EngineControl
from tests.helpers import make_token
from tests.sdk.sdk_support import HAS_ENCODED_VIDEO, requires

pytestmark = requires(HAS_ENCODED_VIDEO, "EncodedVideoSource")

URL = "ws://localhost:7880"


def _unit(payload: bytes, key: bool, width: int = 640, height: int = 360, **more: Any) -> Any:
    return rtc.EncodedVideoFrame(
        data=payload,
        width=width,
        height=height,
        codec=rtc.VideoCodec.H264,
        frame_type=rtc.EncodedFrameType.ENCODED_FRAME_KEY
        if key
        else rtc.EncodedFrameType.ENCODED_FRAME_DELTA,
        timestamp_us=more.pop("timestamp_us", 1),
        **more,
    )


async def _frames(stream: rtc.VideoStream, count: int) -> list[rtc.VideoFrameEvent]:
    got: list[rtc.VideoFrameEvent] = []
    async for event in stream:
        got.append(event)
        if len(got) == count:
            break
    return got


async def test_a_local_stream_gets_a_black_frame_of_each_access_unit() -> None:
    source = rtc.EncodedVideoSource(640, 360)
    track = rtc.LocalVideoTrack.create_video_track("encoded", source)
    stream = rtc.VideoStream(track)
    reading = asyncio.create_task(_frames(stream, 2))
    await asyncio.sleep(0.05)
    assert source.capture_frame(_unit(b"\x00\x00\x00\x01\x65key", True, 320, 240))
    await asyncio.sleep(0.05)  # native's stream keeps one frame: a reader slower drops some
    assert source.capture_frame(_unit(b"\x00\x00\x00\x01\x41d", False, 322, 240))
    events = await asyncio.wait_for(reading, 5)
    await stream.aclose()
    assert [(e.frame.width, e.frame.height, e.frame.type) for e in events] == [
        (320, 240, rtc.VideoBufferType.I420),
        (322, 240, rtc.VideoBufferType.I420),
    ]
    data = np.frombuffer(bytes(events[0].frame.data), np.uint8)
    assert int(data[: 320 * 240].max()) == 0 and set(data[320 * 240 :].tolist()) == {128}
    feedback = source.take_feedback()  # not published: no encoder asks anything
    assert not feedback.keyframe_requested and feedback.rate_control is None
    await source.aclose()


@asynccontextmanager
async def _pre_encoded() -> AsyncIterator[tuple[rtc.EncodedVideoSource, rtc.VideoStream, str]]:
    """A sender publishing a pre-encoded H264 track and a subscribed receiver: the source,
    the receiver's stream and the room's name."""
    name = f"encoded-{uuid.uuid4().hex[:8]}"
    sender, receiver = rtc.Room(), rtc.Room()
    subscribed: asyncio.Future[rtc.RemoteVideoTrack] = asyncio.Future()
    receiver.on("track_subscribed", lambda track, *_: subscribed.set_result(track))
    await receiver.connect(URL, make_token("receiver", name))
    await sender.connect(URL, make_token("sender", name))
    source = rtc.EncodedVideoSource(640, 360)
    track = rtc.LocalVideoTrack.create_video_track("encoded", source)
    options = rtc.TrackPublishOptions(
        source=rtc.TrackSource.SOURCE_CAMERA,
        video_codec=rtc.VideoCodec.H264,
        video_encoder=rtc.VideoEncoderBackend.ENCODER_BACKEND_PRE_ENCODED,
        simulcast=False,
    )
    options.frame_metadata_features.append(rtc.FrameMetadataFeature.FMF_FRAME_ID)
    await sender.local_participant.publish_track(track, options)
    stream = rtc.VideoStream(await asyncio.wait_for(subscribed, 10))
    try:
        yield source, stream, name
    finally:
        await stream.aclose()
        await sender.disconnect()
        await receiver.disconnect()


@pytest.mark.lkemu_only
async def test_a_subscriber_gets_frames_from_the_first_key_frame() -> None:
    async with _pre_encoded() as (source, stream, _):
        reading = asyncio.create_task(_frames(stream, 2))
        await asyncio.sleep(0.05)
        metadata = rtc.FrameMetadata(frame_id=41, user_timestamp=5)
        for unit in (
            _unit(b"d0", False, timestamp_us=1000),  # nothing to decode yet
            _unit(b"k1", True, timestamp_us=2000, metadata=metadata),
            _unit(b"d2", False, 320, 180, timestamp_us=3000),
        ):
            source.capture_frame(unit)
            await asyncio.sleep(0.02)
        first, second = await asyncio.wait_for(reading, 5)
        assert [(e.frame.width, e.frame.height) for e in (first, second)] == [
            (640, 360),
            (320, 180),
        ]
        assert first.timestamp_us < second.timestamp_us
        assert first.metadata is not None and first.metadata.frame_id == 41
        assert not first.metadata.HasField("user_timestamp")  # not a published feature


@pytest.mark.lkemu_only
async def test_the_source_hears_key_frame_requests_and_rate_targets() -> None:
    async with _pre_encoded() as (source, _, _):
        source.capture_frame(_unit(b"d0", False))  # the encoder's first frame should be key
        feedback = source.take_feedback()
        assert feedback.keyframe_requested
        assert feedback.rate_control is not None
        assert feedback.rate_control.target_bitrate_bps == 800_000  # h540's, for 640x360
        source.capture_frame(_unit(b"k1", True))
        source.capture_frame(_unit(b"d2", False))
        assert source.take_feedback() == rtc.EncodedVideoSourceFeedback(False, None)


@pytest.mark.lkemu_only
async def test_the_control_service_plays_the_network_to_the_encoder(
    lkemu_control: EngineControl,
) -> None:
    async with _pre_encoded() as (source, _, room):
        source.capture_frame(_unit(b"k0", True))
        source.take_feedback()
        lkemu_control.send_encoder_feedback(
            room, "sender", keyframe=True, target_bitrate_bps=250_000, framerate_fps=12.5
        )
        assert source.take_feedback() == rtc.EncodedVideoSourceFeedback(False, None)
        source.capture_frame(_unit(b"d1", False))  # heard with the next frame encoded
        assert source.take_feedback() == rtc.EncodedVideoSourceFeedback(
            True, rtc.EncodedRateControl(250_000, 12.5)
        )
