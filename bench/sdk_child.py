"""Running a benchmark through the real livekit.rtc SDK in a process of its own.

The drop-in and the native library cannot share a process, so each variant runs a small
program (given `native` or `lkemu` as its argument) that prints its figures on its last
line.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# (variant, clock) pairs, with their ids: native, lkemu on the real clock, on the virtual one.
VARIANTS = pytest.mark.parametrize(
    ("variant", "clock"),
    [("native", "real"), ("lkemu", "real"), ("lkemu", "virtual")],
    ids=["native", "lkemu-real", "lkemu-virtual"],
)


def run_child(code: str, variant: str, clock: str, figures: int) -> list[float]:
    """Run `code` as `variant` on `clock`; the last `figures` numbers it printed."""
    if variant == "native":
        pytest.importorskip("livekit.rtc", reason="livekit (native) not installed")
    env = dict(os.environ, LKEMU_CLOCK=clock)
    done = subprocess.run(
        [sys.executable, "-c", code, variant], capture_output=True, text=True, env=env, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return [float(v) for v in done.stdout.split()[-figures:]]
