"""Data tracks in the engine: publication and its refusals, frames through the track's
queue, the channel and a subscriber's broadcast buffer, one frame per read, the ends of
streams, late joiners, and schemas; the native rules the SDK-level suite cannot reach."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.rooms import data_tracks
from lkemu.engine.rooms.data_channel import DataChannels
from lkemu.engine.rooms.data_tracks import (
    INCOMPATIBLE,
    MISSING_FRAME_ENCODING,
    MISSING_SCHEMA_ID,
    LocalDataTrack,
    SchemaId,
    validate_schema,
)
from lkemu.engine.rooms.model import LocalParticipant
from lkemu.engine.rooms.reconnect import RESTART_S
from lkemu.proto import data_track_pb2, room_pb2

from .conftest import next_event, queued_events, request_of, settle
from .test_rooms import Peer, _development_keys

__all__ = ["_development_keys"]  # the fixture, used here too

FrameCode = data_track_pb2.DataTrackFrameEncoding.WellKnownFrameEncoding
SchemaCode = data_track_pb2.DataTrackSchemaEncoding.WellKnownSchemaEncoding
PublishCode = data_track_pb2.PublishDataTrackErrorCode
SubscribeCode = data_track_pb2.SubscribeDataTrackErrorCode


async def _pair(runtime: EngineRuntime, **user_grants: Any) -> tuple[Peer, Peer]:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect(**user_grants)
    await settle()
    queued_events(agent.session)
    queued_events(user.session)
    return agent, user


async def publish(peer: Peer, name: str = "sensor", **options: Any) -> Any:
    """The publish_data_track callback (its track, or its error)."""
    request = request_of(
        "publish_data_track",
        local_participant_handle=peer.local,
        options={"name": name, **options},
    )
    return await peer.call(request)


async def published_track(
    publisher: Peer, subscriber: Peer, name: str = "sensor"
) -> tuple[int, Any]:
    """Publish a track: the publisher's track handle and the subscriber's OwnedRemoteDataTrack."""
    done = await publish(publisher, name)
    assert done.WhichOneof("result") == "track", done.error
    announced = await subscriber.event("data_track_published")
    return done.track.handle.id, announced.track


def push(peer: Peer, track: int, payload: bytes, stamp: int | None = None) -> Any:
    frame: dict[str, Any] = {"payload": payload}
    if stamp is not None:
        frame["user_timestamp"] = stamp
    return peer.run(request_of("local_data_track_try_push", track_handle=track, frame=frame))


def subscribe(peer: Peer, remote: int, buffer_size: int | None = None) -> int:
    options = {} if buffer_size is None else {"buffer_size": buffer_size}
    response = peer.run(request_of("subscribe_data_track", track_handle=remote, options=options))
    return int(response.stream.handle.id)


def read(peer: Peer, stream: int) -> Any:
    return peer.run(request_of("data_track_stream_read", stream_handle=stream))


def stream_events(peer: Peer, stream: int) -> list[Any]:
    """The events of `stream` queued so far (the peer's other events are read past)."""
    return by_stream(peer).get(stream, [])


def by_stream(peer: Peer) -> dict[int, list[Any]]:
    """Every data track stream event queued so far, by stream handle."""
    found: dict[int, list[Any]] = {}
    for received in queued_events(peer.session):
        if received.event.HasField("data_track_stream_event"):
            event = received.event.data_track_stream_event
            found.setdefault(event.stream_handle, []).append(event)
    return found


def frames_of(events: list[Any]) -> list[tuple[bytes, int | None]]:
    frames = []
    for event in events:
        assert event.WhichOneof("detail") == "frame_received"
        frame = event.frame_received.frame
        stamp = frame.user_timestamp if frame.HasField("user_timestamp") else None
        frames.append((bytes(frame.payload), stamp))
    return frames


async def test_frames_arrive_whole_in_order_with_their_timestamps(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    done = await publish(user, "sensor")
    assert done.track.info.name == "sensor" and done.track.info.sid.startswith("DTR_")
    assert not done.track.info.uses_e2ee
    announced = await agent.event("data_track_published")
    assert announced.track.publisher_identity == "user"
    assert announced.track.info.sid == done.track.info.sid
    stream = subscribe(agent, announced.track.handle.id, buffer_size=16)
    sent = [
        (b"a", 1),
        (bytes(range(256)) * 160, 2**64 - 1),  # 40960 bytes: three packets
        (b"no stamp", None),
        (b"\x00" * 15_988, 0),  # fills one packet without a timestamp header's room
    ]
    for payload, stamp in sent:
        assert not push(user, done.track.handle.id, payload, stamp).HasField("error")
    await settle()
    assert stream_events(agent, stream) == []  # nothing before a read
    for _ in sent:
        assert not read(agent, stream).HasField("eos_event")
    assert frames_of(stream_events(agent, stream)) == sent


async def test_a_full_queue_refuses_the_frame_until_the_task_drains_it(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, _ = await published_track(user, agent)
    for index in range(data_tracks.FRAME_BUFFER_COUNT):
        assert not push(user, track, bytes([index])).HasField("error")
    refused = push(user, track, b"one too many").error
    assert refused.code == data_track_pb2.LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_QUEUE_FULL
    assert refused.message == "Failed to publish frame: queue full"
    await settle()  # the track's task takes the queue
    assert not push(user, track, b"room again").HasField("error")


async def test_unpublishing_ends_streams_and_tells_the_room(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    read(agent, stream)  # the task waits for a frame
    push(user, track, b"last")
    await settle()
    user.run(request_of("local_data_track_unpublish", track_handle=track))
    ended = await agent.event("data_track_unpublished")
    assert ended.sid == remote.info.sid
    published = agent.run(
        request_of("remote_data_track_is_published", track_handle=remote.handle.id)
    )
    assert not published.is_published
    mine = user.run(request_of("local_data_track_is_published", track_handle=track))
    assert not mine.is_published
    refused = push(user, track, b"late").error
    assert refused.code == data_track_pb2.LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_TRACK_UNPUBLISHED
    assert refused.message == "Failed to publish frame: track unpublished"
    assert frames_of(stream_events(agent, stream)) == [(b"last", None)]
    read(agent, stream)  # the end comes to the next read
    (end,) = stream_events(agent, stream)
    assert end.WhichOneof("detail") == "eos" and not end.eos.HasField("error")
    assert read(agent, stream).HasField("eos_event")  # and stays


async def test_a_stream_hands_out_one_frame_per_read(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    read(agent, stream)
    read(agent, stream)  # the task is busy: one permit, however many reads
    read(agent, stream)
    for payload in (b"1", b"2", b"3"):
        push(user, track, payload)
    await settle()
    assert frames_of(stream_events(agent, stream)) == [(b"1", None), (b"2", None)]
    read(agent, stream)
    assert frames_of(stream_events(agent, stream)) == [(b"3", None)]


async def test_a_reader_behind_keeps_the_newest_frames_of_its_buffer(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id, buffer_size=3)  # a channel of 4
    for index in range(10):
        push(user, track, bytes([index]))
    await settle()
    for _ in range(5):
        read(agent, stream)
    assert frames_of(stream_events(agent, stream)) == [(bytes([i]), None) for i in range(6, 10)]


async def test_frames_no_packet_or_too_many_packets_carry_never_arrive(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    largest = 128 * (data_tracks.TRANSPORT_MTU - data_tracks.USER_TIMESTAMP_HEADER_BYTES)
    for payload in (b"", b"x" * (largest + 1), b"y" * largest):
        assert not push(user, track, payload, 7).HasField("error")
    await settle()
    read(agent, stream)
    read(agent, stream)
    assert frames_of(stream_events(agent, stream)) == [(b"y" * largest, 7)]


async def test_streams_share_one_subscription_and_get_only_later_frames(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    first = subscribe(agent, remote.handle.id)
    push(user, track, b"early")
    await settle()
    second = subscribe(agent, remote.handle.id, buffer_size=1000)  # the first one's size
    push(user, track, b"later")
    await settle()
    for stream in (first, second, first):
        read(agent, stream)
    events = by_stream(agent)
    assert frames_of(events[first]) == [(b"early", None), (b"later", None)]
    assert frames_of(events[second]) == [(b"later", None)]
    published = runtime.handles.get(track, LocalDataTrack, user.session.id)
    assert len(published.subscribers) == 1
    for stream in (first, second):
        runtime.drop_handle(agent.session.id, stream)
    assert published.subscribers == []  # the last stream gone: unsubscribed


async def test_publication_refusals_carry_the_native_codes(runtime: EngineRuntime) -> None:
    _, user = await _pair(runtime)
    await publish(user, "taken")
    custom = {"frame_encoding": {"custom": ""}}
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("", {}, PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_NAME, "Track name invalid"),
        (
            "n" * 257,
            {},
            PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_NAME,
            "Track name invalid",
        ),
        (
            "taken",
            {},
            PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_DUPLICATE_NAME,
            "Track name already taken",
        ),
        ("c", custom, PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_INTERNAL, data_tracks.BAD_ENCODING),
        (
            "s",
            {
                "schema": {
                    "name": "pose",
                    "encoding": {
                        "well_known": SchemaCode.Value("WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF")
                    },
                }
            },
            PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_SCHEMA,
            MISSING_FRAME_ENCODING,
        ),
    ]
    for name, options, code, message in cases:
        done = await publish(user, name, **options)
        assert (done.error.code, done.error.message) == (code, message), name
    assert (await publish(user, "n" * 256)).WhichOneof("result") == "track"

    mute = Peer(runtime, "mute")
    await mute.connect(canPublishData=False)
    done = await publish(mute, "x")
    assert done.error.code == PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_NOT_ALLOWED
    assert done.error.message == "Data track publishing unauthorized"

    # A remote participant's handle is refused at once, as native's guard does.
    agent_seen_by_user = user.joined.participants[0].participant.handle.id
    request = request_of(
        "publish_data_track", local_participant_handle=agent_seen_by_user, options={"name": "x"}
    )
    with pytest.raises(dispatch.RequestFailed, match="Expected local participant"):
        user.run(request)


@pytest.mark.parametrize(
    ("frame", "schema", "error"),
    [
        (None, None, None),
        ("JSON", None, None),
        ("CBOR", None, None),
        ("PROTOBUF", None, MISSING_SCHEMA_ID),
        (None, "PROTOBUF", MISSING_FRAME_ENCODING),
        ("CDR", "ROS2_IDL", None),
        ("CDR", "OMG_IDL", None),
        ("JSON", "PROTOBUF", INCOMPATIBLE),
        ("JSON", "UNSPECIFIED", INCOMPATIBLE),
        ("UNSPECIFIED", "PROTOBUF", None),
        ("UNSPECIFIED", None, None),
        ("custom", "custom", None),
        ("PROTOBUF", "custom", INCOMPATIBLE),
    ],
)
def test_schema_metadata_is_validated_as_native(
    frame: str | None, schema: str | None, error: str | None
) -> None:
    def frame_encoding(name: str | None) -> int | str | None:
        if name is None or name == "custom":
            return name and "my-frames"
        return FrameCode.Value(f"WELL_KNOWN_FRAME_ENCODING_{name}")

    def schema_encoding(name: str | None) -> int | str | None:
        if name is None or name == "custom":
            return name and "my-schema"
        return SchemaCode.Value(f"WELL_KNOWN_SCHEMA_ENCODING_{name}")

    assert validate_schema(frame_encoding(frame), schema_encoding(schema)) == error


async def test_a_late_joiner_hears_of_tracks_after_its_connect_callback(
    runtime: EngineRuntime,
) -> None:
    _, user = await _pair(runtime)
    await publish(user, "sensor")
    late = Peer(runtime, "late")
    await late.connect()
    await settle()
    events = [
        r.event.room_event for r in queued_events(late.session) if r.event.HasField("room_event")
    ]
    kinds = [e.WhichOneof("message") for e in events]
    assert kinds.count("data_track_published") == 1
    # Events read past while waiting for the callback come first: this one was not among them.
    assert kinds.index("connection_state_changed") < kinds.index("data_track_published")
    announced = events[kinds.index("data_track_published")].data_track_published
    assert announced.track.info.name == "sensor"
    assert announced.track.publisher_identity == "user"


async def test_a_subscription_to_a_track_gone_ends_at_the_first_read(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    user.run(request_of("local_data_track_unpublish", track_handle=track))
    await agent.event("data_track_unpublished")
    stream = subscribe(agent, remote.handle.id)
    await settle()
    assert stream_events(agent, stream) == []
    answer = read(agent, stream)
    assert answer.eos_event.error.code == SubscribeCode.SUBSCRIBE_DATA_TRACK_ERROR_CODE_INTERNAL
    assert answer.eos_event.error.message == "Cannot subscribe to unknown track"
    (end,) = stream_events(agent, stream)
    assert end.eos.error.message == "Cannot subscribe to unknown track"


async def test_a_subscription_the_server_never_grants_times_out(
    runtime: EngineRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_tracks, "SUBSCRIBE_TIMEOUT_S", 0.01)
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect(canSubscribe=False)
    await user.connect()
    _, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    received = await next_event(
        agent.session,
        lambda e: (
            e.HasField("data_track_stream_event")
            and e.data_track_stream_event.stream_handle == stream
        ),
    )
    error = received.event.data_track_stream_event.eos.error
    assert error.code == SubscribeCode.SUBSCRIBE_DATA_TRACK_ERROR_CODE_TIMEOUT
    assert error.message == "Request to subscribe to data track timed-out"


async def test_a_publisher_leaving_withdraws_its_tracks_before_it_goes(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    read(agent, stream)
    await user.call(request_of("disconnect", room_handle=user.room))
    await settle()
    events = queued_events(agent.session)
    kinds = [
        r.event.room_event.WhichOneof("message")
        if r.event.HasField("room_event")
        else r.event.WhichOneof("message")
        for r in events
    ]
    assert kinds.index("data_track_unpublished") < kinds.index("participant_disconnected")
    ends = [
        r.event.data_track_stream_event
        for r in events
        if r.event.HasField("data_track_stream_event")
    ]
    assert [e.WhichOneof("detail") for e in ends] == ["eos"]
    assert not ends[0].eos.HasField("error")
    assert not user.run(
        request_of("local_data_track_is_published", track_handle=track)
    ).is_published


async def test_a_subscriber_leaving_ends_its_streams_and_refuses_new_ones(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    _, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    await agent.call(request_of("disconnect", room_handle=agent.room))
    assert not read(agent, stream).HasField("eos_event")  # the end comes after this read
    (end,) = stream_events(agent, stream)
    assert end.WhichOneof("detail") == "eos" and not end.eos.HasField("error")
    again = subscribe(agent, remote.handle.id)
    error = read(agent, again).eos_event.error
    assert error.code == SubscribeCode.SUBSCRIBE_DATA_TRACK_ERROR_CODE_DISCONNECTED
    assert error.message == "Cannot subscribe to data track when disconnected"
    done = await publish(agent, "after")
    assert done.error.code == PublishCode.PUBLISH_DATA_TRACK_ERROR_CODE_DISCONNECTED
    assert done.error.message == "Room disconnected"


async def test_dropping_the_track_handle_unpublishes_it(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    assert runtime.drop_handle(user.session.id, track)
    assert (await agent.event("data_track_unpublished")).sid == remote.info.sid


async def test_pipeline_options_and_buffer_sizes(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    _, remote = await published_track(user, agent)
    handle = remote.handle.id
    options_request = request_of(
        "remote_data_track_set_pipeline_options",
        track_handle=handle,
        options={"max_partial_frames": 4},
    )
    agent.run(options_request)
    held = runtime.handles.get(handle, data_tracks.RemoteDataTrack, agent.session.id)
    assert held.max_partial_frames == 4
    agent.run(request_of("remote_data_track_set_pipeline_options", track_handle=handle, options={}))
    assert held.max_partial_frames == 1  # native builds the options afresh
    with pytest.raises(dispatch.RequestFailed, match="buffer_size 65537 is over lkemu's limit"):
        subscribe(agent, handle, buffer_size=65_537)
    subscribe(agent, handle, buffer_size=0)  # taken as one
    assert held.capacity == 1


async def test_the_data_track_channel_keeps_one_frame_waiting_the_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = EngineRuntime(clock="real")
    try:
        agent, user = await _pair(runtime)
        track, remote = await published_track(user, agent)
        stream = subscribe(agent, remote.handle.id)
        user_view = runtime.handles.get(user.local, LocalParticipant, user.session.id).view
        user_view.state(DataChannels).set_bandwidth(400_000)  # 50 kB/s: 1 kB in 20 ms
        for index in range(3):  # one in flight, the second replaced by the third
            push(user, track, bytes([index]) * 1000)
        for _ in range(3):
            read(agent, stream)
        seen = []
        for _ in range(2):
            received = await next_event(
                agent.session, lambda e: e.HasField("data_track_stream_event")
            )
            seen.append(received.event.data_track_stream_event.frame_received.frame.payload[0])
        assert seen == [0, 2]
    finally:
        await runtime.shutdown()


async def test_schemas_are_stored_and_fetched_as_a_server_keeps_them(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    protobuf = {"well_known": SchemaCode.Value("WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF")}
    pose = {"name": "pose", "encoding": protobuf}

    async def define(schema_id: dict[str, Any], definition: str) -> Any:
        request = request_of(
            "define_schema",
            local_participant_handle=user.local,
            schema_id=schema_id,
            definition=definition,
        )
        return await user.call(request)

    async def get(schema_id: dict[str, Any], identity: str = "user") -> Any:
        request = request_of(
            "get_schema",
            local_participant_handle=agent.local,
            schema_id=schema_id,
            participant_identity=identity,
        )
        return await agent.call(request)

    assert not (await define(pose, "message Pose { double x = 1; }")).HasField("error")
    fetched = await get(pose)
    assert fetched.definition == "message Pose { double x = 1; }" and not fetched.HasField("error")
    failed = "room failure: failed to fetch schema: internal error: get data blob request failed"
    other = {"name": "pose", "encoding": {"custom": "idl"}}
    assert (await get(other)).error == f"{failed} (NotFound): data blob not found"
    assert (await get(pose, "nobody")).error == f"{failed} (NotFound): participant not found"

    store = "room failure: store data blob request failed"
    assert (await define(pose, "")).error == f"{store} (InvalidRequest): data blob is empty"
    long_name = {"name": "n" * 250, "encoding": protobuf}
    assert (await define(long_name, "x")).error == f"{store} (InvalidRequest): data blob is invalid"
    empty_custom = {"name": "p", "encoding": {"custom": ""}}
    assert (await define(empty_custom, "x")).error == (
        f"{store} (InvalidRequest): encoding identifier is empty or exceeds the maximum length"
    )
    assert (await define({"name": "big", "encoding": protobuf}, "x" * 64_000)).error == (
        f"{store} (LimitExceeded): async attribute definition exceeds limit"
    )


def test_a_schema_key_is_spelled_as_the_server_prints_it() -> None:
    protobuf = SchemaCode.Value("WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF")
    assert SchemaId("pose", protobuf).blob_key() == (
        'schema_id:{name:"pose" encoding:{well_known:WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF}}'
    )
    assert SchemaId("", "my").blob_key() == 'schema_id:{encoding:{custom:"my"}}'
    assert SchemaId('a"b', 0).blob_key() == (
        'schema_id:{name:"a\\"b" encoding:{well_known:WELL_KNOWN_SCHEMA_ENCODING_UNSPECIFIED}}'
    )


async def _full_reconnect(peer: Peer) -> None:
    request = request_of(
        "simulate_scenario", room_handle=peer.room, scenario=room_pb2.SIMULATE_FULL_RECONNECT
    )
    await peer.call(request)
    await asyncio.sleep(RESTART_S)  # the new session comes after the callback, as native's
    await settle()


async def test_a_subscriber_reconnecting_in_full_keeps_its_data_tracks(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    stream = subscribe(agent, remote.handle.id)
    await _full_reconnect(agent)
    kinds = agent.room_events()
    assert "reconnected" in kinds and "participant_disconnected" in kinds
    assert "data_track_unpublished" not in kinds and "data_track_published" not in kinds
    push(user, track, b"after")
    await settle()
    read(agent, stream)
    assert frames_of(stream_events(agent, stream)) == [(b"after", None)]


async def test_a_publisher_reconnecting_in_full_republishes_under_a_new_sid(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    track, remote = await published_track(user, agent)
    old_stream = subscribe(agent, remote.handle.id)
    await _full_reconnect(user)
    assert (await agent.event("data_track_unpublished")).sid == remote.info.sid
    again = (await agent.event("data_track_published")).track
    assert again.info.name == "sensor" and again.info.sid != remote.info.sid
    mine = user.run(request_of("local_data_track_is_published", track_handle=track))
    assert mine.is_published  # the same handle, republished
    stream = subscribe(agent, again.handle.id)
    read(agent, stream)
    read(agent, old_stream)
    push(user, track, b"after")
    await settle()
    events = by_stream(agent)
    assert frames_of(events[stream]) == [(b"after", None)]
    assert [e.WhichOneof("detail") for e in events[old_stream]] == ["eos"]
