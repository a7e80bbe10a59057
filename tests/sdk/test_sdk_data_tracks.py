"""Data tracks between participants, through the public livekit.rtc API only: the upstream
SDK's scenario (tests/rtc/test_e2e.py::test_data_track, rewritten) and the native rules a
user meets (refusals, unpublishing, late joiners, a publisher leaving).

Written to run against a LiveKit server too: with LIVEKIT_URL (and LIVEKIT_API_KEY /
LIVEKIT_API_SECRET) set it runs natively there (the server must have data tracks
enabled); without it, only under --lkemu. A subscription takes a round trip to the server,
and a frame pushed before it is established is not received: the tests push a warm-up
frame until one arrives, then send one frame at a time.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from livekit import rtc

from tests.helpers import make_token
from tests.sdk.sdk_support import requires

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

HAS_DATA_TRACKS = hasattr(rtc, "RemoteDataTrack")
WARM_UP = b"warm-up"

pytestmark = [requires(HAS_DATA_TRACKS, "data tracks")] + (
    [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]
)


class Pair:
    """A publisher and a subscriber in one room, and what the subscriber hears."""

    def __init__(self) -> None:
        self.name = f"dt-{uuid.uuid4().hex[:8]}"
        self.publisher, self.subscriber = rtc.Room(), rtc.Room()
        self.published: asyncio.Queue[Any] = asyncio.Queue()
        self.unpublished: asyncio.Queue[str] = asyncio.Queue()
        self.subscriber.on("data_track_published", self.published.put_nowait)
        self.subscriber.on("data_track_unpublished", self.unpublished.put_nowait)

    async def connect(self) -> None:
        await self.subscriber.connect(URL, self.token("dt-subscriber"))
        await self.publisher.connect(URL, self.token("dt-publisher"))

    def token(self, identity: str) -> str:
        return make_token(identity, self.name, api_key=KEY, secret=SECRET)

    async def disconnect(self) -> None:
        await self.publisher.disconnect()
        await self.subscriber.disconnect()


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    made = Pair()
    await made.connect()
    yield made
    await made.disconnect()


async def _soon(awaitable: Any, timeout: float = 10.0) -> Any:
    return await asyncio.wait_for(awaitable, timeout)


async def _publish(pair: Pair, name: str = "test-track") -> tuple[Any, Any]:
    """The publisher's track and the subscriber's remote one."""
    local = await pair.publisher.local_participant.publish_data_track(name=name)
    return local, await _soon(pair.published.get())


async def _warm_up(local: Any, stream: Any) -> None:
    """Push until a frame arrives: the subscription is established."""
    while True:
        local.try_push(rtc.DataTrackFrame(payload=WARM_UP))
        try:
            frame = await asyncio.wait_for(stream.read(), 0.5)
        except TimeoutError:
            continue
        assert frame is not None and frame.payload == WARM_UP
        return


async def _next_frame(stream: Any) -> Any:
    """The next frame that is not a late warm-up."""
    while True:
        frame = await _soon(stream.read(), 5.0)
        if frame is None or frame.payload != WARM_UP:
            return frame


async def test_data_track_frames_arrive_in_order_with_timestamps(pair: Pair) -> None:
    local, remote = await _publish(pair)
    assert local.info.sid and local.info.name == "test-track"
    assert local.is_published()
    assert remote.info.name == "test-track" and remote.info.sid == local.info.sid
    assert remote.publisher_identity == "dt-publisher"
    assert remote.is_published()

    stream = remote.subscribe()
    await _warm_up(local, stream)
    started_ms = int(time.time() * 1000)
    sent = [(bytes([i] * 64), started_ms + i) for i in range(5)]
    received = []
    for payload, stamp in sent:
        local.try_push(rtc.DataTrackFrame(payload=payload, user_timestamp=stamp))
        frame = await _next_frame(stream)
        received.append((bytes(frame.payload), frame.user_timestamp))
    assert received == sent
    no_stamp = b"\x07" * 40_000  # three packets on the wire
    local.try_push(rtc.DataTrackFrame(payload=no_stamp))
    frame = await _next_frame(stream)
    assert frame.payload == no_stamp and frame.user_timestamp is None

    await local.unpublish()
    assert await _soon(pair.unpublished.get()) == local.info.sid
    assert await _next_frame(stream) is None  # the stream ends, without an error
    assert not local.is_published() and not remote.is_published()
    with pytest.raises(rtc.PushFrameError) as raised:
        local.try_push(rtc.DataTrackFrame(payload=b"late"))
    assert raised.value.message == "Failed to publish frame: track unpublished"


async def test_publish_refusals_say_why(pair: Pair) -> None:
    participant = pair.publisher.local_participant
    # Kept: a track whose handle is dropped (collected) is unpublished, and its name free.
    taken = await participant.publish_data_track(name="taken")
    with pytest.raises(Exception, match="Track name already taken"):
        await participant.publish_data_track(name="taken")
    with pytest.raises(Exception, match="Track name invalid"):
        await participant.publish_data_track(name="")
    assert taken.is_published()


async def test_a_late_joiner_hears_of_the_published_tracks(pair: Pair) -> None:
    local, _ = await _publish(pair, "sensor")
    late = rtc.Room()
    seen: asyncio.Queue[Any] = asyncio.Queue()
    late.on("data_track_published", seen.put_nowait)
    await late.connect(URL, pair.token("dt-late"))
    try:
        remote = await _soon(seen.get())
        assert remote.info.sid == local.info.sid and remote.info.name == "sensor"
        assert remote.publisher_identity == "dt-publisher"
    finally:
        await late.disconnect()


async def test_a_publisher_leaving_ends_the_subscription(pair: Pair) -> None:
    local, remote = await _publish(pair)
    stream = remote.subscribe()
    await _warm_up(local, stream)
    sid = local.info.sid
    await pair.publisher.disconnect()
    assert await _soon(pair.unpublished.get()) == sid
    assert await _next_frame(stream) is None
    assert not remote.is_published()
