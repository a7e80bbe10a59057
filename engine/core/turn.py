"""The engine's turn: engine code runs on the loop's thread, or on a fast lane's reader
thread while the loop waits for I/O, never on both at once.

Everything in the engine assumes one thread at a time (server.py). A fast-lane connection
served by asyncio pays a loop iteration per request: the selector's wake-up, `_run_once`'s
bookkeeping, the transport's callbacks, before and after the handler. A bare ping-pong
between two processes measured 10.3 us to a blocking server and 15.9 us to an
asyncio.BufferedProtocol one on an idle machine (39 / 54 us under load), and a request holds
the loop for less than that. So a lane's requests may instead be read by a thread of their
own, blocked in recv(), that takes the engine's turn to answer each one.

The turn is a lock the loop thread holds at all times except inside its selector's
`select()` (the selector is wrapped when the turn is installed). A reader thread that wants
it gets it as soon as the loop waits for I/O, and the loop's next step waits until the
reader gives it back: engine state is touched by one thread at a time, as before. While a
reader holds the turn, asyncio sees it as the running loop's thread (handlers ask for the
running loop, create tasks, set futures); whatever it scheduled on the loop wakes the loop
once the turn is given back, as `call_soon_threadsafe` would.

A loop that never waits (ready callbacks without end, as under the virtual clock's fastest
streams) would keep the lock to itself: Python's locks are not fair. So a reader that waits
says so, and the loop, at its next `select()`, lets it go first.

CPython's selector event loop is required (its `_selector`, `_ready`, `_scheduled` and
`_write_to_self`); anything else, or a loop in debug mode (which checks the calling thread),
keeps asyncio serving the lane.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("lkemu.engine")

# How long the loop waits for a reader that said it waits for the turn (it gets the lock
# within microseconds; the bound only keeps the loop going if it never does).
HANDOFF_WAIT_S = 0.05


class EngineTurn:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._waiting: collections.deque[int] = collections.deque()  # readers asking for it
        self._handed = threading.Event()  # set by a reader once it has the turn
        self._selector: Any = None
        self._select: Callable[..., Any] | None = None
        self._ready: collections.deque[Any] | None = None
        self._scheduled: list[Any] | None = None
        self._before: tuple[int, object] = (0, None)
        self.closed = False

    def install(self) -> bool:
        """Start taking turns (on the loop's thread); False if this loop cannot."""
        loop: Any = self.loop
        selector = getattr(loop, "_selector", None)
        ready = getattr(loop, "_ready", None)
        scheduled = getattr(loop, "_scheduled", None)
        if (
            selector is None
            or not isinstance(ready, collections.deque)
            or not isinstance(scheduled, list)
            or not callable(getattr(loop, "_write_to_self", None))
            or loop.get_debug()
        ):
            return False
        self._selector, self._ready, self._scheduled = selector, ready, scheduled
        self._select = selector.select
        self._lock.acquire()  # the loop's thread runs engine code from here on
        selector.select = self._select_outside_turn
        return True

    def uninstall(self) -> None:
        """Stop taking turns (on the loop's thread): waiting readers get the turn and see
        `closed`."""
        if self._select is None:
            return
        self.closed = True
        self._selector.select = self._select
        self._select = None
        self._lock.release()

    def _select_outside_turn(self, timeout: float | None = None) -> Any:
        assert self._select is not None
        select = self._select
        self._lock.release()
        try:
            return select(timeout)
        finally:
            if self._waiting:
                # A reader asked for the turn: it goes first, then the loop's next step.
                # (Cleared, then asked again: a reader that took it in between has popped.)
                self._handed.clear()
                if self._waiting:
                    self._handed.wait(HANDOFF_WAIT_S)
            self._lock.acquire()

    def __enter__(self) -> EngineTurn:
        """Take the turn (on a reader thread); blocks while the loop or another reader
        runs engine code."""
        self._waiting.append(1)
        self._lock.acquire()
        self._waiting.pop()
        self._handed.set()
        asyncio.events._set_running_loop(self.loop)
        self._before = (len(self._scheduled or ()), self._first_timer())
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events._set_running_loop(None)
        if self._loop_has_work():
            self.loop._write_to_self()  # type: ignore[attr-defined]
        self._lock.release()

    def _first_timer(self) -> object:
        return self._scheduled[0] if self._scheduled else None

    def _loop_has_work(self) -> bool:
        """Whether what ran scheduled something the waiting loop must wake up for."""
        if self._ready:
            return True
        return (len(self._scheduled or ()), self._first_timer()) != self._before
