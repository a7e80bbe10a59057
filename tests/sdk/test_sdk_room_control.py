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
    # Playback starts on subscription and the AudioStream exists a moment later (the SDK
    # creates it on track_subscribed): whole 10 ms blocks played before that may be missed,
    # as natively (one block in ~1 of 30 runs here); never part of one, and the rest is
    # sample-exact.
    lost = next(
        (
            k
            for k in range(0, 5 * 480 + 1, 480)
            if np.array_equal(heard[start : start + len(sent) - start - k], sent[start + k :])
        ),
        None,
    )
    assert lost is not None
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


async def test_a_front_end_the_engine_plays_calls_rpc_and_types_chat(
    lkemu_control: EngineControl,
) -> None:
    room_name = f"ctl-{uuid.uuid4().hex[:8]}"
    agent = rtc.Room()
    joined: asyncio.Queue[rtc.RemoteParticipant] = asyncio.Queue()
    agent.on("participant_connected", joined.put_nowait)
    await agent.connect("ws://lkemu", make_token("agent", room_name))
    lkemu_control.inject_participant(room_name, "front-end")  # no microphone: it only talks
    assert (await asyncio.wait_for(joined.get(), 5)).identity == "front-end"

    async def get_state(data: rtc.RpcInvocationData) -> str:
        return f"listening, asked by {data.caller_identity} with {data.payload}"

    agent.local_participant.register_rpc_method("get_state", get_state)

    answered = await asyncio.to_thread(
        lkemu_control.perform_rpc, room_name, "front-end", "agent", "get_state", "{}"
    )
    assert answered.error_code == 0
    assert answered.payload == "listening, asked by front-end with {}"
    unknown = await asyncio.to_thread(
        lkemu_control.perform_rpc, room_name, "front-end", "agent", "nope", ""
    )
    assert unknown.error_code == rtc.RpcError.ErrorCode.UNSUPPORTED_METHOD

    # The agent calls the front end, which answers what it was told to.
    lkemu_control.set_rpc_replies(
        room_name, "front-end", {"ui.show": "shown", "ui.fail": (4001, "no screen", "d")}
    )
    shown = await agent.local_participant.perform_rpc(
        destination_identity="front-end", method="ui.show", payload="card"
    )
    assert shown == "shown"
    with pytest.raises(rtc.RpcError) as raised:
        await agent.local_participant.perform_rpc(
            destination_identity="front-end", method="ui.fail", payload=""
        )
    assert (raised.value.code, raised.value.message, raised.value.data) == (4001, "no screen", "d")

    # Chat typed on the front end reaches the agent's lk.chat handler.
    typed: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
    tasks = []

    def on_chat(reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            typed.set_result((sender, await reader.read_all()))

        tasks.append(asyncio.ensure_future(read()))

    agent.register_text_stream_handler("lk.chat", on_chat)
    stream_id = lkemu_control.send_text(room_name, "front-end", "what's the weather?")
    assert await asyncio.wait_for(typed, 5) == ("front-end", "what's the weather?")
    assert stream_id
    with pytest.raises(ControlRefused, match="not a participant the engine plays"):
        lkemu_control.send_text(room_name, "agent", "impersonation")
    await agent.disconnect()


async def test_a_played_caller_subscribes_to_the_agent_as_a_client_would(
    lkemu_control: EngineControl,
) -> None:
    """An agent's audio output waits for its first subscriber: a played caller is one."""
    room_name = f"ctl-{uuid.uuid4().hex[:8]}"
    agent = rtc.Room()
    subscribed: asyncio.Queue[rtc.LocalTrackPublication] = asyncio.Queue()
    agent.on("local_track_subscribed", subscribed.put_nowait)
    await agent.connect("ws://lkemu", make_token("agent", room_name, kind="agent"))
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("agent-voice", source)
    publication = await agent.local_participant.publish_track(track)
    reply = lkemu_control.inject_participant(room_name, "caller", kind="sip")
    assert (await asyncio.wait_for(subscribed.get(), 5)).sid == publication.sid
    (caller,) = agent.remote_participants.values()
    assert caller.kind == rtc.ParticipantKind.PARTICIPANT_KIND_SIP
    assert reply.participant.identity == "caller"
    (summary,) = [p for p in lkemu_control.list_participants(room_name) if p.injected]
    assert list(summary.subscribed_to) == ["agent"]
    quiet = lkemu_control.inject_participant(room_name, "listener-off", no_subscribe=True)
    assert quiet.participant.identity == "listener-off"
    (summary,) = [
        p for p in lkemu_control.list_participants(room_name) if p.identity == "listener-off"
    ]
    assert list(summary.subscribed_to) == []
    await agent.disconnect()
