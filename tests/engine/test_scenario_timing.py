"""A simulated reconnection ends after the request's callback, not with it: the Rust engine
answers simulate_scenario once the signal is closed and says Resumed (Restarted) only after
round trips to the server, so a client that starts waiting for `reconnected` (or CONNECTED)
when its request returns sees it (livekit-agents' tests/test_room.py TestReconnect does)."""

from __future__ import annotations

import asyncio

import pytest

from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.rooms.reconnect import RESTART_S, RESUME_S
from lkemu.proto import room_pb2

from .conftest import request_of, settle
from .test_faults import _events, _kinds
from .test_rooms import Peer, _development_keys  # noqa: F401 (an autouse fixture)


async def _start(peer: Peer, scenario: int) -> None:
    done = await peer.call(
        request_of("simulate_scenario", room_handle=peer.room, scenario=scenario)
    )
    assert not done.HasField("error"), done.error
    await settle()


async def test_a_resume_ends_after_its_callback(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    await agent.connect()
    await settle()
    _events(agent)
    await _start(agent, room_pb2.SIMULATE_SIGNAL_RECONNECT)
    assert _kinds(_events(agent)) == ["connection_state_changed", "reconnecting"]
    await asyncio.sleep(RESUME_S)
    await settle()
    events = _events(agent)
    assert _kinds(events) == ["connection_state_changed", "reconnected"]
    assert events[0][1].state == room_pb2.CONN_CONNECTED


@pytest.mark.parametrize(
    "scenario", [room_pb2.SIMULATE_FULL_RECONNECT, room_pb2.SIMULATE_NODE_FAILURE]
)
async def test_a_full_reconnection_ends_after_its_callback(
    runtime: EngineRuntime, scenario: int
) -> None:
    agent, user = Peer(runtime, "agent"), Peer(runtime, "user")
    await agent.connect()
    await user.connect()
    await settle()
    _events(agent), _events(user)
    await _start(agent, scenario)
    # reconnecting and handle_restarting at once; the new session and `reconnected` later
    assert "reconnecting" in _kinds(_events(agent))
    # a failed node is closed by the server at once; a client's own leave comes with its
    # new session
    gone = ["participant_disconnected"] if scenario == room_pb2.SIMULATE_NODE_FAILURE else []
    assert _kinds(_events(user)) == gone
    await asyncio.sleep(RESTART_S)
    await settle()
    assert _kinds(_events(agent))[-2:] == ["connection_state_changed", "reconnected"]
    later = _kinds(_events(user))
    assert later.count("participant_disconnected") == (not gone)
    assert "participant_connected" in later


async def test_leaving_meanwhile_ends_the_reconnection(runtime: EngineRuntime) -> None:
    agent = Peer(runtime, "agent")
    await agent.connect()
    await settle()
    await _start(agent, room_pb2.SIMULATE_FULL_RECONNECT)
    await agent.call(request_of("disconnect", room_handle=agent.room))
    _events(agent)
    await asyncio.sleep(RESTART_S)
    await settle()
    assert "reconnected" not in _kinds(_events(agent))
