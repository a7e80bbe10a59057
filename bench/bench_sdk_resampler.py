"""The sox resampler through the real livekit.rtc SDK (`rtc.AudioResampler.push`), native and
on lkemu's drop-in, 44.1 kHz -> 16 kHz, MEDIUM quality, in 10 ms and 100 ms pushes.

Each variant runs in its own process (the drop-in and the native library cannot share one)
and prints the median time for one second of audio over 60 rounds. This is what a user of
the SDK pays; bench_resampler.py measures lkemu's own bindings and its DSP alone.
"""

from __future__ import annotations

import textwrap

import pytest
from report import RowReporter
from sdk_child import run_child

ROW = "same through the SDK (`rtc.AudioResampler.push` on the drop-in), 10 / 100 ms pushes"
README_ROWS = [ROW]

CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    if sys.argv[1] == "lkemu":
        import lkemu
        lkemu.install()
    from livekit import rtc

    audio = (np.random.default_rng(3).standard_normal(44100) * 3000).astype(np.int16)
    for push_ms in (10, 100):
        chunk = 441 * push_ms // 10
        frames = [rtc.AudioFrame(audio[i : i + chunk].tobytes(), 44100, 1, chunk)
                  for i in range(0, 44100, chunk)]
        times = []
        for round_ in range(70):
            start = time.perf_counter()
            resampler = rtc.AudioResampler(
                44100, 16000, num_channels=1, quality=rtc.AudioResamplerQuality.MEDIUM
            )
            for frame in frames:
                resampler.push(frame)
            if round_ >= 10:  # the first rounds warm up
                times.append(time.perf_counter() - start)
        print(f"{np.median(times) * 1e6:.1f}")
    """
)


@pytest.mark.parametrize("variant", ["native", "lkemu"])
def test_sdk_resampler(benchmark, variant: str, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    result: dict[str, float] = {}

    def once() -> None:
        result["10ms"], result["100ms"] = run_child(CHILD, variant, "real", 2)

    benchmark.group = "SDK AudioResampler 44.1k->16k, us per second of audio"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(
        us_per_second_10ms=result["10ms"], us_per_second_100ms=result["100ms"]
    )
    print(f"\n{variant}: {result['10ms']:.0f} us per second of audio in 10 ms pushes, "
          f"{result['100ms']:.0f} us in 100 ms pushes")  # fmt: skip
    bench_report(ROW, variant, result["10ms"] / 1000, unit="ms", part=0)
    bench_report(ROW, variant, result["100ms"] / 1000, unit="ms", part=1)
