"""pytest fixtures for livekit-agents voice agents on lkemu (lkemu.agents).

The lkemu plugin registers them where livekit-agents and pytest-asyncio are installed; they
skip unless `--lkemu` is given. Override `agent` and `agent_script` (in a test module, a
conftest.py, or with `@pytest.mark.parametrize`) to choose what `agent_room` runs.
Importing this module imports neither livekit.agents nor livekit.rtc: the fixtures do,
once the drop-in is installed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from lkemu.agents import AgentRoom, Script


@pytest.fixture
def agent(lkemu_address: str) -> Any:
    """The Agent `agent_room` starts: override it with your own (default: an Agent with
    short instructions)."""
    from livekit.agents import Agent

    return Agent(instructions="You are a helpful voice assistant. Answer briefly.")


@pytest.fixture
def agent_script(lkemu_address: str) -> Script:
    """The conversation the fake models play (`lkemu.agents.Script`): override it with
    your turns (default: no turns, every answer is the script's fallback)."""
    from lkemu.agents import Script

    return Script()


@pytest_asyncio.fixture
async def agent_room(
    request: pytest.FixtureRequest, lkemu_address: str, agent: Any, agent_script: Script
) -> AsyncIterator[AgentRoom]:
    """`agent` running in an AgentSession on the fakes of `agent_script`, in a room of its
    own with a user (`.user`, a `lkemu.agents.UserParticipant`); closed after the test,
    which fails if lkemu refused a request meanwhile."""
    from lkemu.agents import agent_room as start

    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:48]
    room_name = f"{name}-{uuid.uuid4().hex[:6]}"
    async with start(agent, script=agent_script, room=room_name) as room:
        yield room
