"""The one clock lkemu.agents stamps things with: the running event loop's.

On a plain loop that is time.monotonic(); under simulated time (`--lkemu-clock simulated`)
it is the simulated timeline the engine, the agent and the fakes all share, so that what is
measured on it (a reply's latency, a transcript's delay) is exact and the same every run.
"""

from __future__ import annotations

import asyncio
import time


def now() -> float:
    """The running loop's time (time.monotonic() outside a loop)."""
    loop = asyncio._get_running_loop()
    return loop.time() if loop is not None else time.monotonic()
