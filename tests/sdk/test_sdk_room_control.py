"""The engine's room control service (what a server's RoomService does, plus participants
the engine plays), seen by an unmodified livekit.rtc agent. lkemu only: it drives the
engine through the `lkemu_control` fixture of the pytest plugin.
"""

from __future__ import annotations

import asyncio
import io
import uuid
import wave

import numpy as np
import pytest
from livekit import rtc

from lkemu.bindings import ControlRefused, EngineControl
from tests.helpers import make_token

pytestmark = [pytest.mark.lkemu_only]


def _wav(samples: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


async def test_an_injected_participant_plays_a_wav_file_to_the_agent(
    lkemu_control: EngineControl,
) -> None:
    room_name = f"ctl-{uuid.uuid4().hex[:8]}"
    agent = rtc.Room()
    subscribed: asyncio.Queue[tuple[rtc.Track, rtc.RemoteParticipant]] = asyncio.Queue()
    agent.on("track_subscribed", lambda track, pub, p: subscribed.put_nowait((track, p)))
    await agent.connect("ws://lkemu", make_token("agent", room_name))

    rng = np.random.default_rng(7)
    sent = (rng.standard_normal(24000) * 4000).astype(np.int16)  # 0.5 s at 48 kHz
    reply = lkemu_control.inject_participant(room_name, "caller", wav=_wav(sent, 48000))
    assert reply.samples == len(sent)
    track, participant = await asyncio.wait_for(subscribed.get(), 5)
    assert participant.identity == "caller" and track.sid == reply.track_sid

    stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
    received: list[np.ndarray] = []

    async def listen() -> None:
        total = 0
        async for event in stream:
            samples = np.frombuffer(event.frame.data, dtype=np.int16)
            if total or np.any(samples):
                received.append(samples.copy())
                total += len(samples)
            if total >= len(sent):
                return

    await asyncio.wait_for(listen(), 10)
    heard = np.concatenate(received)
    start = int(np.flatnonzero(heard)[0])
    assert np.array_equal(heard[start : start + len(sent) - start], sent[start:])
    assert not np.any(sent[:start])  # only leading zeros of the file itself were skipped

    (summary,) = [p for p in lkemu_control.list_participants(room_name) if p.injected]
    assert summary.identity == "caller" and summary.tracks[0].sid == reply.track_sid
    assert any(r.name == room_name for r in lkemu_control.list_rooms())
    await stream.aclose()
    await agent.disconnect()


async def test_server_side_actions_reach_the_agent(lkemu_control: EngineControl) -> None:
    room_name = f"ctl-{uuid.uuid4().hex[:8]}"
    agent, user = rtc.Room(), rtc.Room()
    events: asyncio.Queue[tuple[object, ...]] = asyncio.Queue()
    agent.on("room_metadata_changed", lambda old, new: events.put_nowait(("metadata", new)))
    agent.on("connection_quality_changed",
             lambda p, q: events.put_nowait(("quality", p.identity, q)))  # fmt: skip
    agent.on("participant_disconnected",
             lambda p: events.put_nowait(("left", p.identity, p.disconnect_reason)))  # fmt: skip
    agent.on("disconnected", lambda reason: events.put_nowait(("disconnected", reason)))
    await agent.connect("ws://lkemu", make_token("agent", room_name))
    await user.connect("ws://lkemu", make_token("user", room_name))

    async def next_event() -> tuple[object, ...]:
        return await asyncio.wait_for(events.get(), 5)

    lkemu_control.update_room_metadata(room_name, "recording")
    assert await next_event() == ("metadata", "recording")
    assert agent.metadata == "recording"
    lkemu_control.set_connection_quality(room_name, "user", rtc.ConnectionQuality.QUALITY_POOR)
    assert await next_event() == ("quality", "user", rtc.ConnectionQuality.QUALITY_POOR)
    lkemu_control.remove_participant(room_name, "user")
    assert await next_event() == ("left", "user", rtc.DisconnectReason.PARTICIPANT_REMOVED)
    assert lkemu_control.close_room(room_name) == 1
    assert await next_event() == ("disconnected", rtc.DisconnectReason.ROOM_DELETED)
    assert not agent.isconnected()

    with pytest.raises(ControlRefused, match="no room named"):
        lkemu_control.list_participants(room_name)
    await user.disconnect()
