"""Faults a room can have: every SimulateScenarioKind as the SDK and the others see it, a
participant's network (loss, jitter, bandwidth) as a receiver hears it, and its network
going away, on simulated time (the timeline's 20 s and more take no wall time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
import pytest

from lkemu.bindings.simulated_time import SimulatedTimeLoop
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.media.audio_source import AudioSource
from lkemu.engine.rooms.media import RemoteTrack
from lkemu.engine.rooms.model import Rooms
from lkemu.engine.rooms.network import (
    AudioPath,
    LinkConditions,
    Links,
    LinkSide,
    VideoPath,
)
from lkemu.engine.rooms.reconnect import RESTART_S, Outages, cut_network, restore_network
from lkemu.proto import participant_pb2, room_pb2

from .conftest import call_async, queued_events, request_of, settle
from .test_rooms import ROOM, Peer, _development_keys  # noqa: F401 (an autouse fixture)

RATE = 48000
PACKET = RATE // 50  # frames in a 20 ms packet


def _events(peer: Peer) -> list[tuple[str, Any]]:
    """The room events `peer` got so far: (kind, message)."""
    found = []
    for received in queued_events(peer.session):
        if received.event.HasField("room_event"):
            event = received.event.room_event
            kind = str(event.WhichOneof("message"))
            found.append((kind, getattr(event, kind)))
    return found


def _kinds(events: list[tuple[str, Any]]) -> list[str]:
    return [kind for kind, _ in events]


async def _simulate(peer: Peer, scenario: int) -> None:
    request = request_of("simulate_scenario", room_handle=peer.room, scenario=scenario)
    done = await peer.call(request)
    assert not done.HasField("error"), done.error
    if scenario not in (room_pb2.SIMULATE_SPEAKER, room_pb2.SIMULATE_SERVER_LEAVE):
        await asyncio.sleep(RESTART_S)  # recovering takes time after the callback, as native's
    await settle()


async def _room_with_mics(runtime: EngineRuntime) -> tuple[Peer, Peer, Any, Any]:
    """The agent and the user, each publishing a microphone the other receives."""
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    _, agent_track = agent.new_track()
    _, user_track = user.new_track()
    agent_pub = (await agent.publish(agent_track)).publication
    user_pub = (await user.publish(user_track)).publication
    await settle()
    _events(agent), _events(user)  # what the set-up produced: read and forgotten
    return agent, user, agent_pub, user_pub


async def test_a_signal_reconnect_resumes_and_nobody_else_notices(runtime: EngineRuntime) -> None:
    agent, user, _, _ = await _room_with_mics(runtime)
    await _simulate(agent, room_pb2.SIMULATE_SIGNAL_RECONNECT)
    events = _events(agent)
    assert _kinds(events) == [
        "connection_state_changed",
        "reconnecting",
        "connection_state_changed",
        "reconnected",
    ]
    assert events[0][1].state == room_pb2.CONN_RECONNECTING
    assert events[2][1].state == room_pb2.CONN_CONNECTED
    assert _events(user) == []


@pytest.mark.parametrize(
    "scenario",
    [room_pb2.SIMULATE_FULL_RECONNECT, room_pb2.SIMULATE_FORCE_TCP, room_pb2.SIMULATE_FORCE_TLS],
)
async def test_a_full_reconnect_republishes_under_new_sids(
    runtime: EngineRuntime, scenario: int
) -> None:
    agent, user, agent_pub, user_pub = await _room_with_mics(runtime)
    agent_sid = runtime.area(Rooms).by_name[ROOM].members["agent"].sid
    await _simulate(agent, scenario)

    events = _events(agent)
    assert _kinds(events) == [
        # handle_restarting: the client drops what it knew of the room, then reconnects
        "track_unsubscribed",
        "track_unpublished",
        "participant_disconnected",
        "connection_state_changed",
        "reconnecting",
        # the new session's join response, then the subscription
        "participant_connected",
        "participant_active",
        "track_published",
        "track_subscribed",
        # handle_restarted: the local track again, on the same publication handle
        "local_track_republished",
        "connection_state_changed",
        "reconnected",
    ]
    by_kind = dict(events)
    assert by_kind["participant_disconnected"].participant_identity == "user"
    assert by_kind["participant_connected"].info.info.identity == "user"
    assert by_kind["track_published"].publication.info.sid == user_pub.info.sid
    republished = by_kind["local_track_republished"]
    assert republished.publication_handle == agent_pub.handle.id
    assert republished.previous_sid == agent_pub.info.sid
    assert republished.info.sid.startswith("TR_")
    assert republished.info.sid != agent_pub.info.sid
    assert (republished.info.name, republished.info.source) == ("mic", agent_pub.info.source)

    seen = _events(user)
    assert _kinds(seen) == [
        "track_unsubscribed",
        "track_unpublished",
        "participant_disconnected",
        "participant_connected",
        "participant_active",
        "track_published",
        "track_subscribed",
    ]
    by_kind = dict(seen)
    assert by_kind["participant_disconnected"].disconnect_reason == participant_pb2.CLIENT_INITIATED
    rejoined = by_kind["participant_connected"].info.info
    assert rejoined.identity == "agent" and rejoined.sid != agent_sid
    assert by_kind["track_published"].publication.info.sid == republished.info.sid
    assert by_kind["track_subscribed"].track.info.sid == republished.info.sid
    # The room lived on (same sid); the publication handle names the new sid.
    room = runtime.area(Rooms).by_name[ROOM]
    assert sorted(room.members) == ["agent", "user"]
    assert list(room.members["agent"].publications) == [republished.info.sid]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        (room_pb2.SIMULATE_NODE_FAILURE, participant_pb2.SERVER_SHUTDOWN),
        (room_pb2.SIMULATE_MIGRATION, participant_pb2.MIGRATION),
        (room_pb2.SIMULATE_DISCONNECT_SIGNAL_ON_RESUME, participant_pb2.DUPLICATE_IDENTITY),
    ],
)
async def test_a_failed_resume_ends_in_a_full_reconnect(
    runtime: EngineRuntime, scenario: int, reason: int
) -> None:
    agent, user, _, _ = await _room_with_mics(runtime)
    await _simulate(agent, scenario)
    kinds = _kinds(_events(agent))
    # Reconnecting comes first (the resume), once; the remote participant goes, comes back.
    assert kinds[:5] == [
        "connection_state_changed",
        "reconnecting",
        "track_unsubscribed",
        "track_unpublished",
        "participant_disconnected",
    ]
    assert kinds.count("reconnecting") == 1
    assert kinds[-3:] == ["local_track_republished", "connection_state_changed", "reconnected"]
    left = dict(_events(user))["participant_disconnected"]
    assert left.participant_identity == "agent" and left.disconnect_reason == reason


async def test_a_server_leave_disconnects_with_server_shutdown(runtime: EngineRuntime) -> None:
    agent, user, _, _ = await _room_with_mics(runtime)
    await _simulate(agent, room_pb2.SIMULATE_SERVER_LEAVE)
    events = _events(agent)
    assert _kinds(events) == ["connection_state_changed", "disconnected", "eos"]
    assert events[0][1].state == room_pb2.CONN_DISCONNECTED
    assert events[1][1].reason == participant_pb2.SERVER_SHUTDOWN
    left = dict(_events(user))["participant_disconnected"]
    assert left.disconnect_reason == participant_pb2.SERVER_SHUTDOWN
    assert list(runtime.area(Rooms).by_name[ROOM].members) == ["user"]


async def test_a_scenario_on_a_room_that_left_is_refused(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    await agent.connect()
    await agent.call(request_of("disconnect", room_handle=agent.room))
    request = request_of(
        "simulate_scenario", room_handle=agent.room, scenario=room_pb2.SIMULATE_FULL_RECONNECT
    )
    done = await agent.call(request)
    assert done.error == "engine is closed"


def _on_simulated_time(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `test` on a loop whose clock jumps to its next timer when every task waits."""
    loop = SimulatedTimeLoop()
    try:
        loop.run_until_complete(test())
    finally:
        loop.close()


def test_a_simulated_speaker_speaks_for_3_seconds() -> None:
    async def scenario() -> None:
        runtime = EngineRuntime(clock="virtual")
        try:
            agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
            await agent.connect()
            await user.connect()
            await settle()
            _events(agent), _events(user)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await _simulate(user, room_pb2.SIMULATE_SPEAKER)
            for peer in (agent, user):  # everyone hears it, the speaker too
                [(kind, speakers)] = _events(peer)
                assert kind == "active_speakers_changed"
                assert list(speakers.participant_identities) == ["user"]
            await asyncio.sleep(2.9)
            assert _events(agent) == []
            await asyncio.sleep(0.2)
            [(kind, speakers)] = _events(agent)
            assert kind == "active_speakers_changed" and not speakers.participant_identities
            assert loop.time() - started == pytest.approx(3.1)
        finally:
            await runtime.shutdown()

    _on_simulated_time(scenario)


# The media path: a stream through two links.


def _links(**conditions: LinkConditions) -> Links:
    links = Links(None)
    for identity, condition in conditions.items():
        links.set(ROOM, identity, condition)
    return links


def _path(links: Links, subscriber: str = "sub", flows: tuple[int, int] = (1, 0)) -> AudioPath:
    up = LinkSide(links, ROOM, "pub", ("up", "mic", "2"), lambda: flows)
    down = LinkSide(links, ROOM, subscriber, ("down", "pub", "mic", "2"), lambda: flows)
    return AudioPath(up, down)


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)[:, None]


def _play(path: AudioPath, audio: np.ndarray, chunk: int) -> np.ndarray:
    played = [path.carry(audio[i : i + chunk], RATE, i) for i in range(0, len(audio), chunk)]
    return np.concatenate(played)


def _packet_energy(audio: np.ndarray) -> np.ndarray:
    packets = audio[: len(audio) // PACKET * PACKET, 0].astype(np.float64).reshape(-1, PACKET)
    return np.sqrt(np.mean(packets**2, axis=1))


def test_losses_depend_on_the_seed_not_on_the_chunking() -> None:
    tone = _tone(10)
    links = _links(pub=LinkConditions(loss=0.1, seed=7), sub=LinkConditions(jitter_ms=30, seed=3))
    # 10 ms chunks (the real clock), 350 ms (the virtual clock's blocks), and odd ones.
    runs = [_play(_path(links), tone, chunk) for chunk in (480, 16800, 1234)]
    assert all(np.array_equal(runs[0], other) for other in runs[1:])
    assert len(runs[0]) == len(tone)  # concealment keeps the sample count
    other_seed = _links(
        pub=LinkConditions(loss=0.1, seed=8), sub=LinkConditions(jitter_ms=30, seed=3)
    )
    assert not np.array_equal(runs[0], _play(_path(other_seed), tone, 480))


def test_packet_loss_is_concealed_then_silent_and_counted() -> None:
    tone = _tone(20)
    path = _path(_links(pub=LinkConditions(loss=0.2, seed=1)))
    played = _play(path, tone, 480)
    stats = path.stats
    assert stats.packets_received + stats.packets_lost == 1000  # 20 s of 20 ms packets
    assert 0.15 < stats.packets_lost / 1000 < 0.25
    assert stats.packets_discarded == 0 and stats.jitter_ms == 0
    changed = np.any(played != tone, axis=1)
    assert np.count_nonzero(changed) <= stats.concealed_samples == stats.packets_lost * PACKET
    # A single lost packet plays the 20 ms before it again, fading (never louder).
    energy, original = _packet_energy(played), _packet_energy(tone)
    lost = np.flatnonzero(_packet_energy(played - tone) > 0)
    single = [k for k in lost if k - 1 not in lost and k + 1 not in lost and k > 0]
    assert single
    for k in single:
        gap = played[k * PACKET : (k + 1) * PACKET, 0].astype(np.float64)
        before = played[(k - 1) * PACKET : k * PACKET, 0].astype(np.float64)
        fade = np.clip(1 - np.arange(PACKET) / (RATE * 0.06), 0, 1)
        assert np.allclose(gap, before * fade, atol=1.0)
        assert energy[k] < original[k]
    # Three packets (60 ms) into a gap, it is silent.
    assert stats.silent_concealed_samples > 0
    runs = np.split(lost, np.flatnonzero(np.diff(lost) > 1) + 1)
    long_runs = [run for run in runs if len(run) > 3]
    if long_runs:
        assert energy[long_runs[0][3]] == 0.0


def test_an_uplink_loss_is_every_subscribers_a_downlink_loss_only_its_own() -> None:
    tone = _tone(5)
    up_lossy = _links(pub=LinkConditions(loss=0.3, seed=5))
    first = _play(_path(up_lossy, "first"), tone, 480)
    second = _play(_path(up_lossy, "second"), tone, 480)
    assert np.array_equal(first, second)
    down_lossy = _links(
        first=LinkConditions(loss=0.3, seed=5), second=LinkConditions(loss=0.3, seed=5)
    )
    first = _play(_path(down_lossy, "first"), tone, 480)
    second = _play(_path(down_lossy, "second"), tone, 480)
    assert not np.array_equal(first, second)


def test_jitter_conceals_only_packets_later_than_the_buffer_allows() -> None:
    tone = _tone(20)
    mild = _path(_links(sub=LinkConditions(jitter_ms=5, seed=2)))
    _play(mild, tone, 480)
    # Its 0.95 quantile (about 10 ms) is under a packet: the buffer waits a packet anyway.
    assert mild.stats.packets_discarded == 0 and mild.stats.concealed_samples == 0
    assert mild.stats.jitter_ms > 0 and mild.stats.jitter_target_ms == 20
    harsh = _path(_links(sub=LinkConditions(jitter_ms=40, seed=2)))
    _play(harsh, tone, 480)
    late = harsh.stats.packets_discarded / 1000
    assert 0.02 < late < 0.08  # the buffer covers 95 % of the delays
    assert harsh.stats.packets_lost == 0
    assert harsh.stats.concealed_samples == harsh.stats.packets_discarded * PACKET
    assert harsh.stats.jitter_target_ms == pytest.approx(1.96 * 40, rel=1e-3)
    # RFC 3550's estimate (a running mean of |D|, D the difference of two delays) tends to
    # E|X - Y| for X, Y of |N(0, s)|: 2 (sqrt(2) - 1) sqrt(2 / pi) s.
    expected = 2 * (np.sqrt(2) - 1) * np.sqrt(2 / np.pi) * 40
    assert harsh.stats.jitter_ms == pytest.approx(expected, rel=0.3)


def test_a_narrow_link_passes_its_share_of_packets() -> None:
    tone = _tone(10)
    # 48 kbit/s is one Opus stream on the wire; 24 kbit/s passes every other packet.
    half = _path(_links(sub=LinkConditions(bandwidth_bps=24_000)))
    _play(half, tone, 480)
    assert half.stats.packets_lost == 250
    shared = _path(_links(sub=LinkConditions(bandwidth_bps=48_000)), flows=(2, 0))
    _play(shared, tone, 480)
    assert shared.stats.packets_lost == 250  # two audio streams share it
    wide = _path(_links(sub=LinkConditions(bandwidth_bps=1_000_000)))
    _play(wide, tone, 480)
    assert wide.stats.packets_lost == 0


def test_video_gets_what_audio_leaves() -> None:
    # 30 frames a second of 2040 bytes on the wire is 490 kbit/s; with one audio stream
    # (48 kbit/s) on a 293 kbit/s link, video gets 245 kbit/s: half its frames.
    links = _links(sub=LinkConditions(bandwidth_bps=293_600))
    up = LinkSide(links, ROOM, "pub", ("up", "cam", "1"), lambda: (0, 1))
    down = LinkSide(links, ROOM, "sub", ("down", "pub", "cam", "1"), lambda: (1, 1))
    video = VideoPath(up, down)
    arrived = [video.carry(k, k * 1_000_000 // 30) for k in range(300)]
    assert sum(arrived) == 150
    assert video.stats.packets_lost == 150 and video.stats.packets_received == 150


# Through a room: what a subscriber's stream plays and its statistics say.


class _Recorder:
    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        self.chunks.append(chunk.copy())

    def ready(self) -> bool:
        return True

    def on_frame(self, frame: Any) -> None:
        raise AssertionError("an audio track carries no frames")

    def on_end(self) -> None:
        pass


async def test_a_lossy_publisher_is_heard_concealed_and_get_stats_says_so(
    runtime: EngineRuntime,
) -> None:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    source_handle, track_handle = user.new_track()
    await user.publish(track_handle)
    await settle()
    subscribed = next(e for k, e in _events(agent) if k == "track_subscribed")
    remote = runtime.handles.get(subscribed.track.handle.id, RemoteTrack, agent.session.id)
    recorder = _Recorder()
    remote.add_sink(recorder)
    runtime.area(Links).set(ROOM, "user", LinkConditions(loss=0.25, seed=11))
    source = runtime.handles.get(source_handle, AudioSource, user.session.id)
    tone = _tone(2)
    await asyncio.wait_for(source.capture(tone), 5)
    await asyncio.sleep(0.05)
    heard = np.concatenate(recorder.chunks)
    assert len(heard) == len(tone)
    assert np.count_nonzero(np.any(heard != tone, axis=1)) > 0
    done = await call_async(
        runtime, agent.session, request_of("get_stats", track_handle=subscribed.track.handle.id)
    )
    [inbound] = [s.inbound_rtp for s in done.stats if s.HasField("inbound_rtp")]
    assert inbound.received.packets_lost > 0
    assert inbound.received.packets_received + inbound.received.packets_lost == 100
    assert inbound.inbound.concealed_samples == inbound.received.packets_lost * PACKET
    assert inbound.inbound.concealment_events > 0


# A participant's network going away, on simulated time.


def _outage(test: Callable[[EngineRuntime, Peer, Peer], Coroutine[Any, Any, None]]) -> None:
    """Run `test` with the agent and the user in a room, each publishing a microphone."""

    async def scenario() -> None:
        runtime = EngineRuntime(clock="virtual")
        try:
            agent, user, _, _ = await _room_with_mics(runtime)
            await test(runtime, agent, user)
        finally:
            await runtime.shutdown()

    _on_simulated_time(scenario)


def test_a_network_back_before_the_client_notices_is_only_a_gap() -> None:
    async def test(runtime: EngineRuntime, agent: Peer, user: Peer) -> None:
        member = runtime.area(Rooms).by_name[ROOM].members["user"]
        cut_network(member.view, 8.0)
        assert runtime.area(Links).of(ROOM, "user").down
        await asyncio.sleep(60)
        assert not runtime.area(Links).of(ROOM, "user").down
        assert _events(agent) == [] and _events(user) == []
        assert runtime.area(Rooms).by_name[ROOM].members["user"] is member

    _outage(test)


def test_a_network_that_never_comes_back() -> None:
    async def test(runtime: EngineRuntime, agent: Peer, user: Peer) -> None:
        loop = asyncio.get_running_loop()
        member = runtime.area(Rooms).by_name[ROOM].members["user"]
        cut = loop.time()
        cut_network(member.view, 0)
        # The client notices 15 s after its last pong (pings every 5 s from its start).
        await asyncio.sleep(14.9)
        assert _events(user) == []
        await asyncio.sleep(0.2)
        assert _kinds(_events(user)) == ["connection_state_changed", "reconnecting"]
        # The server drops it 20 s after the network went.
        await asyncio.sleep(20 - (loop.time() - cut) - 0.1)
        assert "participant_disconnected" not in _kinds(_events(agent))
        await asyncio.sleep(0.2)
        left = dict(_events(agent))["participant_disconnected"]
        assert left.disconnect_reason == participant_pb2.CONNECTION_TIMEOUT
        # The client gives up after 10 attempts of at least 5 s each.
        await asyncio.sleep(120)
        events = _events(user)
        kinds = _kinds(events)
        # Its second attempt (a full reconnection) dropped the room it knew.
        assert kinds[:3] == ["track_unsubscribed", "track_unpublished", "participant_disconnected"]
        assert kinds[3:] == ["connection_state_changed", "disconnected", "eos"]
        assert events[4][1].reason == participant_pb2.UNKNOWN_REASON
        assert runtime.area(Rooms).get(ROOM) is not None  # the agent is still in it
        assert list(runtime.area(Rooms).by_name[ROOM].members) == ["agent"]

    _outage(test)


def test_a_network_back_after_the_server_dropped_it_rejoins_in_full() -> None:
    async def test(runtime: EngineRuntime, agent: Peer, user: Peer) -> None:
        member = runtime.area(Rooms).by_name[ROOM].members["user"]
        old_sid = member.sid
        cut_network(member.view, 30.0)
        await asyncio.sleep(120)
        seen = _events(agent)
        kinds = _kinds(seen)
        assert kinds[:3] == ["track_unsubscribed", "track_unpublished", "participant_disconnected"]
        assert kinds[3:] == [
            "participant_connected",
            "participant_active",
            "track_published",
            "track_subscribed",
        ]
        assert dict(seen)["participant_disconnected"].disconnect_reason == (
            participant_pb2.CONNECTION_TIMEOUT
        )
        assert dict(seen)["participant_connected"].info.info.sid != old_sid
        kinds = _kinds(_events(user))
        assert kinds[:2] == ["connection_state_changed", "reconnecting"]
        assert kinds[-3:] == ["local_track_republished", "connection_state_changed", "reconnected"]
        assert runtime.area(Rooms).by_name[ROOM].members["user"] is not member
        assert not runtime.area(Outages).restores

    _outage(test)


def test_a_network_back_before_the_server_timeout_replaces_the_old_session() -> None:
    async def test(runtime: EngineRuntime, agent: Peer, user: Peer) -> None:
        member = runtime.area(Rooms).by_name[ROOM].members["user"]
        # Its last pong came at its start: cut 4.9 s later, the client notices at 10.1 s.
        await asyncio.sleep(4.9 - (asyncio.get_running_loop().time() - member.view.signal_since))
        cut_network(member.view, 0)
        await asyncio.sleep(10.5)
        assert _kinds(_events(user)) == ["connection_state_changed", "reconnecting"]
        restore_network(runtime, ROOM, "user")  # before the server's ICE fails (15 s)
        await asyncio.sleep(60)
        left = dict(_events(agent))["participant_disconnected"]
        # Its first full reconnection (after the resume's 5 s and a backoff under 0.3 s)
        # found the old session still there: the new one replaced it.
        assert left.disconnect_reason == participant_pb2.DUPLICATE_IDENTITY
        assert _kinds(_events(user))[-1] == "reconnected"

    _outage(test)


def test_the_reconnection_timeline_is_the_same_every_run() -> None:
    timelines: list[list[tuple[float, str]]] = []

    async def test(runtime: EngineRuntime, agent: Peer, user: Peer) -> None:
        loop = asyncio.get_running_loop()
        start, timeline = loop.time(), timelines[-1]
        runtime.area(Links).set(ROOM, "user", LinkConditions(seed=42))
        cut_network(runtime.area(Rooms).by_name[ROOM].members["user"].view, 40.0)
        for _ in range(1200):
            await asyncio.sleep(0.1)
            timeline.extend((round(loop.time() - start, 1), k) for k in _kinds(_events(user)))

    for _ in range(2):
        timelines.append([])
        _outage(test)
    assert timelines[0] == timelines[1]
    assert timelines[0][-1][1] == "reconnected"


async def test_a_rooms_network_conditions_go_with_the_room(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    await agent.connect()
    links = runtime.area(Links)
    links.set(ROOM, "agent", LinkConditions(loss=0.5))
    links.set("elsewhere", "agent", LinkConditions(loss=0.5))
    await agent.call(request_of("disconnect", room_handle=agent.room))
    assert runtime.area(Rooms).get(ROOM) is None
    assert list(links.by_key) == [("elsewhere", "agent")]
