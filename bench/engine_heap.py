"""What the engine holds per stream and per room participant: its Python heap, measured
with tracemalloc (which sees NumPy's buffers too), not a process's resident size (which
moves by hundreds of KiB with the allocator's arenas and went negative as a per-item
figure).

    python bench/engine_heap.py streams N     # N pipelines: source, track, 16 kHz stream
    python bench/engine_heap.py rooms N       # N participants of one room (below)

The engine runs in this process on simulated time (lkemu.bindings.simulated_time), driven
through dispatch as the engine's servers drive it, with nothing of a client in the
measurement: no gRPC, no bindings. In a room each participant publishes a microphone and
captures speech-like audio into it in 100 ms chunks; everyone subscribes to everyone
(N x (N - 1) subscriptions) and the first participant, the agent, reads every other one's
audio as 16 kHz, 20 ms frames, dropping each frame's handle as a client does. Every
session's events are read as they come, as a client's event stream reads them.

The heap is taken after a warm-up (a room or pipeline made, run and closed, so caches and
filter designs exist), and again after two seconds of running, both after gc.collect().
Prints one JSON line: bytes per item, frames the agent received and those it should have.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lkemu.bindings.simulated_time import use_simulated_time
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.dsp.signals import speech
from lkemu.proto import audio_frame_pb2, ffi_pb2, track_pb2
from tests.engine.conftest import (
    INPUT_ADDRESS,
    call_async,
    int16_memory,
    next_event,
    request_of,
    room_event,
    run,
    token,
)

RUN_S = 2.0
CHUNK_MS = 100


class Member:
    """One participant's session and handles."""

    def __init__(self, runtime: EngineRuntime, identity: str) -> None:
        self.runtime = runtime
        self.identity = identity
        self.session: Session = runtime.open_session(False, "bench", "0")
        self.room = self.local = self.source = 0

    def run(self, request: ffi_pb2.FfiRequest, memory: Memory | None = None) -> Any:
        return run(self.runtime, self.session, request, memory)

    async def join(self, room: str) -> None:
        request = request_of(
            "connect", url="ws://lkemu", token=token(self.identity, room),
            options={"auto_subscribe": True},
        )  # fmt: skip
        done = await call_async(self.runtime, self.session, request)
        assert done.WhichOneof("message") == "result", done.error
        self.room = done.result.room.handle.id
        self.local = done.result.local_participant.handle.id

    async def publish_microphone(self) -> None:
        self.source, track = pipeline_source(self)
        request = request_of(
            "publish_track", local_participant_handle=self.local, track_handle=track,
            options={"source": track_pb2.SOURCE_MICROPHONE},
        )  # fmt: skip
        published = await call_async(self.runtime, self.session, request)
        assert not published.HasField("error"), published.error


def pipeline_source(member: Member) -> tuple[int, int]:
    """A 48 kHz mono source and its local track."""
    request = request_of(
        "new_audio_source", type=audio_frame_pb2.AUDIO_SOURCE_NATIVE, sample_rate=48000,
        num_channels=1,
    )  # fmt: skip
    source = member.run(request).source.handle.id
    track = member.run(request_of("create_audio_track", name="mic", source_handle=source))
    return source, track.track.handle.id


def new_stream(member: Member, track: int) -> int:
    request = request_of(
        "new_audio_stream", track_handle=track, type=audio_frame_pb2.AUDIO_STREAM_NATIVE,
        sample_rate=16000, num_channels=1, frame_size_ms=20,
    )  # fmt: skip
    return int(member.run(request).stream.handle.id)


async def read_events(member: Member, frames: list[int]) -> None:
    """Read a session's events as a client does, dropping each received frame's handle."""
    while True:
        raw = await member.session.events.get()
        member.session.drained()
        if raw is None:
            return
        event = ffi_pb2.FfiEvent.FromString(raw.event)
        if event.audio_stream_event.HasField("frame_received"):
            handle = event.audio_stream_event.frame_received.frame.handle.id
            member.runtime.drop_handle(member.session.id, handle)
            frames[0] += 1


async def talk(member: Member, audio: np.ndarray) -> None:
    """Capture `audio` in CHUNK_MS pieces at the pace it plays."""
    step = 48 * CHUNK_MS
    buffer = {"data_ptr": INPUT_ADDRESS, "num_channels": 1, "sample_rate": 48000,
              "samples_per_channel": step}  # fmt: skip
    for start in range(0, len(audio) - step + 1, step):
        request = request_of("capture_audio_frame", source_handle=member.source, buffer=buffer)
        member.run(request, int16_memory(audio[start : start + step]))
        await asyncio.sleep(CHUNK_MS / 1000)


async def room(runtime: EngineRuntime, name: str, size: int) -> tuple[list[Member], list[int]]:
    """`size` members in room `name`, each publishing, the first reading all the others."""
    members = [Member(runtime, f"p{index}") for index in range(size)]
    for member in members:
        await member.join(name)
        await member.publish_microphone()
    agent = members[0]
    for _ in range(size - 1):
        subscribed = await next_event(agent.session, room_event("track_subscribed"), 10)
        new_stream(agent, subscribed.event.room_event.track_subscribed.track.handle.id)
    return members, [0]


async def run_rooms(size: int) -> dict[str, Any]:
    runtime = EngineRuntime(clock="simulated")
    voice = (speech(RUN_S + 1, 48000, seed=3).samples * 32767).astype(np.int16)

    async def scenario(name: str, members_count: int) -> tuple[list[Member], list[int], list[Any]]:
        members, frames = await room(runtime, name, members_count)
        tasks = [asyncio.create_task(read_events(m, frames)) for m in members]
        tasks += [asyncio.create_task(talk(m, voice)) for m in members]
        await asyncio.sleep(RUN_S)
        return members, frames, tasks

    async def close(members: list[Member], tasks: list[Any]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for member in members:
            runtime.close_session(member.session.id)
        await asyncio.sleep(0.5)  # the room notices its members left

    warm, _, warm_tasks = await scenario("warm-up", 2)
    await close(warm, warm_tasks)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    members, frames, tasks = await scenario("measured", size)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    await close(members, tasks)
    await runtime.shutdown()
    return {
        "items": size,
        "bytes_per_item": (after - before) / size,
        "agent_frames": frames[0],
        "agent_frames_due": int(RUN_S * 50) * (size - 1),
    }


async def run_streams(count: int) -> dict[str, Any]:
    runtime = EngineRuntime(clock="simulated")
    owner = Member(runtime, "owner")
    frames = [0]
    reader = asyncio.create_task(read_events(owner, frames))

    async def pipelines(n: int) -> list[int]:
        made = []
        for _ in range(n):
            source, track = pipeline_source(owner)
            made += [new_stream(owner, track), track, source]
        await asyncio.sleep(RUN_S)
        return made

    for handle in await pipelines(1):  # warm-up
        runtime.drop_handle(owner.session.id, handle)
    await asyncio.sleep(0.1)
    gc.collect()
    before, start_frames = tracemalloc.get_traced_memory()[0], frames[0]
    handles = await pipelines(count)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    received = frames[0] - start_frames
    for handle in handles:
        runtime.drop_handle(owner.session.id, handle)
    reader.cancel()
    await runtime.shutdown()
    return {
        "items": count,
        "bytes_per_item": (after - before) / count,
        "frames": received,
        "frames_due": int(RUN_S * 50) * count,
    }


def main() -> int:
    kind, size = sys.argv[1], int(sys.argv[2])
    use_simulated_time()
    tracemalloc.start()
    work = run_rooms if kind == "rooms" else run_streams
    print(json.dumps(asyncio.run(work(size))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
