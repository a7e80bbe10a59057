"""`lkemu demo`: the main job on the embedded default engine.

Spawns a private engine (virtual clock unless LKEMU_CLOCK says otherwise), then:
1. request round trips: a handle created and dropped, timed;
2. the audio journey: speech-like audio captured into an AudioSource, read back from an
   AudioStream at 16 kHz in 20 ms frames, every frame forwarded to a speech-to-text
   stand-in, segments compared with where the speech really is, speed against real time;
3. a refused request, and an async request answered by its callback event.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from lkemu.bindings import FfiClient, FfiHandle, FfiRequestError
from lkemu.bindings.embedded import embedded_engine
from lkemu.journey import EnergySegmenter, speech_like, speech_segments
from lkemu.proto import audio_frame_pb2, ffi_pb2

JOURNEY_SECONDS = 10.0
CAPTURE_MS = 20


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _us(samples: list[float]) -> str:
    p95 = sorted(samples)[int(len(samples) * 0.95)]
    return f"median {statistics.median(samples) * 1e6:.0f} us, p95 {p95 * 1e6:.0f} us"


def _resampler_request() -> ffi_pb2.FfiRequest:
    request = ffi_pb2.FfiRequest()
    request.new_audio_resampler.SetInParent()
    return request


async def _async_round_trip(client: FfiClient) -> float:
    queue = client.queue.subscribe()
    try:
        request = ffi_pb2.FfiRequest()
        setattr(request.dispose, "async", True)
        start = time.perf_counter()
        response = client.request(request)
        await queue.wait_for(
            lambda e: (
                e.WhichOneof("message") == "dispose"
                and e.dispose.async_id == response.dispose.async_id
            )
        )
        return time.perf_counter() - start
    finally:
        client.queue.unsubscribe(queue)


def _capture_answered(async_id: int) -> Callable[[ffi_pb2.FfiEvent], bool]:
    """Matches the callback of the capture_audio_frame request with this async id."""
    return lambda e: e.capture_audio_frame.async_id == async_id


def _audio_journey(client: FfiClient) -> None:
    rate_in = 48000
    audio = speech_like(JOURNEY_SECONDS, rate_in)
    request = ffi_pb2.FfiRequest()
    request.new_audio_source.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
    request.new_audio_source.sample_rate = rate_in
    request.new_audio_source.num_channels = 1
    source = client.request(request).new_audio_source.source.handle.id
    request = ffi_pb2.FfiRequest()
    request.create_audio_track.name = "speaker"
    request.create_audio_track.source_handle = source
    track = client.request(request).create_audio_track.track.handle.id

    async def run() -> EnergySegmenter:
        stt = EnergySegmenter()
        frames = client.queue.subscribe(
            filter_fn=lambda e: e.WhichOneof("message") == "audio_stream_event"
        )
        callbacks = client.queue.subscribe(
            filter_fn=lambda e: e.WhichOneof("message") == "capture_audio_frame"
        )
        request = ffi_pb2.FfiRequest()
        stream_request = request.new_audio_stream
        stream_request.track_handle = track
        stream_request.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
        stream_request.sample_rate, stream_request.num_channels = 16000, 1
        stream_request.frame_size_ms = 20
        stream = client.request(request).new_audio_stream.stream.handle.id
        expected = int(JOURNEY_SECONDS * 1000) // 20

        async def forward() -> None:
            # The stream sends nothing anywhere by itself: the caller forwards each frame.
            while stt.frames < expected:
                event = await frames.get()
                owned = event.audio_stream_event.frame_received.frame
                count = owned.info.samples_per_channel
                data = (ctypes.c_int16 * count).from_address(owned.info.data_ptr)
                stt.push(np.ctypeslib.as_array(data), owned.info.sample_rate)
                FfiHandle(owned.handle.id).dispose()

        reader = asyncio.create_task(forward())
        step = rate_in * CAPTURE_MS // 1000
        for start in range(0, len(audio), step):
            chunk = np.ascontiguousarray(audio[start : start + step])
            capture = ffi_pb2.FfiRequest()
            capture.capture_audio_frame.source_handle = source
            buffer = capture.capture_audio_frame.buffer
            buffer.data_ptr, buffer.num_channels = chunk.ctypes.data, 1
            buffer.sample_rate, buffer.samples_per_channel = rate_in, len(chunk)
            async_id = client.request(capture).capture_audio_frame.async_id
            await callbacks.wait_for(_capture_answered(async_id))
        await reader
        stt.flush()
        client.queue.unsubscribe(frames)
        client.queue.unsubscribe(callbacks)
        FfiHandle(stream).dispose()
        return stt

    started = time.perf_counter()
    stt = asyncio.run(run())
    elapsed = time.perf_counter() - started
    for handle in (track, source):
        FfiHandle(handle).dispose()
    truth = speech_segments(JOURNEY_SECONDS, rate_in)
    print(f"\naudio journey: {JOURNEY_SECONDS:.0f} s of speech-like audio at 48 kHz, captured in "
          f"{CAPTURE_MS} ms frames, read back at 16 kHz in 20 ms frames")  # fmt: skip
    print(f"  {stt.frames} frames forwarded to the speech-to-text stand-in, "
          f"{len(stt.segments)} segments found ({len(truth)} spoken):")  # fmt: skip
    for (begin, end), (true_begin, true_end) in zip(stt.segments, truth, strict=False):
        print(
            f"    {begin:5.2f} s - {end:5.2f} s   (spoken {true_begin:5.2f} s - {true_end:5.2f} s)"
        )
    print(f"  {elapsed:.2f} s wall time: {JOURNEY_SECONDS / elapsed:.1f}x real time "
          f"on the {client.connection.clock} clock")  # fmt: skip


def main() -> int:
    os.environ.setdefault("LKEMU_CLOCK", "virtual")
    print("lkemu demo: the LiveKit FFI protocol on an embedded engine\n")
    start = time.perf_counter()
    client = FfiClient.instance
    spawned = time.perf_counter() - start
    engine = embedded_engine()
    info = client.control.info()
    where = f"pid {engine.process.pid}" if engine else "LKEMU_ADDRESS"
    print(f"engine {info.engine_version} up at {client.connection.address} ({where}) "
          f"in {spawned * 1000:.0f} ms, clock {info.clock}")  # fmt: skip
    print(f"protocol of livekit {info.protocol_version}: {len(info.implemented_requests)} of "
          f"{len(info.implemented_requests) + len(info.unimplemented_requests)} request kinds "
          "implemented")  # fmt: skip

    def create_and_drop() -> None:
        response = client.request(_resampler_request())
        FfiHandle(response.new_audio_resampler.resampler.handle.id).dispose()

    try:
        create_and_drop()
    except FfiRequestError as error:
        print(f"new_audio_resampler: {error}")
    else:
        samples = _timed(create_and_drop, 500)
        print(f"request new_audio_resampler + drop its handle, 500 times: {_us(samples)}")
        counts = client.control.count_handles(client.connection.session_id)
        local = client.local.count() if client.local is not None else 0
        # The resamplers live in this process's local lane: both places are counted.
        print(f"live handles of this client afterwards: {counts.total} in the engine, "
              f"{local} in the local lane")  # fmt: skip

    _audio_journey(client)

    refused = ffi_pb2.FfiRequest()
    refused.capture_audio_frame.source_handle = 999_999
    refused.capture_audio_frame.buffer.CopyFrom(
        audio_frame_pb2.AudioFrameBufferInfo(
            data_ptr=0, num_channels=1, sample_rate=48000, samples_per_channel=0
        )
    )
    try:
        client.request(refused)
    except FfiRequestError as error:
        print(f"\na request on an unknown handle is refused: {error} [{error.kind_name}]")

    # Last, as in a real client: after dispose the engine sends this client no more events.
    latency = asyncio.run(_async_round_trip(client))
    print(f"async dispose -> DisposeCallback event: {latency * 1e6:.0f} us")

    client.close()
    print(f"\ndone in {time.perf_counter() - start:.2f} s; the engine stops with this process")
    return 0
