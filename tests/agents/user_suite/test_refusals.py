"""What lkemu does not emulate fails the test, rather than passing on a silent difference;
the context manager outside the fixture."""

import contextlib

import pytest
from livekit.agents import Agent

from lkemu.agents import LkemuRefusedRequests, agent_room


@pytest.mark.asyncio
async def test_a_refused_request_fails_the_room(lkemu_address: str) -> None:
    agent = Agent(instructions="You are a helpful assistant.")
    with pytest.raises(LkemuRefusedRequests, match="e2ee is not implemented in lkemu"):
        async with agent_room(agent, room="refusals") as room:
            assert room.user.agent_state == "listening"
            # end-to-end encryption is not emulated yet: the SDK's request is refused
            with contextlib.suppress(AssertionError):
                room.room.e2ee_manager.set_enabled(True)
