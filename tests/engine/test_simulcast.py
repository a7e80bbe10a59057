"""Simulcast and SVC layers: what a published video track announces (the Rust SDK's
computation), which layer a server forwards to each subscriber, the frames at that
layer's size, and the statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.video import layers
from lkemu.engine.video.layers import HIGH, LOW, MEDIUM, Layer, plan_video, quality_for_dimension
from lkemu.engine.video.layout import T, VideoImage
from lkemu.proto import room_pb2, track_pb2, video_frame_pb2

from .conftest import request_of, token
from .video_peers import VideoPeer, i420_planes, pair, subscribed_track


@pytest.fixture(autouse=True)
def _development_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LIVEKIT_API_KEY", raising=False)
    monkeypatch.delenv("LIVEKIT_API_SECRET", raising=False)
    yield


def _sizes(plan: layers.VideoPlan) -> list[tuple[int, int, int]]:
    return [(layer.quality, layer.width, layer.height) for layer in plan.layers]


# What the Rust SDK announces (options.rs), worked out by hand from its presets.


def test_a_720p_camera_sends_three_layers_at_the_default_presets() -> None:
    plan = plan_video(1280, 720, room_pb2.TrackPublishOptions())
    assert _sizes(plan) == [(LOW, 320, 180), (MEDIUM, 640, 360), (HIGH, 1280, 720)]
    assert [(e.rid, e.scale, e.max_bitrate, e.max_framerate) for e in plan.encodings] == [
        ("f", 1.0, 3_000_000, 30.0),  # h1080's encoding: the first preset wider than 1280
        ("h", 2.0, 450_000, 20.0),
        ("q", 4.0, 160_000, 15.0),
    ]
    assert plan.simulcasted and not plan.svc and plan.mime_type == "video/VP8"
    assert [layer.spatial for layer in plan.layers] == [0, 1, 2]


def test_a_4_3_source_below_960_sends_two_layers_named_q_and_h() -> None:
    plan = plan_video(640, 480, room_pb2.TrackPublishOptions())
    assert _sizes(plan) == [(LOW, 480, 360), (MEDIUM, 640, 480)]
    assert plan.top.max_bitrate == 450_000  # 4:3's h540


def test_a_small_source_or_no_simulcast_is_one_layer() -> None:
    assert _sizes(plan_video(320, 240, room_pb2.TrackPublishOptions())) == [(LOW, 320, 240)]
    options = room_pb2.TrackPublishOptions(simulcast=False)
    plan = plan_video(1920, 1080, options)
    assert _sizes(plan) == [(LOW, 1920, 1080)] and not plan.simulcasted


def test_a_screen_share_adds_one_half_size_layer_at_3_fps() -> None:
    options = room_pb2.TrackPublishOptions(source=track_pb2.SOURCE_SCREENSHARE)
    plan = plan_video(1920, 1080, options)
    assert _sizes(plan) == [(LOW, 960, 540), (MEDIUM, 1920, 1080)]
    assert [(e.max_bitrate, e.max_framerate) for e in plan.encodings] == [
        (3_000_000, 30.0),
        (150_000, 3.0),
    ]


@pytest.mark.parametrize(
    ("codec", "bitrate", "mime"),
    [
        (video_frame_pb2.VP8, 3_000_000, "video/VP8"),
        (video_frame_pb2.H264, 3_000_000, "video/H264"),
        (video_frame_pb2.VP9, 2_550_000, "video/VP9"),
        (video_frame_pb2.AV1, 2_100_000, "video/AV1"),
        (video_frame_pb2.H265, 3_000_000, "video/H265"),
    ],
)
def test_the_codec_sets_the_bitrate_and_the_mime_type(codec: int, bitrate: int, mime: str) -> None:
    plan = plan_video(1280, 720, room_pb2.TrackPublishOptions(video_codec=codec))  # type: ignore[arg-type]
    assert (plan.top.max_bitrate, plan.mime_type) == (bitrate, mime)


def test_an_svc_mode_is_one_encoding_announcing_halving_spatial_layers() -> None:
    options = room_pb2.TrackPublishOptions(
        video_codec=video_frame_pb2.VP9,
        scalability_mode="L3T3_KEY",
        video_encoding=room_pb2.VideoEncoding(max_bitrate=6_000_000, max_framerate=15),
    )
    plan = plan_video(1280, 720, options)
    assert len(plan.encodings) == 1 and plan.svc and plan.simulcasted
    assert _sizes(plan) == [(LOW, 320, 180), (MEDIUM, 640, 360), (HIGH, 1280, 720)]
    assert {layer.bitrate for layer in plan.layers} == {2_000_000}
    options.scalability_mode = "L1T3"
    assert _sizes(plan_video(1280, 720, options)) == [(LOW, 1280, 720)]


# Which layer a server forwards (livekit-server's own test cases of GetQualityForDimension).


def _layers(*heights_widths: tuple[int, int, int]) -> tuple[Layer, ...]:
    return layers.server_layers(
        [Layer(quality, width, height, 0, 1.0) for quality, width, height in heights_widths]
    )


@pytest.mark.parametrize(
    ("size", "announced", "asked", "quality"),
    [
        ((1080, 720), (), (120, 120), LOW),
        ((1080, 720), (), (300, 200), LOW),
        ((1080, 720), (), (200, 250), MEDIUM),
        ((1080, 720), (), (700, 480), HIGH),
        ((1080, 720), (), (500, 1000), HIGH),
        ((540, 960), (), (200, 400), LOW),
        ((540, 960), (), (400, 400), MEDIUM),
        ((540, 960), (), (400, 700), MEDIUM),
        ((540, 960), (), (600, 900), HIGH),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 960, 540), (HIGH, 1080, 720)), (120, 120), LOW),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 960, 540), (HIGH, 1080, 720)), (300, 300), LOW),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 960, 540), (HIGH, 1080, 720)), (800, 500), MEDIUM),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 960, 540), (HIGH, 1080, 720)), (1000, 700), HIGH),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 1080, 720), (HIGH, 1080, 720)), (800, 500), HIGH),
        ((1080, 720), ((LOW, 480, 270), (MEDIUM, 480, 270), (HIGH, 1080, 720)), (120, 120), MEDIUM),
    ],
)
def test_dimensions_map_to_a_quality_as_the_server_maps_them(
    size: tuple[int, int],
    announced: tuple[tuple[int, int, int], ...],
    asked: tuple[int, int],
    quality: int,
) -> None:
    assert quality_for_dimension(*size, _layers(*announced), [], *asked) == quality


def test_a_quality_above_the_layers_there_are_maps_to_the_highest() -> None:
    two = _layers((LOW, 480, 360), (MEDIUM, 640, 480))
    assert [layers.spatial_for_quality(q, two) for q in (LOW, MEDIUM, HIGH)] == [0, 1, 1]
    one = _layers((LOW, 320, 240))
    assert [layers.spatial_for_quality(q, one) for q in (LOW, MEDIUM, HIGH)] == [0, 0, 0]


def _boxes(plane: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Box means one box at a time: boxes from 16.16 fixed-point steps, each sum times
    65536 // its area, shifted back (libyuv's ScaleBox arithmetic)."""
    row_step, col_step = (plane.shape[0] << 16) // rows, (plane.shape[1] << 16) // cols
    out = np.zeros((rows, cols), np.uint8)
    for i in range(rows):
        for j in range(cols):
            box = plane[(i * row_step) >> 16 : ((i + 1) * row_step) >> 16,
                        (j * col_step) >> 16 : ((j + 1) * col_step) >> 16]  # fmt: skip
            out[i, j] = (int(box.sum(dtype=np.int64)) * (65536 // box.size)) >> 16
    return out


def test_a_plane_is_averaged_down_by_boxes() -> None:
    plane = np.arange(16, dtype=np.uint8).reshape(4, 4) * 10
    half = layers.scale_plane(plane, 2, 2)
    assert half.tolist() == [[25, 45], [105, 125]]  # rounded means of 2x2 blocks
    odd = layers.scale_plane(np.full((6, 9), 77, np.uint8), 4, 7)
    assert odd.shape == (4, 7) and set(odd.ravel().tolist()) <= {76, 77}
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (97, 131), dtype=np.uint8)
    for rows, cols in ((60, 70), (10, 9), (48, 65), (7, 3), (97, 40)):
        assert np.array_equal(layers.scale_plane(noise, rows, cols), _boxes(noise, rows, cols))
    image = VideoImage(T.I420, 8, 4, planes=i420_planes(8, 4))
    scaled = layers.scale_i420(image, 4, 2)
    assert (scaled.width, scaled.height) == (4, 2)
    assert [p.shape for p in scaled.planes or []] == [(2, 4), (1, 2), (1, 2)]


# Through rooms.


@dataclass
class Scene:
    """A sender publishing a 720p camera and a receiver subscribed to it."""

    sender: VideoPeer
    receiver: VideoPeer
    source: int
    local_track: int
    remote_track: int
    stream: int  # the receiver's, on the remote track
    publication: int  # the receiver's


async def _publish_720p(runtime: EngineRuntime, **options: object) -> Scene:
    sender, receiver = await pair(runtime)
    source, track = sender.new_video(1280, 720)
    await sender.publish_video(track, **options)
    remote_track, publication, _ = await subscribed_track(receiver)
    stream = receiver.stream(remote_track)
    return Scene(sender, receiver, source, track, remote_track, stream, publication)


async def _frame_until(scene: Scene, size: tuple[int, int]) -> list[tuple[int, int]]:
    """Capture 720p frames until the receiver gets one of `size`: the sizes it got."""
    seen: list[tuple[int, int]] = []
    for _ in range(200):
        scene.sender.capture(scene.source, i420_planes(1280, 720))
        frame = await scene.receiver.frame(scene.stream)
        seen.append((frame.width, frame.height))
        if seen[-1] == size:
            return seen
        await asyncio.sleep(0.01)
    raise AssertionError(f"never got {size}: {seen[-5:]}")


def _set_quality(peer: VideoPeer, publication: int, quality: int) -> None:
    peer.run(
        request_of(
            "set_remote_track_publication_quality",
            track_publication_handle=publication,
            quality=quality,
        )
    )


async def test_publications_announce_simulcast_and_the_codec_once_it_flows(
    runtime: EngineRuntime,
) -> None:
    sender, receiver = await pair(runtime)
    _, track = sender.new_video(1280, 720)
    local = await sender.publish_video(track, video_codec=video_frame_pb2.H264)
    assert (local.info.simulcasted, local.info.mime_type) == (True, "")
    assert (local.info.width, local.info.height) == (1280, 720)
    _, _, info = await subscribed_track(receiver)
    assert (info.simulcasted, info.mime_type, info.width) == (True, "video/H264", 1280)
    _, small = sender.new_video(320, 240)
    await sender.publish_video(small, simulcast=True)
    _, _, info = await subscribed_track(receiver)
    assert (info.simulcasted, info.mime_type) == (False, "video/VP8")


async def test_a_subscriber_starts_high_and_gets_the_layer_it_asks_for(
    runtime: EngineRuntime,
) -> None:
    scene = await _publish_720p(runtime)
    sender, receiver, source, stream = scene.sender, scene.receiver, scene.source, scene.stream
    publication = scene.publication
    sender.capture(source, i420_planes(1280, 720, luma=100))
    first = await receiver.frame(stream)
    assert (first.width, first.height, first.kind) == (1280, 720, video_frame_pb2.I420)
    _set_quality(receiver, publication, LOW)
    await _frame_until(scene, (320, 180))
    low = await _frame_until(scene, (320, 180))
    assert low == [(320, 180)]  # it stays there
    _set_quality(receiver, publication, MEDIUM)
    await _frame_until(scene, (640, 360))
    sender.capture(source, i420_planes(1280, 720, luma=100))
    frame = await receiver.frame(stream)
    assert [p.shape for p in frame.planes] == [(360, 640), (180, 320), (180, 320)]
    assert {int(frame.planes[0].min()), int(frame.planes[0].max())} == {100}
    assert {int(frame.planes[1].min()), int(frame.planes[2].max())} == {90, 160}


async def test_requested_dimensions_choose_the_layer(runtime: EngineRuntime) -> None:
    scene = await _publish_720p(runtime)
    receiver, publication = scene.receiver, scene.publication

    def ask(width: int, height: int) -> None:
        receiver.run(
            request_of(
                "update_remote_track_publication_dimension",
                track_publication_handle=publication,
                width=width,
                height=height,
            )
        )

    ask(300, 170)
    await _frame_until(scene, (320, 180))
    ask(640, 400)  # 400 less 10 % is 360: the h layer still covers it
    await _frame_until(scene, (640, 360))
    ask(1280, 720)
    await _frame_until(scene, (1280, 720))
    ask(0, 720)  # no width: the settings' quality, which a dimension request leaves LOW
    await _frame_until(scene, (320, 180))


async def test_re_enabling_a_publication_goes_back_to_its_dimension(
    runtime: EngineRuntime,
) -> None:
    scene = await _publish_720p(runtime)
    sender, receiver, source, stream = scene.sender, scene.receiver, scene.source, scene.stream
    publication = scene.publication
    _set_quality(receiver, publication, LOW)
    await _frame_until(scene, (320, 180))

    def enable(enabled: bool) -> None:
        receiver.run(
            request_of(
                "enable_remote_track_publication",
                track_publication_handle=publication,
                enabled=enabled,
            )
        )

    enable(False)
    enable(True)  # the SDK sends the publication's 1280x720: HIGH, applied at once
    sender.capture(source, i420_planes(1280, 720))
    frame = await receiver.frame(stream)
    assert (frame.width, frame.height) == (1280, 720)


async def test_a_quality_asked_before_subscribing_applies_from_the_first_frame(
    runtime: EngineRuntime,
) -> None:
    sender, receiver = VideoPeer(runtime, "sender"), VideoPeer(runtime, "receiver")
    await sender.connect("video")
    request = request_of(
        "connect",
        url="ws://lkemu",
        token=token("receiver", "video"),
        options={"auto_subscribe": False},
    )
    done = await receiver.call(request)
    receiver.room = done.result.room.handle.id
    source, track = sender.new_video(1280, 720)
    await sender.publish_video(track)
    published = await receiver.event("track_published")
    publication = published.publication.handle.id
    _set_quality(receiver, publication, MEDIUM)
    await asyncio.sleep(0.15)  # past the debounce: nothing to apply it to yet
    receiver.run(request_of("set_subscribed", subscribe=True, publication_handle=publication))
    subscribed = await receiver.event("track_subscribed")
    stream = receiver.stream(subscribed.track.handle.id)
    sender.capture(source, i420_planes(1280, 720))
    frame = await receiver.frame(stream)
    assert (frame.width, frame.height) == (640, 360)


async def test_a_publication_without_layers_ignores_a_quality(runtime: EngineRuntime) -> None:
    sender, receiver = await pair(runtime)
    source, track = sender.new_video(1280, 720)
    await sender.publish_video(track, simulcast=False)
    remote_track, publication, info = await subscribed_track(receiver)
    assert not info.simulcasted
    stream = receiver.stream(remote_track)
    _set_quality(receiver, publication, LOW)  # the SDK only logs a warning
    await asyncio.sleep(0.15)
    sender.capture(source, i420_planes(1280, 720))
    frame = await receiver.frame(stream)
    assert (frame.width, frame.height) == (1280, 720)


async def test_quality_requests_need_a_remote_publication(runtime: EngineRuntime) -> None:
    sender, _ = await pair(runtime)
    _, track = sender.new_video(1280, 720)
    local = await sender.publish_video(track)
    for kind, extra in (
        ("set_remote_track_publication_quality", {"quality": LOW}),
        ("update_remote_track_publication_dimension", {"width": 1, "height": 1}),
    ):
        with pytest.raises(dispatch.RequestFailed) as failed:
            sender.run(request_of(kind, track_publication_handle=local.handle.id, **extra))
        assert failed.value.message.endswith("publication is not a RemotePublication")
        with pytest.raises(dispatch.RequestFailed) as failed:
            sender.run(request_of(kind, track_publication_handle=0, **extra))
        assert failed.value.message.endswith("handle is invalid")


async def test_stats_report_each_layer_and_what_the_subscriber_decodes(
    runtime: EngineRuntime,
) -> None:
    scene = await _publish_720p(runtime, video_codec=video_frame_pb2.H264)
    sender, receiver, publication = scene.sender, scene.receiver, scene.publication
    _set_quality(receiver, publication, LOW)
    await _frame_until(scene, (320, 180))
    sent = await sender.call(request_of("get_stats", track_handle=scene.local_track))
    outbound = sorted(
        (s.outbound_rtp.outbound.rid, s.outbound_rtp.outbound.frame_width,
         s.outbound_rtp.outbound.frame_height, int(s.outbound_rtp.outbound.target_bitrate))
        for s in sent.stats
        if s.HasField("outbound_rtp")
    )  # fmt: skip
    assert outbound == [
        ("f", 1280, 720, 3_000_000),
        ("h", 640, 360, 450_000),
        ("q", 320, 180, 160_000),
    ]
    assert {s.codec.codec.mime_type for s in sent.stats if s.HasField("codec")} == {"video/H264"}
    got = await receiver.call(request_of("get_stats", track_handle=scene.remote_track))
    (inbound,) = [s.inbound_rtp.inbound for s in got.stats if s.HasField("inbound_rtp")]
    assert (inbound.frame_width, inbound.frame_height) == (320, 180)
