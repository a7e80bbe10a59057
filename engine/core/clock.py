"""Time for media: a real clock paced like the native core, or a virtual one.

On the real clock a source plays 10 ms of audio every 10 ms of wall time, as WebRTC pulls
it. On the virtual clock media moves as fast as its consumers take it: no sleeping, and
timestamps count samples, so a run is exact and repeatable whatever the machine's load.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

TICK_S = 0.010
logger = logging.getLogger("lkemu.engine")


class MediaClock:
    def __init__(self, mode: str) -> None:
        if mode not in ("real", "virtual"):
            raise ValueError(f"clock must be 'real' or 'virtual', not {mode!r}")
        self.mode = mode

        self._listeners: list[Callable[[], None]] = []
        self._ticker: asyncio.Task[None] | None = None

    @property
    def virtual(self) -> bool:
        return self.mode == "virtual"

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
