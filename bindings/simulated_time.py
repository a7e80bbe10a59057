"""Simulated time: an asyncio event loop whose clock jumps to its next timer when idle.

With `LKEMU_CLOCK=simulated` (or `pytest --lkemu --lkemu-clock simulated`), the engine runs
in the client's process on the client's own loop (lkemu.bindings.inprocess), and that loop
is a `SimulatedTimeLoop`. Then there is one timeline for everything: the engine's media
clock plays 10 ms of audio per 10 ms of the loop's time, an agent's endpointing delay, a
fake model's scripted latency and a test's `asyncio.wait_for` timeout all wait on it, and
whenever every task is waiting, time jumps straight to the next timer instead of sleeping.

What counts as idle: nothing ready to run, no I/O ready, and no job handed to an executor
still running (a thread's work takes real time that simulated time cannot skip, so the loop
waits for it for real). Nothing else advances the clock: the same program gives the same
timeline, to the float, on any machine and under any load.

The design follows the `looptime` package's idea (a loop whose `time()` is its own and whose
selector never sleeps while timers are due), written as a loop class rather than a patch.
Real I/O still works (sockets are polled without waiting), but a real network peer's delay
is not on the timeline: simulated time is for code that talks to lkemu.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

# Where a new loop's clock starts: a fixed value, so that every run computes the same
# floats (a real monotonic start would differ in the last bits between runs).
EPOCH_S = 1000.0
# How long the loop waits for real for an executor job before looking again.
_EXECUTOR_POLL_S = 0.05


class _IdleSkippingSelector(selectors.DefaultSelector):
    """Polls without waiting; when nothing is ready, moves the loop's clock on by the
    timeout the loop asked for (the time to its next timer) instead of sleeping it."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: SimulatedTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        ready = super().select(0)
        if ready or timeout == 0 or self.loop is None:
            return ready
        if self.loop.executor_jobs:
            # A thread is working for the loop: its result comes through the loop's
            # self-pipe, in real time. Time stands still meanwhile.
            wait = _EXECUTOR_POLL_S if timeout is None else min(timeout, _EXECUTOR_POLL_S)
            return super().select(wait)
        if timeout is None:
            # No timer at all: only another thread can wake the loop. Wait for it.
            return super().select(None)
        self.loop.advance(timeout)
        return []


class SimulatedTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on simulated time (see the module's docstring)."""

    def __init__(self, start: float = EPOCH_S) -> None:
        selector = _IdleSkippingSelector()
        super().__init__(selector)
        selector.loop = self
        self._now = self.start = float(start)
        # The wall clock this loop shows (time.time() in routed modules) starts at the real one.
        self.wall_start = time.time()
        self.executor_jobs = 0
        self.jumps = 0  # how often time moved on because everything waited
        # Called (once each) when the loop closes: the in-process engine retires with it.
        self._on_close: list[Callable[[], None]] = []

    def time(self) -> float:
        return self._now

    def wall_time(self) -> float:
        """The wall clock on this loop's timeline (seconds since the epoch)."""
        return self.wall_start + (self._now - self.start)

    def advance(self, seconds: float) -> None:
        """Move the clock on (never back)."""
        if seconds > 0:
            self._now += seconds
            self.jumps += 1

    def run_in_executor(  # type: ignore[override]
        self, executor: concurrent.futures.Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.executor_jobs += 1
        future.add_done_callback(self._executor_job_done)
        return future

    def _executor_job_done(self, _: asyncio.Future[Any]) -> None:
        self.executor_jobs -= 1

    def call_soon_threadsafe(  # type: ignore[override]
        self, callback: Callable[..., object], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        # From the loop's own thread there is no one to wake: skip the self-pipe write
        # (livekit.rtc delivers every event this way, tens of thousands per conversation).
        if getattr(self, "_thread_id", None) == threading.get_ident():
            return self.call_soon(callback, *args, context=context)
        return super().call_soon_threadsafe(callback, *args, context=context)

    def call_on_close(self, callback: Callable[[], None]) -> None:
        self._on_close.append(callback)

    def close(self) -> None:
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback()
        super().close()


class SimulatedTimePolicy(asyncio.DefaultEventLoopPolicy):
    """Every new event loop (asyncio.run, asyncio.Runner, pytest-asyncio's) runs on
    simulated time."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        route_clocks()  # what was imported since the last loop
        return SimulatedTimeLoop()


def is_simulated(loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """Whether `loop` (default: the running one) runs on simulated time."""
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
    return isinstance(loop, SimulatedTimeLoop)


def use_simulated_time() -> None:
    """Make every event loop made from now on run on simulated time."""
    if not isinstance(asyncio.get_event_loop_policy(), SimulatedTimePolicy):
        asyncio.set_event_loop_policy(SimulatedTimePolicy())


# --- the clocks of livekit's own code --------------------------------------------------------
#
# livekit-agents measures and waits on `time.time()`, `time.monotonic()` and
# `time.perf_counter()` as well as on its loop: its endpointing delays and its latency
# metrics (end of utterance, transcription delay, time to first token) compare those clocks.
# Under simulated time, the modules of `livekit.*` (and the engine's, whose timestamps then
# fall on the timeline too) see clocks that read the timeline of the
# loop running in the calling thread (the real clocks elsewhere): the module `time` they
# imported is swapped for a view of it, and functions imported from `time` for their
# simulated twins. Other code keeps the real clocks.

ROUTED_PREFIXES = ("livekit.", "lkemu.engine.")


def _simulated_loop() -> SimulatedTimeLoop | None:
    loop = asyncio._get_running_loop()
    return loop if isinstance(loop, SimulatedTimeLoop) else None


def _sim_time() -> float:
    loop = _simulated_loop()
    return loop.wall_time() if loop is not None else time.time()


def _sim_time_ns() -> int:
    loop = _simulated_loop()
    return int(loop.wall_time() * 1e9) if loop is not None else time.time_ns()


def _sim_monotonic() -> float:
    loop = _simulated_loop()
    return loop.time() if loop is not None else time.monotonic()


def _sim_monotonic_ns() -> int:
    loop = _simulated_loop()
    return int(loop.time() * 1e9) if loop is not None else time.monotonic_ns()


def _sim_perf_counter() -> float:
    loop = _simulated_loop()
    return loop.time() if loop is not None else time.perf_counter()


def _sim_perf_counter_ns() -> int:
    loop = _simulated_loop()
    return int(loop.time() * 1e9) if loop is not None else time.perf_counter_ns()


_TWINS: dict[Any, Callable[[], Any]] = {
    time.time: _sim_time,
    time.time_ns: _sim_time_ns,
    time.monotonic: _sim_monotonic,
    time.monotonic_ns: _sim_monotonic_ns,
    time.perf_counter: _sim_perf_counter,
    time.perf_counter_ns: _sim_perf_counter_ns,
}


class _SimulatedTimeModule(types.ModuleType):
    """The `time` module, with its clocks on simulated time (everything else as is)."""

    time = staticmethod(_sim_time)
    time_ns = staticmethod(_sim_time_ns)
    monotonic = staticmethod(_sim_monotonic)
    monotonic_ns = staticmethod(_sim_monotonic_ns)
    perf_counter = staticmethod(_sim_perf_counter)
    perf_counter_ns = staticmethod(_sim_perf_counter_ns)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


_TWINS_BY_ID = {id(real): twin for real, twin in _TWINS.items()}
SIMULATED_TIME_MODULE = _SimulatedTimeModule("time")
_routed: set[str] = set()


def route_clocks(prefixes: Iterable[str] = ROUTED_PREFIXES) -> int:
    """Give the loaded modules under `prefixes` the simulated clocks; how many changed.
    Modules seen before are skipped: call it again after importing more."""
    prefixes = tuple(prefixes)
    changed = 0
    for name, module in list(sys.modules.items()):
        if name in _routed or not name.startswith(prefixes) or module is None:
            continue
        _routed.add(name)
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attribute, value in list(namespace.items()):
            if value is time:
                namespace[attribute] = SIMULATED_TIME_MODULE
                changed += 1
            elif callable(value) and id(value) in _TWINS_BY_ID:
                namespace[attribute] = _TWINS_BY_ID[id(value)]
                changed += 1
    return changed
