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
    which fails if lkemu refused a request meanwhile. Its per-turn latencies
    (`AgentRoom.latencies()`) are reported at the end of the session (-rA or -v shows them
    per test; the summary lists every test's turns)."""
    from lkemu.agents import agent_room as start

    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:48]
    room_name = f"{name}-{uuid.uuid4().hex[:6]}"
    async with start(agent, script=agent_script, room=room_name) as room:
        yield room
        turns = [turn.rounded() for turn in room.latencies()]
        if turns:
            request.node.user_properties.append((LATENCIES_PROPERTY, turns))


LATENCIES_PROPERTY = "lkemu_turn_latencies"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Every agent_room test's per-turn latencies, in one table: response, transcript, LLM
    time to first token, TTS time to first audio (seconds; simulated time makes them exact)."""
    rows: list[tuple[Any, ...]] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, turns in getattr(report, "user_properties", ()):
                if key == LATENCIES_PROPERTY and getattr(report, "when", "") == "teardown":
                    rows.extend((report.nodeid, index, *turn) for index, turn in enumerate(turns))
    if not rows:
        return
    terminalreporter.section("lkemu: agent turn latencies (s)")
    terminalreporter.write_line(
        f"{'test':<60} {'turn':>4} {'response':>9} {'transcript':>10} {'llm ttft':>9} "
        f"{'tts ttfb':>9}"
    )
    for nodeid, index, *values in sorted(rows):
        cells = " ".join(f"{'-' if v is None else f'{v:.3f}':>9}" for v in values)
        terminalreporter.write_line(f"{nodeid[-60:]:<60} {index:>4} {cells}")
