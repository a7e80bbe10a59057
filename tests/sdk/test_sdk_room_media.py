"""Media and messages in a room, as the SDK sees them, through the public livekit.rtc API.

Like test_sdk_room.py, written for a real LiveKit server too (LIVEKIT_URL and friends);
without one it runs under --lkemu only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.rtc.room import EventTypes

from tests.helpers import make_token
from tests.sdk.sdk_support import (
    HAS_FRAME_METADATA_FEATURES,
    HAS_SIMULATE_SCENARIO,
    requires,
    since,
)

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

pytestmark = [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]


def _token(identity: str, room: str, **grants: Any) -> str:
    return make_token(identity, room, api_key=KEY, secret=SECRET, **grants)


class Events:
    """Room events of the given names, queued as (name, args)."""

    def __init__(self, room: rtc.Room, *names: EventTypes) -> None:
        self.queue: asyncio.Queue[tuple[str, tuple[Any, ...]]] = asyncio.Queue()
        for name in names:
            room.on(name, lambda *args, n=name: self.queue.put_nowait((n, args)))

    async def next(self, timeout: float = 5.0) -> tuple[str, tuple[Any, ...]]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def until(self, name: str, timeout: float = 5.0) -> tuple[Any, ...]:
        while True:
            got, args = await self.next(timeout)
            if got == name:
                return args


@asynccontextmanager
async def _pair(
    agent_options: rtc.RoomOptions | None = None, **user_grants: Any
) -> AsyncIterator[tuple[rtc.Room, rtc.Room]]:
    room_name = f"media-{uuid.uuid4().hex[:8]}"
    agent, user = rtc.Room(), rtc.Room()
    await agent.connect(URL, _token("agent", room_name), agent_options or rtc.RoomOptions())
    await user.connect(URL, _token("user", room_name, **user_grants))
    try:
        yield agent, user
    finally:
        await user.disconnect()
        await agent.disconnect()


def _tone(seconds: float, rate: int = 48000, frequency: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 10000).astype(np.int16)


async def _play(source: rtc.AudioSource, samples: np.ndarray, rate: int = 48000) -> None:
    step = rate // 100
    for start in range(0, len(samples), step):
        chunk = samples[start : start + step]
        await source.capture_frame(rtc.AudioFrame(chunk.tobytes(), rate, 1, len(chunk)))


async def _publish_mic(user: rtc.Room) -> tuple[rtc.AudioSource, rtc.LocalTrackPublication]:
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    return source, await user.local_participant.publish_track(track, options)


async def test_set_subscribed_without_auto_subscribe() -> None:
    async with _pair(rtc.RoomOptions(auto_subscribe=False)) as (agent, user):
        events = Events(agent, "track_published", "track_subscribed", "track_unsubscribed")
        _, publication = await _publish_mic(user)
        (remote_pub, _) = await events.until("track_published")
        assert remote_pub.sid == publication.sid and not remote_pub.subscribed
        remote_pub.set_subscribed(True)
        track, _, _ = await events.until("track_subscribed")
        assert track.sid == publication.sid
        remote_pub.set_subscribed(False)
        track, _, _ = await events.until("track_unsubscribed")
        assert track.sid == publication.sid


async def test_subscription_permissions_take_tracks_away_and_give_them_back() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "track_subscribed", "track_unsubscribed")
        _, publication = await _publish_mic(user)
        await events.until("track_subscribed")
        user.local_participant.set_track_subscription_permissions(allow_all_participants=False)
        track, _, _ = await events.until("track_unsubscribed")
        assert track.sid == publication.sid
        user.local_participant.set_track_subscription_permissions(
            allow_all_participants=False,
            participant_permissions=[
                rtc.ParticipantTrackPermission(participant_identity="agent", allow_all=True)
            ],
        )
        track, _, _ = await events.until("track_subscribed")
        assert track.sid == publication.sid


async def test_a_participant_stream_follows_the_microphone() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "track_subscribed")
        stream = rtc.AudioStream.from_participant(
            participant=agent.remote_participants["user"],
            track_source=rtc.TrackSource.SOURCE_MICROPHONE,
            sample_rate=16000,
            frame_size_ms=20,
        )
        source, _ = await _publish_mic(user)
        await events.until("track_subscribed")
        loud: list[np.ndarray] = []

        async def listen() -> None:
            async for event in stream:
                samples = np.frombuffer(event.frame.data, dtype=np.int16)
                assert event.frame.sample_rate == 16000 and len(samples) == 320
                if np.abs(samples).max() > 1000:
                    loud.append(samples)
                if len(loud) >= 10:
                    return

        listener = asyncio.create_task(listen())
        await _play(source, _tone(0.5))
        await asyncio.wait_for(listener, 10)
        await stream.aclose()


async def test_active_speakers_follow_the_audio_level() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "active_speakers_changed")
        source, _ = await _publish_mic(user)
        await _play(source, _tone(0.6))
        (speakers,) = await events.until("active_speakers_changed")
        assert [p.identity for p in speakers] == ["user"]
        await _play(source, np.zeros(48000 * 6 // 10, dtype=np.int16))
        (speakers,) = await events.until("active_speakers_changed")
        assert speakers == []


async def test_transcription_and_dtmf_reach_the_others() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "track_subscribed", "transcription_received", "sip_dtmf_received")
        _, publication = await _publish_mic(user)
        await events.until("track_subscribed")
        segment = rtc.TranscriptionSegment(
            id="s1", text="hello there", start_time=0, end_time=900, language="en", final=True
        )
        await user.local_participant.publish_transcription(
            rtc.Transcription(
                participant_identity="user", track_sid=publication.sid, segments=[segment]
            )
        )
        segments, participant, track_publication = await events.until("transcription_received")
        assert [s.text for s in segments] == ["hello there"] and segments[0].final
        assert participant.identity == "user" and track_publication.sid == publication.sid
        await user.local_participant.publish_dtmf(code=5, digit="5")
        (dtmf,) = await events.until("sip_dtmf_received")
        assert (dtmf.code, dtmf.digit, dtmf.participant.identity) == (5, "5", "user")


async def test_statistics_count_what_went_through() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "track_subscribed")
        source, _ = await _publish_mic(user)
        track, _, _ = await events.until("track_subscribed")
        stream = rtc.AudioStream(track)
        await _play(source, _tone(0.3))
        await asyncio.sleep(0.2)
        inbound = [s.inbound_rtp for s in await track.get_stats() if s.HasField("inbound_rtp")]
        assert inbound and inbound[0].received.packets_received > 0
        stats = await user.get_rtc_stats()
        outbound = [s.outbound_rtp for s in stats.publisher_stats if s.HasField("outbound_rtp")]
        assert outbound and outbound[0].sent.packets_sent >= inbound[0].received.packets_received
        await stream.aclose()


@requires(HAS_SIMULATE_SCENARIO, "Room.simulate_scenario")
async def test_a_simulated_reconnection_is_seen_as_one() -> None:
    async with _pair() as (agent, _user):
        events = Events(agent, "connection_state_changed", "reconnecting", "reconnected")
        await agent.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_SIGNAL_RECONNECT)
        seen = [await events.next() for _ in range(4)]
        assert [name for name, _ in seen] == [
            "connection_state_changed",
            "reconnecting",
            "connection_state_changed",
            "reconnected",
        ]
        assert seen[0][1] == (rtc.ConnectionState.CONN_RECONNECTING,)
        assert agent.connection_state == rtc.ConnectionState.CONN_CONNECTED


@requires(HAS_FRAME_METADATA_FEATURES, "TrackPublishOptions.frame_metadata_features")
async def test_video_with_frame_metadata_through_a_room() -> None:
    async with _pair() as (agent, user):
        events = Events(agent, "track_subscribed")
        source = rtc.VideoSource(64, 48)
        track = rtc.LocalVideoTrack.create_video_track("cam", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA)
        options.frame_metadata_features.append(rtc.FrameMetadataFeature.FMF_USER_TIMESTAMP)
        await user.local_participant.publish_track(track, options)
        remote, publication, _ = await events.until("track_subscribed")
        assert remote.kind == rtc.TrackKind.KIND_VIDEO
        assert (publication.width, publication.height) == (64, 48)
        stream = rtc.VideoStream(remote, format=rtc.VideoBufferType.RGBA)
        pixels = bytearray(np.full((48, 64, 4), 200, dtype=np.uint8).tobytes())
        frame = rtc.VideoFrame(64, 48, rtc.VideoBufferType.RGBA, pixels)
        received: list[rtc.VideoFrameEvent] = []

        async def watch() -> None:
            async for event in stream:
                received.append(event)
                return

        watcher = asyncio.create_task(watch())
        while not watcher.done():
            metadata = rtc.FrameMetadata(user_timestamp=123456, frame_id=7)
            source.capture_frame(frame, timestamp_us=1000, metadata=metadata)
            await asyncio.sleep(0.02)
        event = received[0]
        assert (event.frame.width, event.frame.height) == (64, 48)
        assert event.metadata is not None and event.metadata.user_timestamp == 123456
        assert not event.metadata.HasField("frame_id")  # not a published feature
        await stream.aclose()


@since(
    "1.1.21",
    "a refused publish_track stops its Room reading events (its BroadcastQueue left "
    "join() waiting; fixed in 1.1.21), so disconnect hangs",
)
async def test_grants_limit_publishing_and_subscribing() -> None:
    room_name = f"grants-{uuid.uuid4().hex[:8]}"
    listener, talker, mute = rtc.Room(), rtc.Room(), rtc.Room()
    await listener.connect(URL, _token("listener", room_name, canSubscribe=False))
    await mute.connect(URL, _token("mute", room_name, canPublish=False))
    await talker.connect(URL, _token("talker", room_name))
    try:
        events = Events(listener, "track_published", "track_subscribed")
        with pytest.raises(Exception, match=r"permission|canPublish"):
            await _publish_mic(mute)
        _, publication = await _publish_mic(talker)
        (remote_pub, _) = await events.until("track_published")
        assert remote_pub.sid == publication.sid
        with pytest.raises(asyncio.TimeoutError):
            await events.until("track_subscribed", timeout=0.5)
    finally:
        for room in (talker, mute, listener):
            await room.disconnect()
