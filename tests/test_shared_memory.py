"""Large blobs through /dev/shm: used only when both sides see it, never left behind, and
refused clearly when a name is wrong."""

from __future__ import annotations

import asyncio
import ctypes
import mmap
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.connection import EngineConnection
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.pointers import collect_inputs
from lkemu.engine.wire import shared_blobs
from lkemu.proto import engine_pb2, ffi_pb2, video_frame_pb2

T = video_frame_pb2.VideoBufferType
WIDTH, HEIGHT = 1920, 1080

pytestmark = pytest.mark.skipif(not shared_blobs.available(), reason="no writable /dev/shm")


def _blobs_of(tag: str) -> set[str]:
    """The shared blobs of the session with this tag (both ways), still on /dev/shm."""
    prefix = f"lkemu-blob-{tag}-"
    return {name for name in os.listdir(shared_blobs.SHARED_DIR) if name.startswith(prefix)}


def _video_pipeline(
    request_fn: Callable[[ffi_pb2.FfiRequest], ffi_pb2.FfiResponse],
    width: int = WIDTH,
    height: int = HEIGHT,
) -> int:
    """A source, its track and an RGBA stream; returns the source handle."""
    new = ffi_pb2.FfiRequest()
    new.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    new.new_video_source.resolution.width, new.new_video_source.resolution.height = width, height
    source = request_fn(new).new_video_source.source.handle.id
    track = ffi_pb2.FfiRequest()
    track.create_video_track.name, track.create_video_track.source_handle = "cam", source
    track_handle = request_fn(track).create_video_track.track.handle.id
    stream = ffi_pb2.FfiRequest()
    stream.new_video_stream.track_handle = track_handle
    stream.new_video_stream.type = video_frame_pb2.VIDEO_STREAM_NATIVE
    stream.new_video_stream.format = T.RGBA
    request_fn(stream)
    return source


def _capture_request(source: int, pixels: np.ndarray, timestamp_us: int) -> ffi_pb2.FfiRequest:
    request = ffi_pb2.FfiRequest()
    capture = request.capture_video_frame
    capture.source_handle, capture.timestamp_us = source, timestamp_us
    info = capture.buffer
    info.type, info.height, info.width = T.RGBA, pixels.shape[0], pixels.shape[1]
    info.data_ptr = pixels.ctypes.data
    return request


def _gradient() -> np.ndarray:
    pixels = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    pixels[..., 0] = np.arange(WIDTH) % 256
    pixels[..., 1] = (np.arange(HEIGHT) % 256)[:, None]
    pixels[..., 3] = 255
    return pixels


async def test_1080p_frames_arrive_through_shared_memory(virtual_engine: EmbeddedEngine) -> None:
    client = FfiClient(address=virtual_engine.address, local_lane=False)
    try:
        assert client.connection.shared_memory
        queue = client.queue.subscribe(
            filter_fn=lambda e: e.WhichOneof("message") == "video_stream_event"
        )
        source = _video_pipeline(client.request)
        pixels = _gradient()
        for index in range(3):
            client.request(_capture_request(source, pixels, (index + 1) * 33_333))
        for index in range(3):
            event = await asyncio.wait_for(queue.get(), 10)
            received = event.video_stream_event.frame_received
            assert received.timestamp_us == (index + 1) * 33_333
            info = received.buffer.info
            data = np.frombuffer(ctypes.string_at(info.data_ptr, WIDTH * HEIGHT * 4), np.uint8)
            difference = np.abs(data.reshape(HEIGHT, WIDTH, 4).astype(int) - pixels.astype(int))
            assert difference.mean() < 2  # through I420 and back
            client.drop_handle(received.buffer.handle.id)
        assert client.memory.owners() == 0
        assert not _blobs_of(client.connection.blob_tag)
    finally:
        client.close()


def test_blobs_nobody_read_are_removed_with_the_session(virtual_engine: EmbeddedEngine) -> None:
    """A client that never reads its events (no event stream at all) and goes away."""
    connection = EngineConnection.connect(virtual_engine.address)
    connection.open_session(False, "test", "0")
    assert connection.shared_memory

    def request(message: ffi_pb2.FfiRequest) -> ffi_pb2.FfiResponse:
        reply = connection.request(message.SerializePartialToString())
        assert reply.handle, reply.error
        return ffi_pb2.FfiResponse.FromString(reply.response)

    source = _video_pipeline(request)
    pixels = _gradient()
    sent: set[str] = set()
    for index in range(2):
        capture = _capture_request(source, pixels, index)
        raw = capture.SerializePartialToString()
        inputs = collect_inputs(capture, connection.blob_tag)
        sent |= {blob.shared_name for blob in inputs}
        reply = connection.request(raw, inputs)
        assert reply.handle, reply.error
    left = _blobs_of(connection.blob_tag)
    assert sent and not sent & left  # the engine took the captured frames
    assert len(left) >= 1  # frames written for a reader that never came
    connection.close_session()
    connection.close()
    assert not _blobs_of(connection.blob_tag)


def test_bad_shared_names_are_refused(client: FfiClient) -> None:
    for name in ("../../etc/passwd", "lkemu-blob-1/../x", "other"):
        with pytest.raises(ValueError):
            shared_blobs.take(name)
    # Another session's blob: refused, and left where it is.
    other = shared_blobs.write(b"not yours", shared_blobs.new_tag())
    with pytest.raises(ValueError, match="not an lkemu shared blob of this session"):
        shared_blobs.take(other, client.connection.blob_tag)
    assert shared_blobs.exists(other)
    shared_blobs.discard(other)
    # A call naming a shared blob that is not there: a clear failure, and the engine serves on.
    request = ffi_pb2.FfiRequest()
    request.video_convert.dst_type = T.BGRA
    info = request.video_convert.buffer
    info.type, info.width, info.height, info.data_ptr = T.RGBA, 640, 480, 0x10000
    missing = engine_pb2.Blob(address=0x10000, shared_name="lkemu-blob-0-missing")
    reply = client.connection.request(request.SerializeToString(), [missing])
    assert reply.handle == 0
    assert "shared client memory could not be read" in reply.error
    assert "lkemu-blob-0-missing" in reply.error
    new = ffi_pb2.FfiRequest()
    new.new_audio_resampler.SetInParent()
    assert client.request(new).new_audio_resampler.resampler.handle.id


def test_an_engine_that_cannot_read_the_probe_keeps_blobs_inline(
    engine: EmbeddedEngine,
) -> None:
    connection = EngineConnection.connect(engine.address)
    try:
        request = engine_pb2.OpenSessionRequest(
            sdk="test", shared_probe="lkemu-blob-0-nothing-here", shared_token=b"x" * 16
        )
        opened = connection._engine.OpenSession(request, metadata=connection.secret.metadata())
        assert not opened.shared_memory
    finally:
        connection.close()


async def test_a_blob_that_cannot_be_read_loses_one_event_not_the_stream(
    virtual_engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FfiClient(address=virtual_engine.address, local_lane=False)
    try:
        queue = client.queue.subscribe(
            filter_fn=lambda e: e.WhichOneof("message") == "video_stream_event"
        )
        source = _video_pipeline(client.request)
        pixels = _gradient()
        real_take = shared_blobs.take
        failures: list[str] = []

        def take_once_failing(name: str, tag: str | None = None) -> mmap.mmap | bytearray:
            if not failures:
                failures.append(name)
                shared_blobs.discard(name)
                raise FileNotFoundError(name)
            return real_take(name, tag)

        monkeypatch.setattr("lkemu.bindings.pointers.shared_blobs.take", take_once_failing)
        client.request(_capture_request(source, pixels, 1))
        client.request(_capture_request(source, pixels, 2))
        event = await asyncio.wait_for(queue.get(), 10)
        assert failures
        assert event.video_stream_event.frame_received.timestamp_us == 2
        client.drop_handle(event.video_stream_event.frame_received.buffer.handle.id)
    finally:
        client.close()


def test_a_symlinked_blob_is_refused_and_its_target_untouched(
    client: FfiClient, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root only")
    tag = client.connection.blob_tag
    planted = f"lkemu-blob-{tag}-planted"
    os.symlink(secret, os.path.join(shared_blobs.SHARED_DIR, planted))
    try:
        with pytest.raises(OSError):  # O_NOFOLLOW: ELOOP, never the target's bytes
            shared_blobs.take(planted, tag)
        # Through a request, as a client naming it would: a clear refusal.
        request = ffi_pb2.FfiRequest()
        request.video_convert.dst_type = T.BGRA
        info = request.video_convert.buffer
        info.type, info.width, info.height, info.data_ptr = T.RGBA, 4, 4, 0x10000
        blob = engine_pb2.Blob(address=0x10000, shared_name=planted)
        reply = client.connection.request(request.SerializeToString(), [blob])
        assert reply.handle == 0 and "could not be read" in reply.error
        assert secret.read_text() == "root only"
    finally:
        shared_blobs.discard(planted)
