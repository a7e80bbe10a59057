"""VideoSource -> LocalVideoTrack -> VideoStream through the bindings, and big frames."""

from __future__ import annotations

import asyncio
import ctypes
from collections.abc import Iterator

import numpy as np
import pytest

from lkemu.bindings import FfiClient, FfiRequestError
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.engine.wire import shared_blobs
from lkemu.proto import ffi_pb2, video_frame_pb2
from tests.helpers import new_source, new_track

T = video_frame_pb2.VideoBufferType


def _source(client: FfiClient) -> int:
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    request.new_video_source.resolution.width = 64
    request.new_video_source.resolution.height = 48
    return client.request(request).new_video_source.source.handle.id


def _track(client: FfiClient, source: int) -> int:
    request = ffi_pb2.FfiRequest()
    request.create_video_track.name, request.create_video_track.source_handle = "cam", source
    return client.request(request).create_video_track.track.handle.id


def _stream(
    client: FfiClient, track: int, fmt: video_frame_pb2.VideoBufferType | None = None
) -> int:
    request = ffi_pb2.FfiRequest()
    request.new_video_stream.track_handle = track
    request.new_video_stream.type = video_frame_pb2.VIDEO_STREAM_NATIVE
    if fmt is not None:
        request.new_video_stream.format = fmt
    return client.request(request).new_video_stream.stream.handle.id


def _capture(client: FfiClient, source: int, pixels: np.ndarray, timestamp_us: int) -> None:
    request = ffi_pb2.FfiRequest()
    capture = request.capture_video_frame
    capture.source_handle, capture.timestamp_us = source, timestamp_us
    capture.rotation = video_frame_pb2.VIDEO_ROTATION_90
    info = capture.buffer
    info.type, info.height, info.width = T.RGBA, pixels.shape[0], pixels.shape[1]
    info.data_ptr = pixels.ctypes.data
    client.request(request)


async def test_frames_keep_their_timestamps_on_the_virtual_clock(virtual_client: FfiClient) -> None:
    client = virtual_client
    source = _source(client)
    track = _track(client, source)
    queue = client.queue.subscribe(
        filter_fn=lambda e: e.WhichOneof("message") == "video_stream_event"
    )
    stream = _stream(client, track, T.RGBA)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 64, 4), dtype=np.uint8) for _ in range(3)]
    for index, pixels in enumerate(frames):
        pixels[..., 3] = 255
        _capture(client, source, pixels, (index + 1) * 33_333)
    events = [await asyncio.wait_for(queue.get(), 5) for _ in range(3)]
    for index, event in enumerate(events):
        received = event.video_stream_event.frame_received
        assert event.video_stream_event.stream_handle == stream
        assert received.timestamp_us == (index + 1) * 33_333
        assert received.rotation == video_frame_pb2.VIDEO_ROTATION_90
        info = received.buffer.info
        assert (info.type, info.width, info.height, info.stride) == (T.RGBA, 64, 48, 256)
        data = np.frombuffer(ctypes.string_at(info.data_ptr, 64 * 48 * 4), np.uint8)
        # through I420 and back: close to what was captured, not equal (chroma subsampling)
        assert np.abs(data.astype(int) - frames[index].ravel().astype(int)).mean() < 40
        client.drop_handle(received.buffer.handle.id)
    client.drop_handle(track)
    eos = await asyncio.wait_for(queue.get(), 5)
    assert eos.video_stream_event.WhichOneof("message") == "eos"


def test_stream_errors(client: FfiClient) -> None:
    source = _source(client)
    with pytest.raises(FfiRequestError, match=r"handle is not a .*FfiTrack"):
        _stream(client, source)
    track = new_track(client, new_source(client))
    with pytest.raises(FfiRequestError, match="not a video track"):
        _stream(client, track)


@pytest.fixture(params=["shared", "inline"])
def engine_client(
    request: pytest.FixtureRequest, engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FfiClient]:
    """A client that sends everything to the engine, big blobs through /dev/shm or inline."""
    if request.param == "inline":
        monkeypatch.setenv("LKEMU_SHARED_MEMORY", "0")
    elif not shared_blobs.available():
        pytest.skip("no writable /dev/shm here")
    made = FfiClient(address=engine.address, local_lane=False)
    assert made.connection.shared_memory == (request.param == "shared")
    yield made
    made.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_frames_beyond_grpcs_default_limit_cross(
    engine_client: FfiClient, width: int, height: int
) -> None:
    """A 4K RGBA frame is 33 MB: it must cross both ways intact, shared or inline."""
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., 0] = np.arange(width, dtype=np.uint32) % 256
    pixels[..., 3] = 255
    request = ffi_pb2.FfiRequest()
    request.video_convert.dst_type = T.BGRA
    info = request.video_convert.buffer
    info.type, info.width, info.height, info.data_ptr = T.RGBA, width, height, pixels.ctypes.data
    response = engine_client.request(request).video_convert
    out = response.buffer.info
    converted = np.frombuffer(ctypes.string_at(out.data_ptr, width * height * 4), np.uint8)
    converted = converted.reshape(height, width, 4)
    assert np.array_equal(converted[..., 2], pixels[..., 0])  # R moved to byte 2 in BGRA
    engine_client.drop_handle(response.buffer.handle.id)
