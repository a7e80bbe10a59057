"""Shared-memory slots (lkemu.engine.wire.shared_slots): large blobs that recur (video
frames) reuse pages both sides keep mapped, under the rules of the session's blobs."""

from __future__ import annotations

import asyncio
import ctypes
import os

import numpy as np
import pytest

from lkemu.bindings import FfiClient, pointers
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.engine.wire import shared_blobs, shared_slots
from lkemu.proto import ffi_pb2, video_frame_pb2

T = video_frame_pb2.VideoBufferType
WIDTH, HEIGHT = 1920, 1080
FRAME = WIDTH * HEIGHT * 4

pytestmark = pytest.mark.skipif(not shared_blobs.available(), reason="no writable /dev/shm")


def _files(tag: str) -> set[str]:
    prefix = f"lkemu-blob-{tag}-"
    return {name for name in os.listdir(shared_blobs.SHARED_DIR) if name.startswith(prefix)}


def test_a_slot_is_written_read_handed_back_and_written_again() -> None:
    tag = shared_blobs.new_tag()
    writer, reader = shared_slots.SlotWriter(tag), shared_slots.SlotReader(tag)
    try:
        first = np.arange(FRAME, dtype=np.uint32).view(np.uint8)[:FRAME]
        name = writer.write(first)
        assert name is not None and shared_slots.is_slot(name)
        assert not shared_slots.is_slot(shared_blobs.write(b"x", tag))  # one-shot: not a slot
        payload, slot = reader.take(name)
        assert np.array_equal(payload, first)
        assert name not in _files(tag)  # mapped: its file is gone, its pages stay
        # Still the reader's: the writer makes another rather than overwrite it.
        second = writer.write(b"\x07" * FRAME)
        assert second is not None and second != name
        shared_slots.SlotReader.release(slot)
        third = writer.write(b"\x09" * FRAME)
        assert third == name  # handed back: the same pages again
        again, _ = reader.take(name)
        assert again[0] == 9 and again[-1] == 9
        with pytest.raises(shared_slots.SlotError, match="not full"):
            shared_slots.SlotReader.release(slot)
            reader.take(name)
    finally:
        writer.close()
        reader.close()
        for name in _files(tag):
            shared_blobs.discard(name)
    assert not _files(tag)


def test_limits_hold_on_both_sides() -> None:
    tag = shared_blobs.new_tag()
    writer = shared_slots.SlotWriter(tag, max_slots=2, max_bytes=64 << 20)
    reader = shared_slots.SlotReader(tag, max_slots=1)
    try:
        names = [writer.write(b"\x01" * (1 << 20)) for _ in range(3)]
        assert names[0] and names[1] and names[2] is None  # all in use: a one-shot blob then
        reader.take(names[0])
        with pytest.raises(shared_slots.SlotError, match="maps 1 slots already"):
            reader.take(names[1])
        # Another session's slot is refused as its blobs are, and left where it is.
        other = shared_slots.SlotWriter(shared_blobs.new_tag())
        stolen = other.write(b"\x02" * (1 << 20))
        assert stolen is not None
        with pytest.raises(ValueError, match="not an lkemu shared blob of this session"):
            shared_slots.SlotReader(tag).take(stolen)
        other.close()
        assert not shared_blobs.exists(stolen)  # never mapped: removed with its writer
    finally:
        writer.close()
        reader.close()
    assert not _files(tag)


def test_a_retired_slot_is_unmapped_by_its_reader() -> None:
    tag = shared_blobs.new_tag()
    writer = shared_slots.SlotWriter(tag, max_slots=1)
    reader = shared_slots.SlotReader(tag)
    try:
        small = writer.write(b"\x01" * (1 << 20))
        assert small is not None
        _, slot = reader.take(small)
        shared_slots.SlotReader.release(slot)
        large = writer.write(b"\x02" * (4 << 20))  # too large for it: it is retired
        assert large is not None and large != small
        reader.take(large)
        assert reader.count() == 1
    finally:
        writer.close()
        reader.close()


async def test_frames_reuse_a_few_slots_each_way(virtual_engine: EmbeddedEngine) -> None:
    """1080p RGBA frames captured and received through an RGBA stream: each side writes
    into a handful of slots, the pixels arrive, and nothing is left on /dev/shm."""
    client = FfiClient(address=virtual_engine.address, local_lane=False)
    try:
        if not client.connection.shared_memory:
            pytest.skip("no shared memory between client and engine here")
        queue = client.queue.subscribe(
            filter_fn=lambda e: e.WhichOneof("message") == "video_stream_event"
        )
        source = _pipeline(client)
        pixels = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
        pixels[..., 0] = np.arange(WIDTH) % 256
        pixels[..., 3] = 255
        for index in range(12):
            pixels[..., 1] = index * 20
            request = ffi_pb2.FfiRequest()
            capture = request.capture_video_frame
            capture.source_handle, capture.timestamp_us = source, index
            info = capture.buffer
            info.type, info.width, info.height = T.RGBA, WIDTH, HEIGHT
            info.data_ptr = pixels.ctypes.data
            client.request(request)
            event = await asyncio.wait_for(queue.get(), 10)
            received = event.video_stream_event.frame_received
            data = ctypes.string_at(received.buffer.info.data_ptr, FRAME)
            got = np.frombuffer(data, np.uint8).reshape(HEIGHT, WIDTH, 4)
            assert np.abs(got.astype(int) - pixels.astype(int)).mean() < 2
            client.drop_handle(received.buffer.handle.id)
        writer = pointers._INPUT_SLOTS[client.connection.blob_tag]
        assert 1 <= writer.count() <= 3
        reader = client.memory._slots
        assert reader is not None and 1 <= reader.count() <= 3
        assert client.memory.owners() == 0
        assert not _files(client.connection.blob_tag)
    finally:
        tag = client.connection.blob_tag
        client.close()
    assert not _files(tag)


def _pipeline(client: FfiClient) -> int:
    new = ffi_pb2.FfiRequest()
    new.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    new.new_video_source.resolution.width, new.new_video_source.resolution.height = WIDTH, HEIGHT
    source = client.request(new).new_video_source.source.handle.id
    track = ffi_pb2.FfiRequest()
    track.create_video_track.name, track.create_video_track.source_handle = "cam", source
    track_handle = client.request(track).create_video_track.track.handle.id
    stream = ffi_pb2.FfiRequest()
    stream.new_video_stream.track_handle = track_handle
    stream.new_video_stream.type = video_frame_pb2.VIDEO_STREAM_NATIVE
    stream.new_video_stream.format = T.RGBA
    client.request(stream)
    return source


def test_an_output_made_in_a_slot_is_handed_out_as_it_is() -> None:
    """Memory.output_buffer: a converted frame written in a reserved slot's pages goes out
    under that slot's name, with no copy; one never handed out is free again."""
    from lkemu.engine.core import memory as engine_memory
    from lkemu.engine.video.convert import convert
    from lkemu.engine.video.layout import VideoImage

    tag = shared_blobs.new_tag()
    reader = shared_slots.SlotReader(tag)
    try:
        memory = engine_memory.Memory(share=lambda data, reusable=False: "", blob_tag=tag)
        rng = np.random.default_rng(3)
        planes = [
            rng.integers(0, 256, (HEIGHT, WIDTH), dtype=np.uint8),
            rng.integers(0, 256, (HEIGHT // 2, WIDTH // 2), dtype=np.uint8),
            rng.integers(0, 256, (HEIGHT // 2, WIDTH // 2), dtype=np.uint8),
        ]
        image = VideoImage(T.I420, WIDTH, HEIGHT, planes=planes)
        made = convert(image, T.RGBA, output=memory.output_buffer)
        assert made.backing is not None
        data, _ = made.to_bytes()
        memory.hand_out(data, 7, detached=True)
        name = memory.outputs[0].shared_name
        assert shared_slots.is_slot(name)
        payload, _ = reader.take(name)
        assert made.pixels is not None
        assert np.array_equal(payload, made.pixels.reshape(-1))
        assert np.array_equal(made.pixels, np.asarray(convert(image, T.RGBA).pixels))
        # Reserved and not handed out: the writer may use it again.
        unused = engine_memory.Memory(share=lambda data, reusable=False: "", blob_tag=tag)
        assert unused.output_buffer(FRAME) is not None
        writer = engine_memory._WRITERS[tag]
        before = writer.count()
        unused.discard_reserved()
        again = engine_memory.Memory(share=lambda data, reusable=False: "", blob_tag=tag)
        assert again.output_buffer(FRAME) is not None
        assert writer.count() == before  # the discarded slot, not a new one
        again.discard_reserved()
    finally:
        reader.close()
        engine_memory.forget_session(tag)
    assert not _files(tag)
