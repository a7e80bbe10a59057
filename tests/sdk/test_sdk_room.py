"""The room life cycle as the SDK sees it, through the public livekit.rtc API only.

Written so it could run against a real LiveKit server: URL, key and secret come from
LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET. Without a LIVEKIT_URL it runs only under
--lkemu (any URL reaches the engine's rooms there).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import TypeVar

import pytest
from livekit import rtc

from tests.helpers import make_token
from tests.sdk.sdk_support import HAS_PARTICIPANT_STATE, requires

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

pytestmark = [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]


T = TypeVar("T")


def _token(identity: str, room: str) -> str:
    return make_token(
        identity, room, api_key=KEY, secret=SECRET, name=identity.title(), canUpdateOwnMetadata=True
    )


async def _next(queue: asyncio.Queue[T], timeout: float = 5.0) -> T:
    return await asyncio.wait_for(queue.get(), timeout)


async def test_room_life_cycle() -> None:
    room_name = f"room-{uuid.uuid4().hex[:8]}"
    agent, user = rtc.Room(), rtc.Room()
    joined: asyncio.Queue[rtc.RemoteParticipant] = asyncio.Queue()
    left: asyncio.Queue[rtc.RemoteParticipant] = asyncio.Queue()
    data: asyncio.Queue[rtc.DataPacket] = asyncio.Queue()
    changes: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
    agent.on("participant_connected", joined.put_nowait)
    agent.on("participant_disconnected", left.put_nowait)
    agent.on("data_received", data.put_nowait)
    agent.on("participant_metadata_changed", lambda p, old, new: changes.put_nowait(("md", new)))
    agent.on("participant_name_changed", lambda p, old, new: changes.put_nowait(("name", new)))
    agent.on("participant_attributes_changed",
             lambda changed, p: changes.put_nowait(("attrs", dict(changed))))  # fmt: skip

    await agent.connect(URL, _token("agent", room_name))
    assert agent.isconnected() and agent.name == room_name
    assert agent.local_participant.identity == "agent"
    assert agent.remote_participants == {}

    await user.connect(URL, _token("user", room_name))
    assert set(user.remote_participants) == {"agent"}
    participant = await _next(joined)
    assert participant.identity == "user" and participant.name == "User"

    await user.local_participant.publish_data(b"hello", topic="chat", reliable=True)
    packet = await _next(data)
    assert (packet.data, packet.topic) == (b"hello", "chat")
    assert packet.participant is not None and packet.participant.identity == "user"

    await user.local_participant.set_metadata("busy")
    await user.local_participant.set_name("Someone")
    await user.local_participant.set_attributes({"lang": "fr"})
    seen = [await _next(changes) for _ in range(3)]
    assert seen == [("md", "busy"), ("name", "Someone"), ("attrs", {"lang": "fr"})]
    assert agent.remote_participants["user"].attributes == {"lang": "fr"}

    tracks: asyncio.Queue[str] = asyncio.Queue()
    for name in ("track_published", "track_subscribed", "track_muted", "track_unmuted",
                 "track_unsubscribed", "track_unpublished"):  # fmt: skip
        agent.on(name, lambda *args, n=name: tracks.put_nowait(n))
    source = rtc.AudioSource(48000, 1)
    mic = rtc.LocalAudioTrack.create_audio_track("mic", source)
    publication = await user.local_participant.publish_track(mic, rtc.TrackPublishOptions())
    assert [await _next(tracks) for _ in range(2)] == ["track_published", "track_subscribed"]
    mic.mute()
    assert await _next(tracks) == "track_muted"
    assert agent.remote_participants["user"].track_publications[publication.sid].muted
    mic.unmute()
    assert await _next(tracks) == "track_unmuted"
    await user.local_participant.unpublish_track(publication.sid)
    assert [await _next(tracks) for _ in range(2)] == ["track_unsubscribed", "track_unpublished"]
    assert agent.remote_participants["user"].track_publications == {}

    await user.disconnect()
    gone = await _next(left)
    assert gone.identity == "user"
    assert gone.disconnect_reason == rtc.DisconnectReason.CLIENT_INITIATED
    await agent.disconnect()
    assert not agent.isconnected()


async def test_a_bad_token_is_refused() -> None:
    room = rtc.Room()
    with pytest.raises(rtc.ConnectError, match=r"signature|invalid|unauthorized"):
        await room.connect(URL, make_token("x", "r", api_key=KEY, secret="not-the-secret"))


@pytest.mark.parametrize(
    "claims",
    [{"exp": "abc"}, {"exp": None}, {"nbf": {}}, {"video": "x"}, {"attributes": ["a"]},
     {"video": {"roomJoin": "false", "room": "r"}}],
)  # fmt: skip
async def test_a_token_with_malformed_claims_is_refused_at_once(claims: dict[str, object]) -> None:
    import time

    import jwt

    now = int(time.time())
    payload: dict[str, object] = {"iss": KEY, "sub": "x", "exp": now + 600, "nbf": now - 5,
                                  "video": {"roomJoin": True, "room": "r"}}  # fmt: skip
    payload.update(claims)
    room = rtc.Room()
    started = time.monotonic()
    with pytest.raises(rtc.ConnectError):
        await asyncio.wait_for(room.connect(URL, jwt.encode(payload, SECRET, algorithm="HS256")), 5)
    assert time.monotonic() - started < 1.0


async def test_a_subscriber_hears_the_publisher() -> None:
    """The seed journey: the agent subscribes to the user's microphone and reads 16 kHz frames."""
    import numpy as np

    room_name = f"room-{uuid.uuid4().hex[:8]}"
    agent, user = rtc.Room(), rtc.Room()
    subscribed: asyncio.Queue[tuple[rtc.Track, rtc.RemoteParticipant]] = asyncio.Queue()
    agent.on("track_subscribed", lambda track, pub, p: subscribed.put_nowait((track, p)))
    await agent.connect(URL, _token("agent", room_name))
    await user.connect(URL, _token("user", room_name))

    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    publication = await user.local_participant.publish_track(
        track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    )
    remote_track, participant = await _next(subscribed)
    assert participant.identity == "user" and remote_track.sid == publication.sid
    assert remote_track.kind == rtc.TrackKind.KIND_AUDIO

    stream = rtc.AudioStream(remote_track, sample_rate=16000, num_channels=1, frame_size_ms=20)
    heard: list[np.ndarray] = []

    async def listen() -> None:
        async for event in stream:
            assert event.frame.samples_per_channel == 320
            samples = np.frombuffer(event.frame.data, dtype=np.int16)
            if np.abs(samples).max() > 1000:  # skip the silence before the tone
                heard.append(samples.copy())
            if len(heard) >= 25:
                return

    listener = asyncio.create_task(listen())
    tone = (np.sin(2 * np.pi * 440 * np.arange(48000) / 48000) * 10000).astype(np.int16)
    for start in range(0, len(tone), 480):
        await source.capture_frame(
            rtc.AudioFrame(tone[start : start + 480].tobytes(), 48000, 1, 480)
        )
    await asyncio.wait_for(listener, timeout=10)
    audio = np.concatenate(heard).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    assert np.fft.rfftfreq(len(audio), 1 / 16000)[np.argmax(spectrum)] == pytest.approx(440, abs=5)
    await stream.aclose()
    await user.disconnect()
    await agent.disconnect()


@requires(HAS_PARTICIPANT_STATE, "participant_active event (rtc.ParticipantState)")
async def test_a_late_participant_becomes_active_and_carries_its_kind() -> None:
    """What livekit-agents relies on: wait_for_participant listens for participant_active,
    and tells agents from users by the participant kind the token gives."""
    room_name = f"room-{uuid.uuid4().hex[:8]}"
    agent_token = make_token("agent", room_name, api_key=KEY, secret=SECRET, kind="agent")
    agent = rtc.Room()
    active: asyncio.Queue[rtc.RemoteParticipant] = asyncio.Queue()
    agent.on("participant_active", active.put_nowait)
    await agent.connect(URL, agent_token)
    user = rtc.Room()
    await user.connect(URL, _token("user", room_name))
    became_active = await _next(active)
    assert became_active.identity == "user"
    assert became_active.state == rtc.ParticipantState.PARTICIPANT_STATE_ACTIVE
    assert became_active.kind == rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
    (seen,) = user.remote_participants.values()
    assert seen.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
    assert agent.local_participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
    await user.disconnect()
    await agent.disconnect()
