"""Simulcast and SVC quality layers through the public livekit.rtc API.

python-sdks' test_change_video_quality scenario, rewritten: a 1280x720 camera published
with simulcast in each codec (SVC with L3T3_KEY for VP9 and AV1), the receiver asking for
HIGH, LOW and MEDIUM in turn and waiting for frames of each layer's size (q 320x180, h
640x360, f 1280x720). Then what the publications say, dimensions, and the statistics.

Like test_sdk_room_media.py, written for a real LiveKit server too (LIVEKIT_URL and
friends); without one it runs under --lkemu only.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.rtc._proto.track_publication_pb2 import VideoQuality

from tests.helpers import make_token
from tests.sdk.sdk_support import HAS_SCALABILITY_MODE, HAS_VIDEO_QUALITY, requires

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")
NATIVE = bool(os.environ.get("LIVEKIT_URL"))

pytestmark = [] if NATIVE else [pytest.mark.lkemu_only]
needs_quality = requires(HAS_VIDEO_QUALITY, "RemoteTrackPublication.set_video_quality")

WIDTH, HEIGHT, FPS = 1280, 720, 30
LAYERS = {"f": (1280, 720), "h": (640, 360), "q": (320, 180)}


def _token(identity: str, room: str) -> str:
    return make_token(identity, room, api_key=KEY, secret=SECRET)


def _bars(width: int, height: int, step: int) -> rtc.VideoFrame:
    """An I420 frame of eight vertical bars, shifted by `step` (the encoder sees motion)."""
    columns = (np.arange(width) + step * 8) // max(width // 8, 1) % 8
    luma = np.tile((columns * 28 + 32).astype(np.uint8), (height, 1))
    chroma_columns = columns[::2][: (width + 1) // 2]
    u = np.tile((chroma_columns * 18 + 80).astype(np.uint8), ((height + 1) // 2, 1))
    v = np.tile((220 - chroma_columns * 18).astype(np.uint8), ((height + 1) // 2, 1))
    data = np.concatenate([luma.ravel(), u.ravel(), v.ravel()]).tobytes()
    return rtc.VideoFrame(width, height, rtc.VideoBufferType.I420, data)


async def _publish(source: rtc.VideoSource, stop: asyncio.Event) -> None:
    step = 0
    while not stop.is_set():
        source.capture_frame(_bars(WIDTH, HEIGHT, step))
        step += 1
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1 / FPS)


async def _wait_for_layer(
    stream: rtc.VideoStream, size: tuple[int, int], *, timeout: float = 20.0, samples: int = 5
) -> tuple[int, int]:
    """Frames until `samples` in a row are within 20 % of `size` (as the upstream test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    frames = stream.__aiter__()
    matches, last = 0, (0, 0)
    while loop.time() < deadline:
        try:
            event = await asyncio.wait_for(frames.__anext__(), 2.0)
        except TimeoutError:
            continue
        last = (event.frame.width, event.frame.height)
        close = all(abs(got - want) / want <= 0.20 for got, want in zip(last, size, strict=True))
        matches = matches + 1 if close else 0
        if matches >= samples:
            return last
    raise AssertionError(f"no run of {samples} frames near {size}; last {last}")


@asynccontextmanager
async def _camera(
    options: rtc.TrackPublishOptions,
) -> AsyncIterator[tuple[rtc.LocalTrackPublication, rtc.RemoteTrackPublication, rtc.VideoStream]]:
    """A sender publishing a 720p camera with `options` while frames flow, a receiver
    subscribed to it: the local and remote publications and the receiver's stream."""
    room_name = f"quality-{uuid.uuid4().hex[:8]}"
    sender, receiver = rtc.Room(), rtc.Room()
    subscribed: asyncio.Future[rtc.RemoteTrackPublication] = asyncio.Future()

    def on_subscribed(track: Any, publication: Any, participant: Any) -> None:
        if track.kind == rtc.TrackKind.KIND_VIDEO and not subscribed.done():
            subscribed.set_result(publication)

    receiver.on("track_subscribed", on_subscribed)
    await receiver.connect(URL, _token("receiver", room_name))
    await sender.connect(URL, _token("sender", room_name))
    source = rtc.VideoSource(WIDTH, HEIGHT)
    track = rtc.LocalVideoTrack.create_video_track("camera", source)
    stop = asyncio.Event()
    publishing = asyncio.create_task(_publish(source, stop))
    stream: rtc.VideoStream | None = None
    try:
        local = await sender.local_participant.publish_track(track, options)
        remote = await asyncio.wait_for(subscribed, 20)
        assert remote.track is not None
        stream = rtc.VideoStream(remote.track)
        yield local, remote, stream
    finally:
        stop.set()
        await publishing
        if stream is not None:
            await stream.aclose()
        await sender.disconnect()
        await receiver.disconnect()


def _options(codec: Any, svc: bool) -> rtc.TrackPublishOptions:
    options = rtc.TrackPublishOptions(
        source=rtc.TrackSource.SOURCE_CAMERA,
        simulcast=True,
        video_codec=codec,
        video_encoding=rtc.VideoEncoding(max_bitrate=6_000_000, max_framerate=FPS),
    )
    if svc:
        options.scalability_mode = "L3T3_KEY"
    return options


_H265 = NATIVE and os.getenv("LIVEKIT_TEST_H265") != "1"
_H264_MACOS = NATIVE and sys.platform == "darwin" and os.getenv("LIVEKIT_TEST_H264_MACOS") != "1"


@needs_quality
@pytest.mark.parametrize(
    ("codec", "mime", "svc"),
    [
        (rtc.VideoCodec.VP8, "video/VP8", False),
        pytest.param(
            rtc.VideoCodec.H264, "video/H264", False,
            marks=pytest.mark.skipif(_H264_MACOS, reason="H264 needs VideoToolbox on macOS"),
        ),
        pytest.param(
            rtc.VideoCodec.H265, "video/H265", False,
            marks=pytest.mark.skipif(_H265, reason="native H265 is hardware only"),
        ),
        pytest.param(
            rtc.VideoCodec.VP9, "video/VP9", True,
            marks=requires(HAS_SCALABILITY_MODE, "TrackPublishOptions.scalability_mode"),
        ),
        pytest.param(
            rtc.VideoCodec.AV1, "video/AV1", True,
            marks=requires(HAS_SCALABILITY_MODE, "TrackPublishOptions.scalability_mode"),
        ),
    ],
)  # fmt: skip
async def test_each_quality_layer_reaches_the_receiver(codec: Any, mime: str, svc: bool) -> None:
    async with _camera(_options(codec, svc)) as (local, remote, stream):
        assert local.simulcasted and remote.simulcasted
        assert (remote.mime_type, remote.width, remote.height) == (mime, WIDTH, HEIGHT)
        # ask for the top layer first and wait for it (an encoder ramps up to it natively)
        remote.set_video_quality(VideoQuality.VIDEO_QUALITY_HIGH)
        await _wait_for_layer(stream, LAYERS["f"], timeout=40.0)
        for quality, layer in (
            (VideoQuality.VIDEO_QUALITY_HIGH, "f"),
            (VideoQuality.VIDEO_QUALITY_LOW, "q"),
            (VideoQuality.VIDEO_QUALITY_MEDIUM, "h"),
        ):
            remote.set_video_quality(quality)
            assert await _wait_for_layer(stream, LAYERS[layer]) == LAYERS[layer]


@needs_quality
async def test_a_publication_without_layers_refuses_a_quality() -> None:
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA, simulcast=False)
    async with _camera(options) as (local, remote, stream):
        assert not local.simulcasted and not remote.simulcasted
        with pytest.raises(ValueError, match="requires a simulcasted publication"):
            remote.set_video_quality(VideoQuality.VIDEO_QUALITY_LOW)
        assert await _wait_for_layer(stream, LAYERS["f"]) == LAYERS["f"]


async def test_the_publisher_s_own_publication_has_no_codec_yet() -> None:
    async with _camera(_options(rtc.VideoCodec.H264, False)) as (local, remote, _):
        # the server's answer to AddTrack comes before any media: no mime type in it
        assert (local.mime_type, remote.mime_type) == ("", "video/H264")
        assert (local.width, local.height) == (WIDTH, HEIGHT)


@needs_quality
async def test_statistics_report_the_layers_sent_and_the_size_received() -> None:
    async with _camera(_options(rtc.VideoCodec.VP8, False)) as (local, remote, stream):
        remote.set_video_quality(VideoQuality.VIDEO_QUALITY_LOW)
        await _wait_for_layer(stream, LAYERS["q"])
        assert remote.track is not None and local.track is not None
        received = [
            s.inbound_rtp for s in await remote.track.get_stats() if s.HasField("inbound_rtp")
        ]
        assert [(r.inbound.frame_width, r.inbound.frame_height) for r in received] == [(320, 180)]
        sent = [s.outbound_rtp.outbound for s in await local.track.get_stats()
                if s.HasField("outbound_rtp")]  # fmt: skip
        assert sorted((o.rid, o.frame_width, o.frame_height) for o in sent) == [
            ("f", 1280, 720),
            ("h", 640, 360),
            ("q", 320, 180),
        ]
        codecs = {s.codec.codec.mime_type for s in await remote.track.get_stats()
                  if s.HasField("codec")}  # fmt: skip
        assert codecs == {"video/VP8"}
