"""What lkemu does not emulate fails the test, rather than passing on a silent difference;
the context manager outside the fixture."""

import contextlib

import pytest
from livekit.agents import Agent

from lkemu.agents import LkemuRefusedRequests, agent_room
from lkemu.bindings.control import EngineControl
from lkemu.bindings.inprocess import sdk_control
from lkemu.bindings.pytest_plugin import IN_PROCESS

REFUSAL = "get_session_stats is not implemented in lkemu (a refusal this test asked for)"


def _control(address: str) -> EngineControl:
    """The engine's control service: served (the real clock), or the in-process engine of
    this test's loop (simulated time)."""
    return sdk_control() if address == IN_PROCESS else EngineControl.connect(address)


@pytest.mark.asyncio
async def test_a_refused_request_fails_the_room(lkemu_address: str) -> None:
    agent = Agent(instructions="You are a helpful assistant.")
    with pytest.raises(LkemuRefusedRequests, match="get_session_stats is not implemented"):
        async with agent_room(agent, room="refusals") as room:
            assert room.user.agent_state == "listening"
            # lkemu emulates every request kind now: the control service makes the next
            # statistics request refuse as a kind lkemu does not emulate would (its
            # callback fails and the engine's error log says "is not implemented in lkemu").
            control = _control(lkemu_address)
            control.inject_request_fault("get_session_stats", message=REFUSAL)
            control.close()
            with contextlib.suppress(Exception):
                await room.room.get_rtc_stats()
