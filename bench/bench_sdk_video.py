"""1080p frames per second through the real livekit.rtc SDK, source to stream: native and
on lkemu.

Each variant runs in its own process (the drop-in and the native library cannot share one).
A VideoSource (1920x1080) feeds a LocalVideoTrack; RGBA frames are captured as fast as the
loop allows while a VideoStream(track, format=RGBA) is read with `async for`, until FRAMES
frames arrived or LIMIT_S passed. Both sides turn a captured RGBA frame into I420 and the
stream turns it back into RGBA. Printed: frames received per second of wall time, frames
captured per second, and the client process's CPU per received frame.
"""

from __future__ import annotations

import textwrap

from report import RowReporter
from sdk_child import VARIANTS, run_child

FRAMES = 150
LIMIT_S = 20.0
CLOCKS = ["real", "virtual"]
FPS_ROW = (
    "SDK 1080p RGBA `VideoSource` -> `VideoStream(format=RGBA)`: frames received per second, "
    "real / virtual clock"
)
CPU_ROW = "same: client CPU per received frame"
README_ROWS = [FPS_ROW, CPU_ROW]

CHILD = (
    textwrap.dedent(
        """
    import asyncio, sys, time
    import numpy as np
    if sys.argv[1] == "lkemu":
        import lkemu
        lkemu.install()
    from livekit import rtc

    WIDTH, HEIGHT = 1920, 1080

    async def main():
        source = rtc.VideoSource(WIDTH, HEIGHT)
        track = rtc.LocalVideoTrack.create_video_track("camera", source)
        stream = rtc.VideoStream(track, format=rtc.VideoBufferType.RGBA)
        pixels = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
        pixels[..., 0] = np.arange(WIDTH) % 256
        pixels[..., 1] = (np.arange(HEIGHT) % 256)[:, None]
        pixels[..., 3] = 255
        frame = rtc.VideoFrame(WIDTH, HEIGHT, rtc.VideoBufferType.RGBA, pixels.tobytes())
        received = 0

        async def read():
            nonlocal received
            async for event in stream:
                assert event.frame.width == WIDTH
                received += 1
                if received >= FRAMES:
                    return

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.2)  # the stream is subscribed before the first frame
        wall, cpu = time.perf_counter(), time.process_time()
        captured = 0
        while not reader.done() and time.perf_counter() - wall < LIMIT_S:
            source.capture_frame(frame, timestamp_us=captured * 33_333)
            captured += 1
            await asyncio.sleep(0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        reader.cancel()
        print(f"{received / wall:.1f} {captured / wall:.1f} {cpu / max(received, 1) * 1e3:.2f}")
        await stream.aclose()

    asyncio.run(main())
    """
    )
    .replace("FRAMES", str(FRAMES))
    .replace("LIMIT_S", str(LIMIT_S))
)


@VARIANTS
def test_sdk_video_1080p_frames_per_second(  # type: ignore[no-untyped-def]
    benchmark, variant: str, clock: str, bench_report: RowReporter
) -> None:
    result: dict[str, float] = {}

    def once() -> None:
        result["received"], result["captured"], result["cpu_ms"] = run_child(
            CHILD, variant, clock, 3
        )

    benchmark.group = "SDK video 1080p RGBA source -> RGBA stream"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(
        received_fps=result["received"],
        captured_fps=result["captured"],
        client_cpu_ms_per_frame=result["cpu_ms"],
    )
    print(f"\n{variant} ({clock} clock): {result['received']:.1f} frames/s received, "
          f"{result['captured']:.1f} captured, client CPU {result['cpu_ms']:.1f} ms "
          "per received frame")  # fmt: skip
    part = CLOCKS.index(clock)
    bench_report(FPS_ROW, variant, result["received"], unit="/s", part=part, better="higher")
    bench_report(CPU_ROW, variant, result["cpu_ms"], unit="ms", part=part)
