"""Frames per second received through the real livekit.rtc SDK: native and on lkemu.

Each variant runs in its own process (the drop-in and the native library cannot share one):
an AudioSource feeds a LocalAudioTrack, an AudioStream (48 kHz mono, 10 ms frames) is read
with `async for`, for 2,000 frames. Printed: frames per second of wall time, and the client
process's CPU per frame. The native core and lkemu's real clock are paced at real time
(100 frames/s); lkemu's virtual clock is not.
"""

from __future__ import annotations

import textwrap

from report import RowReporter
from sdk_child import VARIANTS, run_child

FRAMES = 2000
CLOCKS = ["real", "virtual"]
FPS_ROW = (
    "SDK `AudioStream` (48 kHz mono, 10 ms frames) through the real SDK, 1 s captures: frames "
    "received per second, real / virtual clock"
)
CPU_ROW = "same: client CPU per frame"
README_ROWS = [FPS_ROW, CPU_ROW]

CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    import numpy as np
    if sys.argv[1] == "lkemu":
        import lkemu
        lkemu.install()
    from livekit import rtc

    async def main():
        source = rtc.AudioSource(48000, 1)
        track = rtc.LocalAudioTrack.create_audio_track("t", source)
        stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
        second = rtc.AudioFrame(np.zeros(48000, np.int16).tobytes(), 48000, 1, 48000)
        received = 0

        async def read():
            nonlocal received
            async for _ in stream:
                received += 1
                if received >= FRAMES:
                    return

        reader = asyncio.create_task(read())
        wall, cpu = time.perf_counter(), time.process_time()
        while not reader.done():
            await source.capture_frame(second)
        await reader
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{received / wall:.1f} {cpu / received * 1e6:.1f}")
        await stream.aclose()

    asyncio.run(main())
    """
).replace("FRAMES", str(FRAMES))


@VARIANTS
def test_sdk_frames_per_second(
    benchmark, variant: str, clock: str, bench_report: RowReporter
) -> None:  # type: ignore[no-untyped-def]
    result: dict[str, float] = {}

    def once() -> None:
        result["fps"], result["cpu_us"] = run_child(CHILD, variant, clock, 2)

    benchmark.group = "SDK AudioStream frames (48 kHz mono, 10 ms), 2,000 frames"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(
        frames_per_second=result["fps"], client_cpu_us_per_frame=result["cpu_us"]
    )
    print(f"\n{variant} ({clock} clock): {result['fps']:.0f} frames/s, "
          f"client CPU {result['cpu_us']:.0f} us per frame")  # fmt: skip
    part = CLOCKS.index(clock)
    bench_report(FPS_ROW, variant, result["fps"], unit="/s", part=part, better="higher")
    bench_report(CPU_ROW, variant, result["cpu_us"], unit="us", part=part)
