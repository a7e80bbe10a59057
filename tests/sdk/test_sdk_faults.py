"""Async work that fails inside the engine still answers: the SDK call raises with the
engine's message instead of waiting forever. lkemu only: the control service makes the
engine's work fail, as a bug in lkemu would.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from livekit import rtc

from lkemu.bindings import EngineControl
from tests.helpers import make_token

pytestmark = [pytest.mark.lkemu_only]

ANSWER_WITHIN_S = 1.0


async def _connected(identity: str, room_name: str) -> rtc.Room:
    room = rtc.Room()
    await room.connect("ws://lkemu", make_token(identity, room_name))
    return room


async def test_a_failing_publish_data_raises_in_the_sdk(lkemu_control: EngineControl) -> None:
    room = await _connected("sender", f"faults-{uuid.uuid4().hex[:8]}")
    try:
        lkemu_control.inject_request_fault("publish_data", message="disk on fire")
        started = time.monotonic()
        with pytest.raises(rtc.participant.PublishDataError) as raised:
            await asyncio.wait_for(room.local_participant.publish_data(b"x"), 5)
        assert time.monotonic() - started < ANSWER_WITHIN_S
        assert "lkemu internal error in publish_data" in str(raised.value)
        assert "disk on fire" in str(raised.value)
        # Only the next one failed: the engine keeps serving.
        await asyncio.wait_for(room.local_participant.publish_data(b"y"), ANSWER_WITHIN_S)
    finally:
        await room.disconnect()


async def test_a_failing_connect_raises_connect_error(lkemu_control: EngineControl) -> None:
    lkemu_control.inject_request_fault("connect")
    room = rtc.Room()
    started = time.monotonic()
    with pytest.raises(rtc.ConnectError, match="lkemu internal error in connect"):
        await asyncio.wait_for(
            room.connect("ws://lkemu", make_token("caller", f"faults-{uuid.uuid4().hex[:8]}")), 5
        )
    assert time.monotonic() - started < ANSWER_WITHIN_S


async def test_a_failing_get_stats_raises(lkemu_control: EngineControl) -> None:
    room = await _connected("stats", f"faults-{uuid.uuid4().hex[:8]}")
    try:
        source = rtc.AudioSource(48000, 1)
        track = rtc.LocalAudioTrack.create_audio_track("mic", source)
        await room.local_participant.publish_track(track)
        lkemu_control.inject_request_fault("get_stats", message="stats are gone")
        started = time.monotonic()
        with pytest.raises(Exception, match="stats are gone"):
            await asyncio.wait_for(track.get_stats(), 5)
        assert time.monotonic() - started < ANSWER_WITHIN_S
        assert await asyncio.wait_for(track.get_stats(), ANSWER_WITHIN_S)
    finally:
        await room.disconnect()


def test_faults_only_for_async_kinds(lkemu_control: EngineControl) -> None:
    from lkemu.bindings import ControlRefused

    with pytest.raises(ControlRefused, match="not an async request kind"):
        lkemu_control.inject_request_fault("new_audio_source")
