"""The audio pipeline: throughput on the virtual clock, cost per stream on the real clock.

make bench        (or: pytest bench -o python_files='bench_*.py' -k audio)
"""

from __future__ import annotations

import asyncio
import ctypes
import time

import numpy as np
import pytest
from engine_usage import engine_cpu_seconds, engine_rss_kib

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.proto import ffi_pb2
from tests.helpers import new_source, new_stream, new_track

SECONDS = 10.0


def _pipeline(client: FfiClient, rate_out: int, frame_ms: int) -> tuple[int, int, int]:
    """A 48 kHz mono source, its track and a mono stream of it: their handles."""
    source = new_source(client)
    track = new_track(client, source, "t")
    return source, track, new_stream(client, track, rate_out, 1, frame_ms)


async def _run_journey(client: FfiClient, audio: np.ndarray, capture_ms: int) -> int:
    """Capture `audio` in `capture_ms` frames, read it all back at 16 kHz / 20 ms."""
    source, track, stream = _pipeline(client, 16000, 20)
    frames_queue = client.queue.subscribe(
        filter_fn=lambda e: e.WhichOneof("message") == "audio_stream_event"
    )
    callbacks = client.queue.subscribe(
        filter_fn=lambda e: e.WhichOneof("message") == "capture_audio_frame"
    )
    expected = len(audio) // 960  # 20 ms at 48 kHz in, one 320-sample frame out
    received = 0

    async def read() -> None:
        nonlocal received
        while received < expected:
            event = await frames_queue.get()
            owned = event.audio_stream_event.frame_received.frame
            data = (ctypes.c_int16 * owned.info.samples_per_channel).from_address(
                owned.info.data_ptr
            )
            np.ctypeslib.as_array(data).copy()
            client.drop_handle(owned.handle.id)
            received += 1

    reader = asyncio.create_task(read())
    step = 48 * capture_ms
    for start in range(0, len(audio), step):
        chunk = np.ascontiguousarray(audio[start : start + step])
        request = ffi_pb2.FfiRequest()
        request.capture_audio_frame.source_handle = source
        b = request.capture_audio_frame.buffer
        b.data_ptr, b.num_channels, b.sample_rate = chunk.ctypes.data, 1, 48000
        b.samples_per_channel = len(chunk)
        async_id = client.request(request).capture_audio_frame.async_id
        await callbacks.wait_for(lambda e, a=async_id: e.capture_audio_frame.async_id == a)
    await reader
    client.queue.unsubscribe(frames_queue)
    client.queue.unsubscribe(callbacks)
    for handle in (stream, track, source):
        client.drop_handle(handle)
    return received


@pytest.fixture
def virtual_client(bench_virtual_engine: EmbeddedEngine):  # type: ignore[no-untyped-def]
    client = FfiClient(address=bench_virtual_engine.address)
    yield client
    client.close()


@pytest.mark.parametrize("capture_ms", [20, 100, 1000])
def test_stream_48k_to_16k_20ms_virtual_lkemu(benchmark, virtual_client, capture_ms) -> None:  # type: ignore[no-untyped-def]
    """End to end through the bindings; x real time = SECONDS / median."""
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(int(48000 * SECONDS)) * 3000).astype(np.int16)
    benchmark.group = "audio stream 48k->16k 20ms, 10 s of audio, virtual clock"
    frames = benchmark.pedantic(
        lambda: asyncio.run(_run_journey(virtual_client, audio, capture_ms)),
        rounds=5,
        warmup_rounds=1,
    )
    assert frames == int(SECONDS * 50)
    benchmark.extra_info["x_real_time"] = SECONDS / benchmark.stats.stats.median


@pytest.mark.parametrize("streams", [1, 100])
def test_concurrent_streams_real_clock_lkemu(benchmark, streams: int) -> None:  # type: ignore[no-untyped-def]
    """Engine CPU per stream and memory per stream, on the real clock, over 2 s."""
    engine = EmbeddedEngine.start(clock="real")
    client = FfiClient(address=engine.address)
    try:
        rss_before = engine_rss_kib(engine.process.pid)
        handles = [_pipeline(client, 16000, 20) for _ in range(streams)]
        rss_after = engine_rss_kib(engine.process.pid)
        window = 2.0

        async def drain() -> int:
            queue = client.queue.subscribe(
                filter_fn=lambda e: e.WhichOneof("message") == "audio_stream_event"
            )
            count, deadline = 0, time.monotonic() + window
            while time.monotonic() < deadline:
                try:
                    event = await asyncio.wait_for(queue.get(), 0.1)
                except TimeoutError:
                    continue
                client.drop_handle(event.audio_stream_event.frame_received.frame.handle.id)
                count += 1
            client.queue.unsubscribe(queue)
            return count

        cpu_before = engine_cpu_seconds(engine.process.pid)
        frames = benchmark.pedantic(lambda: asyncio.run(drain()), rounds=1)
        cpu = engine_cpu_seconds(engine.process.pid) - cpu_before
        benchmark.group = "concurrent streams, real clock (silence at 10 ms ticks)"
        benchmark.extra_info.update(
            streams=streams,
            frames_per_second=frames / window,
            engine_cpu_percent_per_stream=100 * cpu / window / streams,
            engine_rss_kib_per_stream=(rss_after - rss_before) / streams,
        )
        print(
            f"\n{streams} streams: {frames / window:.0f} frames/s received, engine CPU "
            f"{100 * cpu / window / streams:.2f}% of a core per stream, "
            f"{(rss_after - rss_before) / streams:.0f} KiB per stream"
        )
        del handles
    finally:
        client.close()
        engine.stop()
