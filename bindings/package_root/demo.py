"""`lkemu demo`: the main job on the embedded default engine.

Spawns a private engine, then walks the FFI protocol the way the SDK does: requests and
their responses, owned handles created and dropped, an async request answered by its
callback event, and a refused request, each with its timing.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from lkemu.bindings import FfiClient, FfiHandle, FfiRequestError
from lkemu.bindings.embedded import embedded_engine
from lkemu.proto import audio_frame_pb2, ffi_pb2


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


def main() -> int:
    print("lkemu demo: the LiveKit FFI protocol on an embedded engine\n")
    start = time.perf_counter()
    client = FfiClient.instance
    spawned = time.perf_counter() - start
    engine = embedded_engine()
    info = client.connection.info()
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
        counts = client.connection.count_handles(client.connection.session_id)
        print(f"live handles of this client afterwards: {counts.total}")

    sync = ffi_pb2.FfiRequest()
    setattr(sync.dispose, "async", False)
    samples = _timed(lambda: client.request(sync), 500)
    print(f"sync request round trip (dispose), 500 times: {_us(samples)}")

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
        print(f"a request on an unknown handle is refused: {error} [{error.kind_name}]")

    # Last, as in a real client: after dispose the engine sends this client no more events.
    latency = asyncio.run(_async_round_trip(client))
    print(f"async dispose -> DisposeCallback event: {latency * 1e6:.0f} us")

    client.close()
    print(f"\ndone in {time.perf_counter() - start:.2f} s; the engine stops with this process")
    return 0
