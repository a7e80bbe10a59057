"""Time for media: a real clock paced like the native core, or a virtual one.

On the real clock a source plays 10 ms of audio every 10 ms of wall time, as WebRTC pulls
it. On the virtual clock media moves as fast as its consumers take it: no sleeping, and
timestamps count samples, so a run is exact and repeatable whatever the machine's load.
"""

from __future__ import annotations

import asyncio

TICK_S = 0.010


class MediaClock:
    def __init__(self, mode: str) -> None:
        if mode not in ("real", "virtual"):
            raise ValueError(f"clock must be 'real' or 'virtual', not {mode!r}")
        self.mode = mode

    @property
    def virtual(self) -> bool:
        return self.mode == "virtual"

    async def ticks(self) -> None:
        """Wait for the next 10 ms tick on the real clock (drift-free); at once if virtual."""
        if self.virtual:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        await asyncio.sleep(TICK_S - (now % TICK_S))
