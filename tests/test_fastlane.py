"""The fast lane (engine/wire/framing.py, engine/core/fastlane.py, the bindings' FastLane):
one round trip for a request and the drop of its handle, with drops answered as the engine
would answer them, and frames of any size in any pieces."""

from __future__ import annotations

import asyncio
import ctypes
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.connection import open_lane
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.engine.wire.framing import (
    ERROR,
    EVENTS,
    HANDLE,
    HEADER,
    READ_BUFFER,
    TRACKED_DROP,
    SocketFrames,
    frame,
    handle_report,
    parse_handle_report,
    send_frame,
)
from lkemu.proto import engine_pb2, ffi_pb2, video_frame_pb2
from tests.helpers import new_source, new_stream, new_track


def _video_source(client: FfiClient) -> int:
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    request.new_video_source.resolution.width = 64
    request.new_video_source.resolution.height = 64
    return client.request(request).new_video_source.source.handle.id


def _live(client: FfiClient) -> int:
    return client.control.count_handles(client.connection.session_id).total


def test_a_handle_report_reads_back() -> None:
    payload = handle_report([5, 2**40 + 3], 7) + b"rest"
    handles, generation, start = parse_handle_report(memoryview(payload))
    assert (handles, generation, bytes(payload[start:])) == ((5, 2**40 + 3), 7, b"rest")
    assert parse_handle_report(handle_report([], 0))[:2] == ((), 0)


@pytest.mark.parametrize("size", [0, 10, READ_BUFFER - HEADER.size, READ_BUFFER + 1, 3_000_000])
def test_frames_of_any_size_arrive_whole_in_any_pieces(size: int) -> None:
    payload = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    writer, reader = socket.socketpair()

    def write() -> None:  # (a thread: a socket holds less than the largest payload)
        send_frame(writer, 2, payload)
        whole = frame(3, b"next")
        for piece in (whole[:2], whole[2:6], whole[6:]):  # a frame cut anywhere
            writer.sendall(piece)
            time.sleep(0.01)
        writer.close()

    sender = threading.Thread(target=write)
    sender.start()
    with reader:
        frames = SocketFrames(reader)
        assert frames.next_frame() == (2, payload)
        assert frames.next_frame() == (3, b"next")
        sender.join(10)
        with pytest.raises(ConnectionError):
            frames.next_frame()


def test_a_request_and_the_drop_of_its_handle_are_one_round_trip(
    engine_client: FfiClient,
) -> None:
    client = engine_client
    fast = client.connection._fast
    assert fast is not None
    before = _live(client)
    source = _video_source(client)
    assert source in fast._alive  # the request's answer reported it
    sent: list[bytes] = []
    original = fast._socket

    class Recording:
        def sendall(self, data: bytes) -> None:
            sent.append(bytes(data))
            original.sendall(data)

    fast._socket = Recording()  # type: ignore[assignment]
    try:
        assert client.drop_handle(source) is True
    finally:
        fast._socket = original
    assert [HEADER.unpack_from(data)[1] for data in sent] == [5]  # unanswered: no wait
    # The engine took it before anything sent later: a second drop finds nothing.
    assert client.drop_handle(source) is False
    assert _live(client) == before


def test_a_drop_the_engine_answers_reports_what_it_did(engine_client: FfiClient) -> None:
    client = engine_client
    fast = client.connection._fast
    assert fast is not None
    source = _video_source(client)
    fast._alive.discard(source)  # as for a handle the lane was not told of yet
    assert client.drop_handle(source) is True
    assert client.drop_handle(source) is False
    assert client.drop_handle(123_456_789) is False


def test_a_control_call_after_a_drop_sees_it_done(engine_client: FfiClient) -> None:
    client = engine_client
    before = _live(client)
    for _ in range(200):
        source = _video_source(client)
        assert client.drop_handle(source)
        assert _live(client) == before


def test_handles_given_in_events_are_dropped_as_the_engine_would(
    engine: EmbeddedEngine,
) -> None:
    client = FfiClient(address=engine.address, local_lane=False)
    try:
        source = new_source(client)
        track = new_track(client, source)
        stream = new_stream(client, track, 16000, 1, 20)

        async def frames(count: int) -> list[int]:
            queue = client.queue.subscribe(
                filter_fn=lambda e: e.audio_stream_event.HasField("frame_received")
            )
            handles: list[int] = []
            while len(handles) < count:
                event = await asyncio.wait_for(queue.get(), 5)
                handles.append(event.audio_stream_event.frame_received.frame.handle.id)
            client.queue.unsubscribe(queue)
            return handles

        handles = asyncio.run(frames(20))
        for handle in handles:
            assert client.drop_handle(handle) is True
            assert client.drop_handle(handle) is False
        for handle in (stream, track, source):
            assert client.drop_handle(handle) is True
    finally:
        client.close()


def test_after_dispose_no_drop_is_answered_from_what_the_client_knew(
    engine: EmbeddedEngine,
) -> None:
    client = FfiClient(address=engine.address, local_lane=False)
    try:
        fast = client.connection._fast
        assert fast is not None
        source = _video_source(client)
        assert source in fast._alive
        dispose = ffi_pb2.FfiRequest()
        dispose.dispose.SetInParent()
        client.request(dispose)  # releases every handle of the session
        assert source not in fast._alive
        assert client.drop_handle(source) is False  # as native: the handle is gone
    finally:
        client.close()


@pytest.fixture
def inline_client(engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FfiClient]:
    """Blobs inside the frames, not in /dev/shm: frames of megabytes."""
    monkeypatch.setenv("LKEMU_SHARED_MEMORY", "0")
    made = FfiClient(address=engine.address, local_lane=False)
    yield made
    made.close()


def test_megabyte_frames_cross_both_ways(inline_client: FfiClient) -> None:
    width, height = 1280, 720  # 3.7 MB of RGBA each way, more than either side's buffer
    rgba = np.random.default_rng(3).integers(0, 256, (height, width, 4), dtype=np.uint8)
    request = ffi_pb2.FfiRequest()
    convert = request.video_convert
    convert.dst_type = video_frame_pb2.BGRA
    info = convert.buffer
    info.type, info.width, info.height = video_frame_pb2.RGBA, width, height
    info.data_ptr, info.stride = rgba.ctypes.data, width * 4
    for _ in range(3):
        response = inline_client.request(request).video_convert
        assert not response.error
        out = response.buffer.info
        bgra = np.ctypeslib.as_array(
            (ctypes.c_uint8 * (width * height * 4)).from_address(out.data_ptr)
        ).reshape(height, width, 4)
        np.testing.assert_array_equal(bgra, rgba[..., [2, 1, 0, 3]])
        assert inline_client.drop_handle(response.buffer.handle.id)


def test_a_frame_sent_in_pieces_is_answered_once_whole(engine_client: FfiClient) -> None:
    fast = engine_client.connection._fast
    assert fast is not None
    whole = frame(TRACKED_DROP, HANDLE.pack(987_654_321))
    with fast._lock:
        for piece in (whole[:3], whole[3:9], whole[9:]):
            fast._socket.sendall(piece)
            time.sleep(0.05)  # each piece its own receive on the engine's side
        kind, answer = fast._frames.next_frame()
    assert kind == TRACKED_DROP
    _, _, start = parse_handle_report(memoryview(answer))
    assert answer[start:] == b"\x00"  # no such handle


def test_an_unknown_frame_kind_closes_the_lane(engine: EmbeddedEngine) -> None:
    client = FfiClient(address=engine.address, local_lane=False)
    try:
        fast = client.connection._fast
        assert fast is not None
        with fast._lock:
            fast._socket.sendall(frame(99, b""))
            with pytest.raises((ConnectionError, OSError)):
                fast._frames.next_frame()
    finally:
        client.close()


def test_the_engine_answers_an_old_style_call_and_drop(engine_client: FfiClient) -> None:
    """CALL and DROP (answered without a report) still work: raw tools speak them."""
    fast = engine_client.connection._fast
    assert fast is not None
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    call = engine_pb2.FfiCall(request=request.SerializePartialToString())
    with fast._lock:
        send_frame(fast._socket, 2, call.SerializeToString())
        kind, answer = fast._frames.next_frame()
        assert kind == 2
        reply = engine_pb2.FfiReply.FromString(answer)
        response = ffi_pb2.FfiResponse.FromString(reply.response)
        handle = response.new_video_source.source.handle.id
        send_frame(fast._socket, 3, engine_pb2.DropHandleRequest(handle=handle).SerializeToString())
        kind, answer = fast._frames.next_frame()
    assert kind == 3 and engine_pb2.DropHandleResponse.FromString(answer).existed


def test_a_second_event_reader_is_refused(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One reader per session's events, on the fast lane as on gRPC (the client's own reads
    them already): a second would split them, and its end would close the session."""
    monkeypatch.setenv("LKEMU_FAST_EVENTS", "1")
    engine_client = FfiClient(address=engine.address, local_lane=False)
    try:
        _second_reader_refused(engine_client)
    finally:
        engine_client.close()


def _second_reader_refused(engine_client: FfiClient) -> None:
    connection = engine_client.connection
    deadline = time.monotonic() + 10
    while connection._events_lane is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the client's own reader opens its lane first
    lane, frames = open_lane(
        connection._fast_address, connection.session_id, connection.session_token,
        connection.secret.value, 10,
    )  # fmt: skip
    with lane:
        lane.sendall(frame(EVENTS, b""))
        kind, reason = frames.next_frame()
    assert kind == ERROR and b"already being read" in reason
    assert _live(engine_client) >= 0  # the session is still open and answering
    source = _video_source(engine_client)
    assert engine_client.drop_handle(source) is True


def test_requests_sent_as_they_are_name_no_client_memory() -> None:
    """A kind in PLAIN_KINDS crosses without collect_inputs: none of the message types whose
    memory the bindings read (pointers._REGIONS) may be reachable from it."""
    from lkemu.bindings.backend import PLAIN_KINDS
    from lkemu.bindings.pointers import _REGIONS

    def reachable(descriptor: Any, seen: set[str]) -> set[str]:
        if descriptor.full_name in seen:
            return set()
        seen.add(descriptor.full_name)
        names = {descriptor.name}
        for field in descriptor.fields:
            if field.message_type is not None:
                names |= reachable(field.message_type, seen)
        return names

    fields = ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields
    for field in fields:
        if field.name in PLAIN_KINDS:
            assert not reachable(field.message_type, set()) & set(_REGIONS), field.name
    assert "send_file" not in PLAIN_KINDS and "new_video_source" in PLAIN_KINDS


def test_a_raw_call_answers_as_a_call_does(engine_client: FfiClient) -> None:
    """The same request as a RAW_CALL and as a TRACKED_CALL: the same response, and a
    failure comes back whole (its kind and message)."""
    connection = engine_client.connection
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    plain = connection.request_plain(request.SerializePartialToString())
    assert isinstance(plain, tuple) and plain[0] != 0
    raw_response = ffi_pb2.FfiResponse.FromString(plain[1])
    call = connection.request(request.SerializePartialToString())
    response = ffi_pb2.FfiResponse.FromString(call.response)
    assert raw_response.WhichOneof("message") == response.WhichOneof("message")
    for made in (raw_response, response):
        assert engine_client.drop_handle(made.new_video_source.source.handle.id)
    bad = ffi_pb2.FfiRequest()
    bad.new_audio_stream.track_handle = 123_456_789  # no such track
    failed = connection.request_plain(bad.SerializePartialToString())
    assert isinstance(failed, engine_pb2.FfiReply) and failed.handle == 0
    assert failed.request_name == "new_audio_stream" and failed.error
