"""RPC round trips and a 1 MB byte stream through the real livekit.rtc SDK, between two
participants of one room: lkemu's drop-in on its real and virtual clocks, and the native
library against a LiveKit server when LIVEKIT_URL names one (skipped otherwise: native
rooms need a server).

Each variant runs in its own process and prints the median RPC round trip (ms, over 200
calls after 20 warm-up ones) and the median time from send_bytes to the last byte read by
the receiver for 1 MB (ms, over 10 streams).
"""

from __future__ import annotations

import os
import textwrap

import pytest
from report import RowReporter
from sdk_child import VARIANTS, run_child

CLOCKS = ["real", "virtual"]
RPC_ROW = "SDK RPC round trip between two participants of a room, real / virtual clock"
STREAM_ROW = (
    "SDK `send_bytes` of 1 MB to the receiver's last byte, real clock (10 Mbit/s data channel) "
    "/ virtual clock (unlimited)"
)
README_ROWS = [RPC_ROW, STREAM_ROW]
NO_SERVER = "needs a LiveKit server: LIVEKIT_URL"

CHILD = textwrap.dedent(
    """
    import asyncio, os, sys, time, uuid
    import numpy as np
    if sys.argv[1] == "lkemu":
        import lkemu
        lkemu.install()
    from livekit import rtc
    from tests.helpers import make_token

    URL = os.environ.get("LIVEKIT_URL", "ws://lkemu")
    KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
    SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

    async def main():
        name = f"bench-{uuid.uuid4().hex[:8]}"
        agent, user = rtc.Room(), rtc.Room()
        await agent.connect(URL, make_token("agent", name, api_key=KEY, secret=SECRET))
        await user.connect(URL, make_token("user", name, api_key=KEY, secret=SECRET))
        while not agent.remote_participants:
            await asyncio.sleep(0.01)
        agent.local_participant.register_rpc_method("echo", lambda data: data.payload)
        times = []
        for i in range(220):
            start = time.perf_counter()
            await user.local_participant.perform_rpc(
                destination_identity="agent", method="echo", payload="ping"
            )
            if i >= 20:
                times.append(time.perf_counter() - start)
        rpc_ms = np.median(times) * 1e3

        payload = os.urandom(1_000_000)
        arrived = asyncio.Queue()
        tasks = []

        def on_bytes(reader, sender):
            async def read():
                size = 0
                async for chunk in reader:
                    size += len(chunk)
                arrived.put_nowait((size, time.perf_counter()))
            tasks.append(asyncio.ensure_future(read()))

        agent.register_byte_stream_handler("bench", on_bytes)
        stream_times = []
        for _ in range(10):
            start = time.perf_counter()
            await user.local_participant.send_bytes(payload, topic="bench", name="b.bin")
            size, done = await asyncio.wait_for(arrived.get(), 30)
            assert size == len(payload), size
            stream_times.append(done - start)
        stream_ms = np.median(stream_times) * 1e3
        await user.disconnect()
        await agent.disconnect()
        print(f"{rpc_ms:.3f} {stream_ms:.2f}")

    asyncio.run(main())
    """
)


@VARIANTS
def test_sdk_messaging(benchmark, variant: str, clock: str, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    if variant == "native" and not os.environ.get("LIVEKIT_URL"):
        for row in (RPC_ROW, STREAM_ROW):
            bench_report.note(row, "native", NO_SERVER)
        pytest.skip("native rooms need a LiveKit server: set LIVEKIT_URL to measure them")
    result: dict[str, float] = {}

    def once() -> None:
        result["rpc"], result["stream"] = run_child(CHILD, variant, clock, 2)

    benchmark.group = "SDK messaging: RPC round trip and a 1 MB byte stream, ms"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(
        rpc_round_trip_ms=result["rpc"], byte_stream_1mb_ms=result["stream"]
    )
    print(f"\n{variant} ({clock} clock): RPC round trip {result['rpc']:.2f} ms, "
          f"1 MB byte stream {result['stream']:.1f} ms")  # fmt: skip
    part = CLOCKS.index(clock)
    bench_report(RPC_ROW, variant, result["rpc"], unit="ms", part=part)
    bench_report(STREAM_ROW, variant, result["stream"], unit="ms", part=part)
