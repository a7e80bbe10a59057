"""Reconnections and network faults as the SDK sees them, through the public livekit.rtc API.

The scenario tests are written for a real LiveKit server too (LIVEKIT_URL and friends);
without one they run under --lkemu only. The first is python-sdks' own
test_full_reconnect_preserves_local_publication_object (tests/rtc/test_e2e.py), rewritten
here. The network tests steer the engine through the `lkemu_control` fixture: lkemu only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.rtc._proto import room_pb2

from lkemu.bindings import ControlRefused, EngineControl
from tests.helpers import make_token
from tests.sdk.sdk_support import HAS_FRAME_METADATA_FEATURES, HAS_SIMULATE_SCENARIO, requires

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")
HAS_LOCAL_TRACK_REPUBLISHED = (
    "local_track_republished" in room_pb2.RoomEvent.DESCRIPTOR.fields_by_name
)

pytestmark = [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]
SCENARIOS = requires(HAS_SIMULATE_SCENARIO, "Room.simulate_scenario")


def _token(identity: str, room: str) -> str:
    return make_token(identity, room, api_key=KEY, secret=SECRET)


async def _eventually(condition: Callable[[], object], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.05)


class Events:
    """Room events of the given names, queued as (name, args)."""

    def __init__(self, room: rtc.Room, *names: Any) -> None:
        self.queue: asyncio.Queue[tuple[str, tuple[Any, ...]]] = asyncio.Queue()
        for name in names:
            room.on(name, lambda *args, n=name: self.queue.put_nowait((n, args)))

    async def until(self, name: str, timeout: float = 10.0) -> tuple[Any, ...]:
        while True:
            got, args = await asyncio.wait_for(self.queue.get(), timeout)
            if got == name:
                return args


@asynccontextmanager
async def _pair() -> AsyncIterator[tuple[rtc.Room, rtc.Room, str]]:
    room_name = f"reconnect-{uuid.uuid4().hex[:8]}"
    agent, user = rtc.Room(), rtc.Room()
    await agent.connect(URL, _token("agent", room_name))
    await user.connect(URL, _token("user", room_name))
    try:
        yield agent, user, room_name
    finally:
        await user.disconnect()
        await agent.disconnect()


async def _publish_mic(room: rtc.Room) -> tuple[rtc.AudioSource, rtc.LocalTrackPublication]:
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    return source, await room.local_participant.publish_track(track, options)


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * 48000)) / 48000
    return (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)


async def _play(source: rtc.AudioSource, samples: np.ndarray) -> None:
    for start in range(0, len(samples), 480):
        chunk = samples[start : start + 480]
        await source.capture_frame(rtc.AudioFrame(chunk.tobytes(), 48000, 1, len(chunk)))


@SCENARIOS
@requires(HAS_LOCAL_TRACK_REPUBLISHED, "local_track_republished")
@requires(HAS_FRAME_METADATA_FEATURES, "TrackPublishOptions.frame_metadata_features")
async def test_full_reconnect_preserves_local_publication_object() -> None:
    room = rtc.Room()
    reconnected = asyncio.Event()
    republished: list[tuple[rtc.LocalTrackPublication, str]] = []
    room.on("reconnected", reconnected.set)
    room.on("local_track_republished", lambda pub, previous: republished.append((pub, previous)))
    source = None
    try:
        await room.connect(URL, _token("publisher", f"republish-{uuid.uuid4().hex[:8]}"))
        source = rtc.VideoSource(2, 2)
        track = rtc.LocalVideoTrack.create_video_track("republish-video", source)
        features = [
            rtc.FrameMetadataFeature.FMF_USER_TIMESTAMP,
            rtc.FrameMetadataFeature.FMF_FRAME_ID,
        ]
        publication = await room.local_participant.publish_track(
            track,
            rtc.TrackPublishOptions(
                source=rtc.TrackSource.SOURCE_CAMERA, frame_metadata_features=features
            ),
        )
        previous_sid = publication.sid

        await room.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_FULL_RECONNECT)
        await asyncio.wait_for(reconnected.wait(), 10)
        await _eventually(
            lambda: room.local_participant.track_publications.get(publication.sid) is publication
        )
        assert publication.sid != previous_sid
        assert previous_sid not in room.local_participant.track_publications
        assert publication.frame_metadata_features == features
        assert republished == [(publication, previous_sid)]
        assert track.sid == publication.sid
    finally:
        if source is not None:
            await source.aclose()
        await room.disconnect()


@SCENARIOS
async def test_the_others_see_a_full_reconnect_as_a_new_session() -> None:
    async with _pair() as (agent, user, _):
        events = Events(agent, "participant_disconnected", "participant_connected",
                        "track_subscribed")  # fmt: skip
        source, publication = await _publish_mic(user)
        await events.until("track_subscribed")
        old_sid = agent.remote_participants["user"].sid
        await user.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_FULL_RECONNECT)
        (left,) = await events.until("participant_disconnected")
        assert left.identity == "user"
        assert left.disconnect_reason == rtc.DisconnectReason.CLIENT_INITIATED
        (back,) = await events.until("participant_connected")
        assert back.identity == "user" and back.sid != old_sid
        track, remote_publication, _ = await events.until("track_subscribed")
        await _eventually(lambda: publication.sid == remote_publication.sid)
        assert track.sid == publication.sid
        await source.aclose()


# By name: SDKs without simulate_scenario (skipped) have neither enum.
@SCENARIOS
@pytest.mark.parametrize(
    ("scenario", "reason"),
    [("SIMULATE_NODE_FAILURE", "SERVER_SHUTDOWN"), ("SIMULATE_MIGRATION", "MIGRATION")],
)
async def test_a_node_failure_reconnects_and_the_others_see_why(scenario: str, reason: str) -> None:
    async with _pair() as (agent, user, _):
        seen = Events(agent, "participant_disconnected", "participant_connected")
        own = Events(user, "reconnecting", "reconnected")
        await user.simulate_scenario(getattr(rtc.SimulateScenarioKind, scenario))
        await own.until("reconnecting")
        await own.until("reconnected")
        (left,) = await seen.until("participant_disconnected")
        assert left.identity == "user"
        assert left.disconnect_reason == getattr(rtc.DisconnectReason, reason)
        (back,) = await seen.until("participant_connected")
        assert back.identity == "user"
        assert user.connection_state == rtc.ConnectionState.CONN_CONNECTED


@SCENARIOS
async def test_a_server_leave_disconnects_the_participant() -> None:
    async with _pair() as (agent, user, _):
        seen = Events(agent, "participant_disconnected")
        reasons: asyncio.Queue[int] = asyncio.Queue()
        user.on("disconnected", reasons.put_nowait)
        await user.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_SERVER_LEAVE)
        assert await asyncio.wait_for(reasons.get(), 10) == rtc.DisconnectReason.SERVER_SHUTDOWN
        (left,) = await seen.until("participant_disconnected")
        assert left.disconnect_reason == rtc.DisconnectReason.SERVER_SHUTDOWN
        assert not user.isconnected()


@SCENARIOS
async def test_a_simulated_speaker_is_announced_to_everyone() -> None:
    async with _pair() as (agent, user, _):
        heard = Events(agent, "active_speakers_changed")
        await user.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_SPEAKER)
        (speakers,) = await heard.until("active_speakers_changed")
        assert [p.identity for p in speakers] == ["user"]


# The network, through the engine's control service (lkemu only).


async def _inbound(track: rtc.Track) -> Any:
    stats = await track.get_stats()
    return next(s.inbound_rtp for s in stats if s.HasField("inbound_rtp"))


@pytest.mark.lkemu_only
async def test_packet_loss_is_concealed_and_counted(lkemu_control: EngineControl) -> None:
    async with _pair() as (agent, user, room_name):
        events = Events(agent, "track_subscribed")
        lkemu_control.set_network_conditions(room_name, "user", loss_percent=30, seed=3)
        source, _ = await _publish_mic(user)
        track, _, _ = await events.until("track_subscribed")
        stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
        frames = 0

        async def listen() -> None:
            nonlocal frames
            async for _event in stream:
                frames += 1

        listening = asyncio.create_task(listen())
        await _play(source, _tone(1.0))
        await _eventually(lambda: frames >= 100)
        inbound = await _inbound(track)
        assert inbound.received.packets_lost > 0
        # Lost packets are concealed, 960 samples each (a packet may be half played yet).
        lost_samples = inbound.received.packets_lost * 960
        assert abs(inbound.inbound.concealed_samples - lost_samples) < 960
        assert inbound.inbound.concealment_events > 0
        await stream.aclose()
        listening.cancel()
        await source.aclose()


@pytest.mark.lkemu_only
async def test_a_short_network_cut_is_a_gap_without_reconnection(
    lkemu_control: EngineControl,
) -> None:
    async with _pair() as (agent, user, room_name):
        events = Events(agent, "track_subscribed")
        own = Events(user, "reconnecting")
        source, _ = await _publish_mic(user)
        track, _, _ = await events.until("track_subscribed")
        lkemu_control.cut_network(room_name, "user", 0.3)
        await _play(source, _tone(0.6))
        for _ in range(100):  # what went while the network was down is counted lost
            inbound = await _inbound(track)
            if inbound.received.packets_lost:
                break
            await asyncio.sleep(0.05)
        assert inbound.received.packets_lost > 0
        assert own.queue.empty()  # the client notices only after its ping times out
        lkemu_control.set_network_conditions(room_name, "user")  # a clean network again
        await source.aclose()


@pytest.mark.lkemu_only
async def test_network_faults_refuse_what_makes_no_sense(lkemu_control: EngineControl) -> None:
    with pytest.raises(ControlRefused, match="no room named"):
        lkemu_control.set_network_conditions("nowhere", "user", loss_percent=5)
    async with _pair() as (_, _, room_name):
        with pytest.raises(ControlRefused, match="loss_percent must be 0 to 100, got 150"):
            lkemu_control.set_network_conditions(room_name, "user", loss_percent=150)
        with pytest.raises(ControlRefused, match="jitter_ms must be"):
            lkemu_control.set_network_conditions(room_name, "user", jitter_ms=float("nan"))
        with pytest.raises(ControlRefused, match="no participant 'ghost'"):
            lkemu_control.cut_network(room_name, "ghost", 1)
        with pytest.raises(ControlRefused, match="seconds must be"):
            lkemu_control.cut_network(room_name, "user", -1)
