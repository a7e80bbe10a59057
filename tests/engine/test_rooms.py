"""Rooms: joining, publishing, data, participant info, statistics and leaving, with one
session per participant in one engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.rooms.model import Rooms
from lkemu.proto import (
    audio_frame_pb2,
    engine_pb2,
    ffi_pb2,
    participant_pb2,
    room_pb2,
    track_pb2,
)
from tests.helpers import make_token

from .conftest import (
    INPUT_ADDRESS,
    call_async,
    int16_memory,
    next_event,
    open_session,
    queued_events,
    request_of,
    room_event,
    run,
    settle,
    token,
)

ROOM = "lobby"


@pytest.fixture(autouse=True)
def _development_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The engine checks tokens against LIVEKIT_API_KEY/SECRET, else devkey/secret."""
    monkeypatch.delenv("LIVEKIT_API_KEY", raising=False)
    monkeypatch.delenv("LIVEKIT_API_SECRET", raising=False)
    yield


class Peer:
    """One participant: its session, and its room and local participant handles."""

    def __init__(self, runtime: EngineRuntime, identity: str) -> None:
        self.runtime = runtime
        self.identity = identity
        self.session = open_session(runtime)
        self.room = self.local = 0
        self.joined: Any = None  # the connect callback's result

    def run(self, request: ffi_pb2.FfiRequest, memory: Memory | None = None) -> Any:
        return run(self.runtime, self.session, request, memory)

    async def call(self, request: ffi_pb2.FfiRequest, memory: Memory | None = None) -> Any:
        return await call_async(self.runtime, self.session, request, memory)

    async def connect(self, room: str = ROOM, **grants: Any) -> Any:
        request = request_of(
            "connect",
            url="ws://lkemu",
            token=token(self.identity, room, **grants),
            options={"auto_subscribe": True},
        )
        done = await self.call(request)
        assert done.WhichOneof("message") == "result", done.error
        self.joined = done.result
        self.room = done.result.room.handle.id
        self.local = done.result.local_participant.handle.id
        return done.result

    async def event(self, kind: str) -> Any:
        received = await next_event(self.session, room_event(kind))
        assert received.event.room_event.room_handle == self.room
        return getattr(received.event.room_event, kind)

    def room_events(self) -> list[str]:
        """The kinds of the room events queued so far (read off the queue)."""
        return [
            str(r.event.room_event.WhichOneof("message"))
            for r in queued_events(self.session)
            if r.event.HasField("room_event")
        ]

    def new_track(self, sample_rate: int = 48000) -> tuple[int, int]:
        request = request_of(
            "new_audio_source",
            type=audio_frame_pb2.AUDIO_SOURCE_NATIVE,
            sample_rate=sample_rate,
            num_channels=1,
        )
        source = self.run(request).source.handle.id
        request = request_of("create_audio_track", name="mic", source_handle=source)
        return source, self.run(request).track.handle.id

    async def publish(self, track: int) -> Any:
        request = request_of(
            "publish_track",
            local_participant_handle=self.local,
            track_handle=track,
            options={"source": track_pb2.SOURCE_MICROPHONE},
        )
        return await self.call(request)

    async def publish_data(
        self, payload: bytes, destinations: list[str] | None = None, topic: str = "chat"
    ) -> Any:
        memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=payload)])
        request = request_of(
            "publish_data",
            local_participant_handle=self.local,
            data_ptr=INPUT_ADDRESS,
            data_len=len(payload),
            reliable=True,
            topic=topic,
            destination_identities=destinations or [],
        )
        return await self.call(request, memory)


async def _pair(runtime: EngineRuntime, **user_grants: Any) -> tuple[Peer, Peer]:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect(**user_grants)
    return agent, user


def _data_packets(peer: Peer) -> list[Any]:
    return [
        r
        for r in queued_events(peer.session)
        if r.event.room_event.HasField("data_packet_received")
    ]


async def test_two_sessions_join_one_room(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    first = await agent.connect()
    assert first.room.info.name == ROOM and first.room.info.sid.startswith("RM_")
    assert first.local_participant.info.identity == "agent"
    assert len(first.participants) == 0
    assert agent.room > 0 and agent.local > 0
    state = await agent.event("connection_state_changed")
    assert state.state == room_pb2.CONN_CONNECTED

    user = Peer(runtime, "user")
    second = await user.connect()
    assert second.room.info.sid == first.room.info.sid
    assert second.room.info.num_participants == 2
    assert [p.participant.info.identity for p in second.participants] == ["agent"]
    assert second.participants[0].participant.handle.id > 0

    joined = await agent.event("participant_connected")
    assert joined.info.info.identity == "user"
    assert joined.info.handle.id > 0
    assert joined.info.info.sid == second.local_participant.info.sid
    # Each session holds its own handles: the user's are not the agent's.
    assert {user.room, user.local}.isdisjoint({agent.room, agent.local})
    assert runtime.area(Rooms).get(ROOM) is not None
    assert sorted(runtime.area(Rooms).by_name[ROOM].members) == ["agent", "user"]


async def test_a_bad_token_is_refused_in_the_connect_callback(runtime: EngineRuntime) -> None:
    peer = Peer(runtime, "intruder")
    request = request_of(
        "connect", url="ws://lkemu", token="not-a-jwt", options={"auto_subscribe": True}
    )
    done = await peer.call(request)
    assert done.error.startswith("could not join: malformed access token")
    assert runtime.area(Rooms).get(ROOM) is None
    assert runtime.handles.count(peer.session.id).total() == 0


async def test_a_published_track_is_offered_and_subscribed(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    source, track = user.new_track()
    done = await user.publish(track)
    assert not done.HasField("error"), done.error
    info = done.publication.info
    assert info.sid.startswith("TR_")
    assert (info.kind, info.source, info.remote) == (
        track_pb2.KIND_AUDIO,
        track_pb2.SOURCE_MICROPHONE,
        False,
    )
    # No codec yet: the server's answer to AddTrack precedes the media (rooms/simulcast.py)
    assert info.mime_type == "" and info.name == "mic"
    assert done.publication.handle.id > 0

    published = await agent.event("track_published")
    assert published.participant_identity == "user"
    assert published.publication.info.sid == info.sid
    assert published.publication.info.remote is True
    assert published.publication.info.mime_type == "audio/opus"
    subscribed = await agent.event("track_subscribed")
    assert subscribed.participant_identity == "user"
    assert subscribed.track.info.sid == info.sid and subscribed.track.info.remote
    assert subscribed.track.handle.id > 0

    assert (await user.event("local_track_published")).track_sid == info.sid
    assert (await user.event("local_track_subscribed")).track_sid == info.sid

    # The subscriber's remote track carries what the publisher captures, sample for sample.
    request = request_of(
        "new_audio_stream",
        track_handle=subscribed.track.handle.id,
        type=audio_frame_pb2.AUDIO_STREAM_NATIVE,
        sample_rate=48000,
        num_channels=1,
    )
    stream = agent.run(request).stream.handle.id
    samples = (np.arange(960) * 7 % 20000).astype(np.int16)
    buffer = {
        "data_ptr": INPUT_ADDRESS,
        "num_channels": 1,
        "sample_rate": 48000,
        "samples_per_channel": 960,
    }
    captured = await user.call(
        request_of("capture_audio_frame", source_handle=source, buffer=buffer),
        int16_memory(samples),
    )
    assert not captured.HasField("error")
    heard = []
    for _ in range(2):
        received = await next_event(
            agent.session,
            lambda e: (
                e.audio_stream_event.stream_handle == stream
                and e.audio_stream_event.HasField("frame_received")
            ),
        )
        frame_info = received.event.audio_stream_event.frame_received.frame.info
        heard.append(np.frombuffer(received.blob(frame_info.data_ptr), dtype=np.int16))
    np.testing.assert_array_equal(np.concatenate(heard), samples)


async def test_publishing_twice_and_without_grant_are_refused(runtime: EngineRuntime) -> None:
    _, user = await _pair(runtime)
    _, track = user.new_track()
    assert not (await user.publish(track)).HasField("error")
    again = await user.publish(track)
    assert again.error == "this track is already published"

    watcher = Peer(runtime, "watcher")
    await watcher.connect(canPublish=False)
    _, other = watcher.new_track()
    refused = await watcher.publish(other)
    assert refused.error == "does not have permission to publish (canPublish)"


async def test_data_reaches_only_its_destination_and_never_the_sender(
    runtime: EngineRuntime,
) -> None:
    agent, user = await _pair(runtime)
    bob = Peer(runtime, "bob")
    await bob.connect()
    await settle()
    for peer in (agent, user, bob):
        queued_events(peer.session)  # joins and connection states

    done = await user.publish_data(b"for the agent", destinations=["agent"])
    assert not done.HasField("error"), done.error
    received = await next_event(agent.session, room_event("data_packet_received"))
    packet = received.event.room_event.data_packet_received
    assert packet.participant_identity == "user"
    assert packet.kind == room_pb2.KIND_RELIABLE
    assert packet.user.topic == "chat"
    data = packet.user.data.data
    assert data.data_len == len(b"for the agent")
    assert received.blob(data.data_ptr) == b"for the agent"
    await settle()
    assert _data_packets(bob) == []
    assert _data_packets(user) == []

    # Without destinations everyone else gets it, still not the sender.
    done = await user.publish_data(b"to all", topic="news")
    assert not done.HasField("error")
    for peer in (agent, bob):
        received = await next_event(peer.session, room_event("data_packet_received"))
        packet = received.event.room_event.data_packet_received
        assert (packet.participant_identity, packet.user.topic) == ("user", "news")
        assert received.blob(packet.user.data.data.data_ptr) == b"to all"
    await settle()
    assert _data_packets(user) == []


async def test_data_without_the_grant_is_refused(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime, canPublishData=False)
    done = await user.publish_data(b"secret")
    assert done.error == "does not have permission to publish data (canPublishData)"
    await settle()
    assert _data_packets(agent) == []


async def test_set_local_attributes_tells_the_whole_room(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime, canUpdateOwnMetadata=True)
    request = request_of(
        "set_local_attributes",
        local_participant_handle=user.local,
        attributes=[{"key": "mood", "value": "happy"}, {"key": "lang", "value": "fr"}],
    )
    done = await user.call(request)
    assert not done.HasField("error"), done.error
    for peer in (agent, user):  # the participant itself hears of it too
        changed = await peer.event("participant_attributes_changed")
        assert changed.participant_identity == "user"
        assert {a.key: a.value for a in changed.attributes} == {"mood": "happy", "lang": "fr"}
        assert {a.key: a.value for a in changed.changed_attributes} == {
            "mood": "happy",
            "lang": "fr",
        }

    # An empty value deletes the attribute.
    request = request_of(
        "set_local_attributes",
        local_participant_handle=user.local,
        attributes=[{"key": "mood", "value": ""}],
    )
    await user.call(request)
    changed = await agent.event("participant_attributes_changed")
    assert {a.key: a.value for a in changed.attributes} == {"lang": "fr"}
    assert {a.key: a.value for a in changed.changed_attributes} == {"mood": ""}


async def test_set_local_attributes_needs_the_grant(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)  # canUpdateOwnMetadata is off by default
    request = request_of(
        "set_local_attributes",
        local_participant_handle=user.local,
        attributes=[{"key": "k", "value": "v"}],
    )
    done = await user.call(request)
    assert done.error == "does not have permission to update own metadata (canUpdateOwnMetadata)"
    await settle()
    assert "participant_attributes_changed" not in agent.room_events()


async def test_get_stats_needs_a_published_track(runtime: EngineRuntime) -> None:
    _, user = await _pair(runtime)
    _, track = user.new_track()
    done = await user.call(request_of("get_stats", track_handle=track))
    assert done.error == "room failure: no transceiver found for track"
    assert len(done.stats) == 0
    published = await user.publish(track)
    done = await user.call(request_of("get_stats", track_handle=track))
    assert not done.HasField("error")
    kinds = sorted(s.WhichOneof("stats") for s in done.stats)
    assert kinds == ["codec", "media_source", "outbound_rtp"]
    # Unpublished, the track has no transceiver again.
    sid = published.publication.info.sid
    request = request_of("unpublish_track", local_participant_handle=user.local, track_sid=sid)
    assert not (await user.call(request)).HasField("error")
    done = await user.call(request_of("get_stats", track_handle=track))
    assert done.error == "room failure: no transceiver found for track"


async def test_disconnect_tells_both_sides(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    _, track = user.new_track()
    published = await user.publish(track)
    sid = published.publication.info.sid
    await agent.event("track_subscribed")
    await settle()
    queued_events(user.session)

    done = await user.call(request_of("disconnect", room_handle=user.room))
    assert done.async_id > 0
    assert user.room_events() == ["connection_state_changed", "disconnected", "eos"]
    assert (await agent.event("track_unsubscribed")).track_sid == sid
    assert (await agent.event("track_unpublished")).publication_sid == sid
    left = await agent.event("participant_disconnected")
    assert left.participant_identity == "user"
    assert left.disconnect_reason == participant_pb2.CLIENT_INITIATED
    assert list(runtime.area(Rooms).by_name[ROOM].members) == ["agent"]

    # A disconnected participant can no longer send.
    with pytest.raises(dispatch.RequestFailed) as failed:
        user.run(
            request_of(
                "publish_data",
                local_participant_handle=user.local,
                data_ptr=0,
                data_len=0,
                reliable=True,
            )
        )
    assert failed.value.message == (
        "failed to handle request publish_data: the participant is not connected"
    )

    # The last one out closes the room.
    await agent.call(request_of("disconnect", room_handle=agent.room))
    assert runtime.area(Rooms).get(ROOM) is None


async def test_dropping_the_room_handle_leaves_quietly(runtime: EngineRuntime) -> None:
    agent, user = await _pair(runtime)
    await settle()
    queued_events(user.session)
    assert runtime.drop_handle(user.session.id, user.room)
    left = await agent.event("participant_disconnected")
    assert left.participant_identity == "user"
    assert user.room_events() == []  # the dropped room tells its own session nothing


async def test_a_newcomer_is_joined_then_active(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    await agent.connect()
    user = Peer(runtime, "user")
    await user.connect()
    connected = await agent.event("participant_connected")
    assert connected.info.info.state == participant_pb2.PARTICIPANT_STATE_JOINED
    active = await agent.event("participant_active")
    assert active.participant_identity == "user"
    # Someone joining later finds both active.
    late = Peer(runtime, "late")
    joined = await late.connect()
    states = {p.participant.info.identity: p.participant.info.state for p in joined.participants}
    assert states == dict.fromkeys(("agent", "user"), participant_pb2.PARTICIPANT_STATE_ACTIVE)


@pytest.mark.parametrize(
    ("claims", "kind"),
    [
        ({}, participant_pb2.PARTICIPANT_KIND_STANDARD),
        ({"kind": "agent"}, participant_pb2.PARTICIPANT_KIND_AGENT),
        ({"kind": "sip"}, participant_pb2.PARTICIPANT_KIND_SIP),
        ({"video_agent": True}, participant_pb2.PARTICIPANT_KIND_AGENT),
    ],
)
async def test_the_tokens_kind_reaches_every_view(
    runtime: EngineRuntime, claims: dict[str, Any], kind: int
) -> None:
    user = Peer(runtime, "user")
    await user.connect()
    if claims.get("video_agent"):
        token = make_token("bot", ROOM, agent=True)  # the old video grant
    else:
        token = make_token("bot", ROOM, kind=claims.get("kind", ""))
    bot = Peer(runtime, "bot")
    done = await bot.call(request_of("connect", url="ws://lkemu", token=token, options={}))
    assert done.result.local_participant.info.kind == kind
    connected = await user.event("participant_connected")
    assert connected.info.info.kind == kind


async def test_an_unknown_kind_is_a_standard_participant(runtime: EngineRuntime) -> None:
    bot = Peer(runtime, "bot")
    token = make_token("bot", ROOM, kind="robot")
    done = await bot.call(request_of("connect", url="ws://lkemu", token=token, options={}))
    assert done.result.local_participant.info.kind == participant_pb2.PARTICIPANT_KIND_STANDARD


async def test_injecting_an_identity_again_stops_the_first_ones_audio(
    runtime: EngineRuntime,
) -> None:
    from lkemu.engine.rooms import control

    def inject(**fields: Any) -> engine_pb2.InjectParticipantReply:
        request = engine_pb2.InjectParticipantRequest(room="played", identity="caller", **fields)
        request.signal.kind, request.signal.seconds = "sine", 1.0
        return control.inject_participant(runtime, request)

    inject(loop=True, start_immediately=True)
    first = runtime.area(control.InjectedParticipants).by_key[("played", "caller")]
    inject(loop=True, start_immediately=True)
    await settle()
    assert first.feeder is not None and first.feeder.done()  # cancelled
    with pytest.raises(control.ControlError, match="kind must be one of"):
        control.inject_participant(
            runtime, engine_pb2.InjectParticipantRequest(room="ghost", identity="x", kind="robot")
        )
    assert runtime.area(Rooms).get("ghost") is None  # a refused inject leaves no room
