"""What lkemu does not emulate fails the test, rather than passing on a silent difference;
the context manager outside the fixture."""

import contextlib

import pytest
from livekit import rtc
from livekit.agents import Agent
from livekit.rtc._ffi_client import FfiClient
from livekit.rtc._proto import ffi_pb2

from lkemu.agents import LkemuRefusedRequests, agent_room


@pytest.mark.asyncio
async def test_a_refused_request_fails_the_room(lkemu_address: str) -> None:
    agent = Agent(instructions="You are a helpful assistant.")
    with pytest.raises(
        LkemuRefusedRequests, match="set_remote_track_publication_quality is not implemented"
    ):
        async with agent_room(agent, room="refusals") as room:
            assert room.user.agent_state == "listening"
            # Simulcast layers are not emulated yet: the request choosing a publication's
            # quality is refused (sent as the SDK sends it; the SDK itself asks for a video
            # publication first, and the user publishes a microphone).
            user = room.room.remote_participants[room.user.identity]
            publication = next(iter(user.track_publications.values()))
            request = ffi_pb2.FfiRequest()
            asked = request.set_remote_track_publication_quality
            asked.track_publication_handle = publication._ffi_handle.handle
            asked.quality = rtc.VideoQuality.VIDEO_QUALITY_LOW
            with contextlib.suppress(Exception):
                FfiClient.instance.request(request)
