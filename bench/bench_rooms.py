"""Rooms at scale on the real clock: N participants, each publishing a microphone to
everyone (auto-subscribe: N x (N - 1) subscriptions), and an agent among them reading every
other participant's audio as 16 kHz, 20 ms frames. Reported: engine CPU and memory per
participant, and how they grow with N. (lkemu only: the native side needs a server.)
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from engine_usage import engine_cpu_seconds, engine_rss_kib

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.ffi_client import EventQueue
from lkemu.proto import ffi_pb2
from tests.helpers import Peer, make_token, new_stream

WINDOW_S = 2.0


async def _join_and_publish(
    client: FfiClient, events: EventQueue[ffi_pb2.FfiEvent], room: str, identity: str
) -> int:
    """Connect `identity` and publish a microphone; its room handle."""
    peer = Peer(client, events, timeout=10)
    await peer.connect(make_token(identity, room))
    await peer.publish_microphone()
    return peer.room


@pytest.mark.parametrize("participants", [2, 5, 10, 20])
def test_room_of_n_publishers_real_clock_lkemu(benchmark, participants: int) -> None:  # type: ignore[no-untyped-def]
    engine = EmbeddedEngine.start(clock="real")
    client = FfiClient(address=engine.address)
    room = f"bench-{uuid.uuid4().hex[:6]}"
    pid = engine.process.pid

    async def scenario() -> tuple[int, float, int]:
        queue = client.queue.subscribe()
        # (the callback waits drop what comes before their callback: subscriptions apart)
        subscriptions = client.queue.subscribe(
            filter_fn=lambda e: e.room_event.HasField("track_subscribed")
        )
        subscribed: list[int] = []
        rss_before = engine_rss_kib(pid)
        handles = [
            await _join_and_publish(client, queue, room, f"p{index}")
            for index in range(participants)
        ]
        agent = handles[0]  # p0 reads every remote track it was subscribed to
        while len(subscribed) < participants - 1:
            event = await asyncio.wait_for(subscriptions.get(), 10)
            room_event = event.room_event
            if room_event.room_handle == agent and room_event.HasField("track_subscribed"):
                subscribed.append(room_event.track_subscribed.track.handle.id)
        for track in subscribed:
            new_stream(client, track, 16000, 1, 20)
        cpu_before = engine_cpu_seconds(pid)
        frames, end = 0, time.monotonic() + WINDOW_S
        while time.monotonic() < end:
            try:
                event = await asyncio.wait_for(queue.get(), 0.1)
            except TimeoutError:
                continue
            if event.audio_stream_event.HasField("frame_received"):
                client.drop_handle(event.audio_stream_event.frame_received.frame.handle.id)
                frames += 1
        # memory once everything has run a while (allocators settle on first use)
        return frames, engine_cpu_seconds(pid) - cpu_before, engine_rss_kib(pid) - rss_before

    try:
        frames, cpu, rss = benchmark.pedantic(lambda: asyncio.run(scenario()), rounds=1)
        benchmark.group = "room of N publishers, real clock"
        per_participant_cpu = 100 * cpu / WINDOW_S / participants
        benchmark.extra_info.update(
            participants=participants,
            subscriptions=participants * (participants - 1),
            agent_frames_per_second=frames / WINDOW_S,
            engine_cpu_percent=100 * cpu / WINDOW_S,
            engine_cpu_percent_per_participant=per_participant_cpu,
            engine_rss_kib_per_participant=rss / participants,
        )
        print(
            f"\nN={participants}: engine {100 * cpu / WINDOW_S:.1f}% of a core "
            f"({per_participant_cpu:.2f}% per participant), "
            f"{rss / participants:.0f} KiB per participant, agent got "
            f"{frames / WINDOW_S:.0f} frames/s of {50 * (participants - 1)} expected"
        )
    finally:
        client.close()
        engine.stop()
