"""Time for media: a real clock paced like the native core, or a virtual one.

On the real clock a source plays 10 ms of audio every 10 ms of wall time, as WebRTC pulls
it. On the virtual clock media moves as fast as its consumers take it: no sleeping, and
timestamps count samples, so a run is exact and repeatable whatever the machine's load.
On simulated time media is paced as on the real clock, but by the event loop's clock, which
is simulated (lkemu.bindings.simulated_time: the engine runs on the client's own loop), so
10 ms of audio take 10 ms of simulated time and no wall time while everything else waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

TICK_S = 0.010
MODES = ("real", "virtual", "simulated")
logger = logging.getLogger("lkemu.engine")


class MediaClock:
    def __init__(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"clock must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode

        self._listeners: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None

    @property
    def virtual(self) -> bool:
        return self.mode == "virtual"

    def now_us(self) -> int:
        """The time a real-clock capture is stamped with (as the native core's monotonic
        clock): the loop's own on simulated time, so that stamps are on the timeline too."""
        if self.mode == "simulated":
            return int(asyncio.get_running_loop().time() * 1_000_000)
        return time.monotonic_ns() // 1000

    def on_tick(self, listener: Callable[[], None]) -> None:
        """Call `listener` every 10 ms of wall time: one task for every real-clock source."""
        self._listeners.append(listener)
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    def off_tick(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while self._listeners:
            next_tick += TICK_S
            delay = next_tick - loop.time()
            if delay < -TICK_S:  # fell behind by more than a tick: skip, do not burst
                next_tick = loop.time()
                delay = 0.0
            await asyncio.sleep(max(delay, 0.0))
            for listener in list(self._listeners):
                try:
                    listener()
                except Exception:  # one broken source must not stop the others
                    logger.exception("a real-clock listener failed")
