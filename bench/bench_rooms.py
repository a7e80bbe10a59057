"""Rooms at scale on the real clock: N participants, each publishing a microphone to everyone
(auto-subscribe: N x (N - 1) subscriptions) and capturing speech-like audio into it in
100 ms chunks at the pace it plays, and an agent among them reading every other
participant's audio as 16 kHz, 20 ms frames. Reported: the engine's CPU, the frames the
agent received of those due, and (bench/engine_heap.py, the same room on simulated time)
the engine's heap per participant. lkemu only: the native side needs a server.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import numpy as np
import pytest
from engine_usage import engine_cpu_seconds, engine_heap
from report import RowReporter

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.ffi_client import EventQueue
from lkemu.engine.dsp.signals import speech
from lkemu.proto import ffi_pb2
from tests.helpers import Peer, capture_request, make_token, new_stream

WINDOW_S = 2.0
CHUNK_MS = 100
SIZES = [2, 5, 10, 20]
CPU_ROW = (
    "room of N publishers capturing speech, an agent reading the others at 16 kHz / 20 ms, "
    "real clock, N = 2 / 5 / 10 / 20: engine CPU"
)
FRAMES_ROW = "same: frames the agent received of those due"
HEAP_ROW = "same (on simulated time): engine heap per participant (tracemalloc)"
README_ROWS = [CPU_ROW, FRAMES_ROW, HEAP_ROW]
NO_NATIVE = "needs a LiveKit server"


async def _join_and_publish(
    client: FfiClient, events: EventQueue[ffi_pb2.FfiEvent], room: str, identity: str
) -> tuple[int, int]:
    """Connect `identity` and publish a microphone; its room and source handles."""
    peer = Peer(client, events, timeout=10)
    await peer.connect(make_token(identity, room))
    source, _ = await peer.publish_microphone()
    return peer.room, source


async def _talk(client: FfiClient, source: int, audio: np.ndarray, until: float) -> None:
    """Capture `audio` in CHUNK_MS pieces at the pace it plays, until `until`."""
    step = 48 * CHUNK_MS
    start = time.monotonic()
    for index, offset in enumerate(range(0, len(audio) - step + 1, step)):
        if time.monotonic() >= until:
            return
        chunk = np.ascontiguousarray(audio[offset : offset + step])
        client.request(capture_request(source, chunk, 48000, 1))
        await asyncio.sleep(max(0.0, start + (index + 1) * CHUNK_MS / 1000 - time.monotonic()))


@pytest.mark.parametrize("participants", SIZES)
def test_room_of_n_publishers_real_clock_lkemu(  # type: ignore[no-untyped-def]
    benchmark, participants: int, bench_report: RowReporter
) -> None:
    engine = EmbeddedEngine.start(clock="real")
    client = FfiClient(address=engine.address)
    room = f"bench-{uuid.uuid4().hex[:6]}"
    pid = engine.process.pid
    voice = (speech(WINDOW_S + 2, 48000, seed=3).samples * 32767).astype(np.int16)

    async def scenario() -> tuple[int, float]:
        queue = client.queue.subscribe()
        # (the callback waits drop what comes before their callback: subscriptions apart)
        subscriptions = client.queue.subscribe(
            filter_fn=lambda e: e.room_event.HasField("track_subscribed")
        )
        subscribed: list[int] = []
        joined = [
            await _join_and_publish(client, queue, room, f"p{index}")
            for index in range(participants)
        ]
        agent = joined[0][0]  # p0 reads every remote track it was subscribed to
        while len(subscribed) < participants - 1:
            event = await asyncio.wait_for(subscriptions.get(), 10)
            room_event = event.room_event
            if room_event.room_handle == agent and room_event.HasField("track_subscribed"):
                subscribed.append(room_event.track_subscribed.track.handle.id)
        for track in subscribed:
            new_stream(client, track, 16000, 1, 20)
        end = time.monotonic() + WINDOW_S + 0.5
        talkers = [asyncio.create_task(_talk(client, s, voice, end)) for _, s in joined]
        await asyncio.sleep(0.5)  # the streams' first frames are out
        while not queue.empty():
            queue.get_nowait()
        cpu_before = engine_cpu_seconds(pid)
        frames, window_end = 0, time.monotonic() + WINDOW_S
        while time.monotonic() < window_end:
            try:
                event = await asyncio.wait_for(queue.get(), 0.1)
            except TimeoutError:
                continue
            if event.audio_stream_event.HasField("frame_received"):
                client.drop_handle(event.audio_stream_event.frame_received.frame.handle.id)
                frames += 1
        cpu = engine_cpu_seconds(pid) - cpu_before
        await asyncio.gather(*talkers)
        return frames, cpu

    try:
        frames, cpu = benchmark.pedantic(lambda: asyncio.run(scenario()), rounds=1)
    finally:
        client.close()
        engine.stop()
    benchmark.group = "room of N publishers, real clock"
    due = WINDOW_S * 50 * (participants - 1)
    benchmark.extra_info.update(
        participants=participants,
        subscriptions=participants * (participants - 1),
        agent_frames_per_second=frames / WINDOW_S,
        engine_cpu_percent=100 * cpu / WINDOW_S,
    )
    part = SIZES.index(participants)
    bench_report(CPU_ROW, "lkemu", 100 * cpu / WINDOW_S, unit="% of a core", part=part)
    bench_report(FRAMES_ROW, "lkemu", 100 * frames / due, unit="%", part=part, better="higher")
    for row in (CPU_ROW, FRAMES_ROW):
        bench_report.note(row, "native", NO_NATIVE)


@pytest.mark.parametrize("participants", SIZES)
def test_room_engine_heap_per_participant_lkemu(  # type: ignore[no-untyped-def]
    benchmark, participants: int, bench_report: RowReporter
) -> None:
    result: dict[str, float] = {}
    benchmark.group = "room of N publishers: engine heap per participant"
    benchmark.pedantic(lambda: result.update(engine_heap("rooms", participants)), rounds=1)
    benchmark.extra_info.update(result)
    assert result["agent_frames"] >= 0.95 * result["agent_frames_due"], result
    bench_report(HEAP_ROW, "lkemu", result["bytes_per_item"] / 1024, unit="KiB",
                 part=SIZES.index(participants))  # fmt: skip
    bench_report.note(HEAP_ROW, "native", NO_NATIVE)
