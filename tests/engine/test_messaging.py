"""RPC and data streams in the engine: the native rules the SDK-level suite cannot reach
(raw packets, chunk order, trailers, reader consumption, write_to_file names, the
callee's side of RPC)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.rooms.data_channel import DataChannels
from lkemu.engine.rooms.data_streams import STREAM_CHUNK_SIZE_BYTES, utf8_chunks
from lkemu.engine.rooms.model import LocalParticipant
from lkemu.proto import engine_pb2, ffi_pb2, room_pb2

from .conftest import next_event, queued_events, request_of, settle
from .test_rooms import Peer, _development_keys

__all__ = ["_development_keys"]  # the fixture, used here too


async def _pair(runtime: EngineRuntime) -> tuple[Peer, Peer]:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    await settle()
    queued_events(agent.session)
    queued_events(user.session)
    return agent, user


def _opened(peer: Peer) -> Any:
    return peer.event("text_stream_opened")


def _reader_events(peer: Peer, handle: int) -> list[Any]:
    return [
        r.event.text_stream_reader_event
        for r in queued_events(peer.session)
        if r.event.HasField("text_stream_reader_event")
        and r.event.text_stream_reader_event.reader_handle == handle
    ]


def test_utf8_chunks_never_split_a_character() -> None:
    text = ("aé€😀" * 9000).encode()
    chunks = list(utf8_chunks(text))
    assert b"".join(chunks) == text
    assert all(len(c) <= STREAM_CHUNK_SIZE_BYTES for c in chunks)
    assert all(c.decode() for c in chunks)  # each one decodes on its own
    assert len(chunks) == -(-len(text) // STREAM_CHUNK_SIZE_BYTES) or len(chunks) > 1


async def test_send_text_inline_reaches_the_reader_as_one_chunk(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    options = {"topic": "chat"}
    sent = await user.call(
        request_of("send_text", local_participant_handle=user.local, options=options, text="hello")
    )
    assert sent.WhichOneof("result") == "info"
    opened = await _opened(agent)
    assert opened.participant_identity == "user"
    assert opened.reader.info.stream_id == sent.info.stream_id
    assert opened.reader.info.total_length == 5 and opened.reader.info.mime_type == "text/plain"
    handle = opened.reader.handle.id
    agent.run(request_of("text_read_incremental", reader_handle=handle))
    events = _reader_events(agent, handle)
    assert [e.WhichOneof("detail") for e in events] == ["chunk_received", "eos"]
    assert events[0].chunk_received.content == "hello"
    assert not events[1].eos.HasField("error")
    # The read consumed the reader handle.
    with pytest.raises(dispatch.RequestFailed, match="handle not found"):
        agent.run(request_of("text_read_incremental", reader_handle=handle))
    assert not any(
        r.event.HasField("room_event")
        for r in queued_events(user.session)
        if r.event.room_event.HasField("text_stream_opened")
    )


async def test_raw_packets_out_of_order_end_the_reader_with_the_native_error(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)

    def raw(kind: str, **fields: Any) -> ffi_pb2.FfiRequest:
        return request_of(
            f"send_stream_{kind}",
            local_participant_handle=user.local,
            sender_identity="user",
            **fields,
        )

    header = {
        "stream_id": "s1",
        "timestamp": 1,
        "mime_type": "text/plain",
        "topic": "t",
        "total_length": 6,
        "text_header": {"operation_type": 0},
    }
    assert not (await user.call(raw("header", header=header))).HasField("error")
    opened = await _opened(agent)
    handle = opened.reader.handle.id
    agent.run(request_of("text_read_incremental", reader_handle=handle))
    await user.call(raw("chunk", chunk={"stream_id": "s1", "chunk_index": 0, "content": b"abc"}))
    await user.call(raw("chunk", chunk={"stream_id": "s1", "chunk_index": 2, "content": b"def"}))
    events = _reader_events(agent, handle)
    assert events[0].chunk_received.content == "abc"
    assert events[-1].eos.error.description == (
        "expected chunk index to be exactly one more than the previous"
    )


@pytest.mark.parametrize(
    ("received", "reason", "error"),
    [
        (b"abcdef", "", None),
        (b"abc", "", "stream data is incomplete"),
        (b"abcdef", "user gave up", "stream closed abnormally: user gave up"),
    ],
)
async def test_a_trailer_ends_the_stream_as_native(
    runtime: EngineRuntime, received: bytes, reason: str, error: str | None
) -> None:
    agent, user = await _pair(runtime)
    base = {"local_participant_handle": user.local, "sender_identity": "user"}
    header = {
        "stream_id": "s",
        "timestamp": 1,
        "mime_type": "application/octet-stream",
        "topic": "t",
        "total_length": 6,
        "byte_header": {"name": "x.bin"},
    }
    await user.call(request_of("send_stream_header", header=header, **base))
    opened = await agent.event("byte_stream_opened")
    handle = opened.reader.handle.id
    await user.call(
        request_of(
            "send_stream_chunk",
            **base,
            chunk={"stream_id": "s", "chunk_index": 0, "content": received},
        )
    )
    trailer = {"stream_id": "s", "reason": reason, "attributes": {"k": "v"}}
    await user.call(request_of("send_stream_trailer", trailer=trailer, **base))
    done = await agent.call(request_of("byte_read_all", reader_handle=handle))
    if error is None:
        assert done.content == received
    else:
        assert done.error.description == error


async def test_a_reader_dropped_unread_takes_nothing_more(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    writer_done = await user.call(
        request_of("text_stream_open", local_participant_handle=user.local, options={"topic": "t"})
    )
    writer = writer_done.writer.handle.id
    opened = await _opened(agent)
    assert runtime.drop_handle(agent.session.id, opened.reader.handle.id)
    done = await user.call(request_of("text_stream_write", writer_handle=writer, text="later"))
    assert not done.HasField("error")
    assert not [
        r for r in queued_events(agent.session) if r.event.HasField("text_stream_reader_event")
    ]


async def test_writers_refuse_a_reader_handle_and_close_consumes_the_writer(
    runtime: EngineRuntime,
) -> None:
    _, user = await _pair(runtime)
    opened = await user.call(
        request_of(
            "byte_stream_open",
            local_participant_handle=user.local,
            options={"topic": "t", "name": "n"},
        )
    )
    writer = opened.writer.handle.id
    with pytest.raises(dispatch.RequestFailed, match="FfiTextStreamWriter"):
        user.run(request_of("text_stream_write", writer_handle=writer, text="x"))
    closed = await user.call(request_of("byte_stream_close", writer_handle=writer))
    assert not closed.HasField("error")
    with pytest.raises(dispatch.RequestFailed, match="handle not found"):
        user.run(request_of("byte_stream_write", writer_handle=writer, bytes=b"x"))


@pytest.mark.parametrize("name", ["../escape.bin", "/etc/passwd", "a/b", "..", ".", ""])
async def test_write_to_file_refuses_a_name_that_is_not_plain(
    runtime: EngineRuntime, name: str
) -> None:
    agent, user = await _pair(runtime)
    memory = Memory(inputs=[engine_pb2.Blob(address=0x1000, data=b"payload")])
    request = request_of(
        "send_bytes",
        local_participant_handle=user.local,
        options={"topic": "f", "name": name},
        bytes=b"payload",
    )
    await user.call(request, memory)
    opened = await agent.event("byte_stream_opened")
    done = await agent.call(
        request_of(
            "byte_write_to_file",
            reader_handle=opened.reader.handle.id,
            directory="/tmp/readers-dir",
        )
    )
    assert done.error.description == (
        "file name must be a plain file name without path separators or '..'"
    )


async def test_write_to_file_asks_the_client_to_write_into_its_directory(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    request = request_of(
        "send_bytes",
        local_participant_handle=user.local,
        options={"topic": "f", "name": "../../evil.bin"},
        bytes=b"data",
    )
    await user.call(request)
    opened = await agent.event("byte_stream_opened")
    response = agent.run(
        request_of(
            "byte_write_to_file",
            reader_handle=opened.reader.handle.id,
            directory="/srv/in",
            name_override="safe.bin",
        )
    )
    received = await next_event(
        agent.session, lambda e: e.HasField("byte_stream_reader_write_to_file")
    )
    assert received.event.byte_stream_reader_write_to_file.async_id == response.async_id
    (blob,) = received.outputs
    assert blob.kind == engine_pb2.Blob.FILE_WRITE
    assert (blob.directory, blob.path, blob.data) == ("/srv/in", "safe.bin", b"data")


async def test_a_sender_leaving_mid_stream_errors_its_readers(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    await user.call(
        request_of("text_stream_open", local_participant_handle=user.local, options={"topic": "t"})
    )
    opened = await _opened(agent)
    handle = opened.reader.handle.id
    agent.run(request_of("text_read_incremental", reader_handle=handle))
    await user.call(request_of("disconnect", room_handle=user.room))
    (eos,) = [e for e in _reader_events(agent, handle) if e.HasField("eos")]
    assert eos.eos.error.description == (
        "stream closed abnormally: Participant user unexpectedly disconnected in the middle "
        "of sending data"
    )


async def test_the_threshold_event_follows_every_set(runtime: EngineRuntime) -> None:
    _, user = await _pair(runtime)
    for _ in range(2):  # native tells the room even when nothing changed
        user.run(
            request_of(
                "set_data_channel_buffered_amount_low_threshold",
                local_participant_handle=user.local,
                threshold=4096,
                kind=room_pb2.KIND_RELIABLE,
            )
        )
        changed = await user.event("data_channel_low_threshold_changed")
        assert (changed.kind, changed.threshold) == (room_pb2.KIND_RELIABLE, 4096)


async def test_rpc_callee_sees_the_invocation_and_a_second_answer_finds_no_caller(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    agent.run(request_of("register_rpc_method", local_participant_handle=agent.local, method="m"))
    response = user.run(
        request_of(
            "perform_rpc",
            local_participant_handle=user.local,
            destination_identity="agent",
            method="m",
            payload="ping",
            response_timeout_ms=5000,
            max_round_trip_latency_ms=2000,
        )
    )
    received = await next_event(agent.session, lambda e: e.HasField("rpc_method_invocation"))
    invocation = received.event.rpc_method_invocation
    assert invocation.local_participant_handle == agent.local
    assert (invocation.caller_identity, invocation.payload) == ("user", "ping")
    assert invocation.response_timeout_ms == 3000  # 5000 - 2000
    assert len(invocation.request_id) == 36
    answer = request_of(
        "rpc_method_invocation_response",
        local_participant_handle=agent.local,
        invocation_id=invocation.invocation_id,
        payload="pong",
    )
    assert not agent.run(answer).HasField("error")
    done = await next_event(user.session, lambda e: e.HasField("perform_rpc"))
    assert done.event.perform_rpc.async_id == response.async_id
    assert done.event.perform_rpc.payload == "pong"
    assert agent.run(answer).error == "No caller found"


async def test_rpc_on_a_remote_participant_handle_is_refused(runtime: EngineRuntime) -> None:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    connected = await agent.event("participant_connected")
    remote = connected.info.handle.id
    with pytest.raises(dispatch.RequestFailed, match="Expected local participant"):
        agent.run(request_of("register_rpc_method", local_participant_handle=remote, method="m"))


async def test_a_data_channel_delivers_after_its_bytes_drain(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    view = runtime.handles.get(user.local, LocalParticipant, user.session.id).view
    channels = view.state(DataChannels)
    channels.set_bandwidth(800_000)  # 100 kB/s
    loop = asyncio.get_running_loop()
    started = loop.time()
    payload = b"x" * 20_000
    sent = await user.call(
        request_of(
            "send_bytes",
            local_participant_handle=user.local,
            options={"topic": "t", "name": "n"},
            bytes=payload,
        )
    )
    handed_over = loop.time() - started
    assert not sent.HasField("error")
    assert handed_over < 0.1  # under the threshold: the channel takes it at once
    assert channels.buffered[room_pb2.KIND_RELIABLE] > 0
    opened = await agent.event("byte_stream_opened")  # after the header's bytes drained
    done = await agent.call(request_of("byte_read_all", reader_handle=opened.reader.handle.id))
    assert done.content == payload
    assert loop.time() - started >= 0.2  # 20 kB at 100 kB/s
    assert channels.buffered[room_pb2.KIND_RELIABLE] == 0


async def test_a_full_data_channel_holds_the_next_send_back(runtime: EngineRuntime) -> None:
    _, user = await _pair(runtime)
    view = runtime.handles.get(user.local, LocalParticipant, user.session.id).view
    channels = view.state(DataChannels)
    channels.set_bandwidth(400_000)  # 50 kB/s
    channels.set_threshold(room_pb2.KIND_RELIABLE, 0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(2):
        await user.call(
            request_of(
                "send_bytes",
                local_participant_handle=user.local,
                options={"topic": "t", "name": "n"},
                bytes=b"y" * 5_000,
            )
        )
    # The second send waited for the first one's packets (~5 kB at 50 kB/s) to drain.
    assert loop.time() - started >= 0.09


async def test_a_raw_header_missing_required_fields_is_read_with_zero_values(
    runtime: EngineRuntime,
) -> None:
    """Found by fuzzing: the header was forwarded as sent, and its event failed to encode."""
    agent, user = await _pair(runtime)
    request = request_of(
        "send_stream_header",
        local_participant_handle=user.local,
        sender_identity="user",
        header={"stream_id": "partial", "byte_header": {}},
    )
    done = await user.call(request)
    assert not done.HasField("error")
    opened = await agent.event("byte_stream_opened")
    info = opened.reader.info
    assert (info.stream_id, info.topic, info.mime_type, info.name) == ("partial", "", "", "")


async def test_concurrent_writes_on_one_writer_keep_their_order(runtime: EngineRuntime) -> None:
    """Found in review: chunk indexes interleaved when two writes waited on a full channel."""
    agent, user = await _pair(runtime)
    view = runtime.handles.get(user.local, LocalParticipant, user.session.id).view
    channels = view.state(DataChannels)
    channels.set_bandwidth(4_000_000)  # 500 kB/s
    channels.set_threshold(room_pb2.KIND_RELIABLE, 0)
    opened = await user.call(
        request_of(
            "byte_stream_open",
            local_participant_handle=user.local,
            options={"topic": "t", "name": "n"},
        )
    )
    writer = opened.writer.handle.id
    reader = (await agent.event("byte_stream_opened")).reader.handle.id
    first, second = b"a" * 45_000, b"b" * 45_000
    for content in (first, second):  # both in flight at once
        user.run(request_of("byte_stream_write", writer_handle=writer, bytes=content))
    await user.call(request_of("byte_stream_close", writer_handle=writer))
    done = await agent.call(request_of("byte_read_all", reader_handle=reader))
    assert done.WhichOneof("result") == "content", done.error.description
    assert done.content == first + second


async def test_an_rpc_error_with_code_0_stays_an_error(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    agent.run(request_of("register_rpc_method", local_participant_handle=agent.local, method="m"))
    user.run(
        request_of(
            "perform_rpc",
            local_participant_handle=user.local,
            destination_identity="agent",
            method="m",
            payload="",
        )
    )
    received = await next_event(agent.session, lambda e: e.HasField("rpc_method_invocation"))
    invocation_id = received.event.rpc_method_invocation.invocation_id
    agent.run(
        request_of(
            "rpc_method_invocation_response",
            local_participant_handle=agent.local,
            invocation_id=invocation_id,
            error={"code": 0, "message": "zero"},
        )
    )
    done = await next_event(user.session, lambda e: e.HasField("perform_rpc"))
    assert done.event.perform_rpc.HasField("error")
    assert (done.event.perform_rpc.error.code, done.event.perform_rpc.error.message) == (0, "zero")


async def test_streams_refuse_a_remote_participant_handle_as_native(
    runtime: EngineRuntime,
) -> None:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    remote = (await agent.event("participant_connected")).info.handle.id
    request = request_of(
        "send_text", local_participant_handle=remote, options={"topic": "t"}, text="x"
    )
    with pytest.raises(dispatch.RequestFailed, match="Expected local participant"):
        agent.run(request)


async def test_a_duplicate_identity_keeps_the_room_findable(runtime: EngineRuntime) -> None:
    """Found in review: the first connection's leaving emptied the room and unregistered it,
    so the second connection sat in a room nobody else could join."""
    first, again = Peer(runtime, "alice"), Peer(runtime, "alice")
    await first.connect()
    await again.connect()
    bob = Peer(runtime, "bob")
    joined = await bob.connect()
    assert [p.participant.info.identity for p in joined.participants] == ["alice"]
