"""An engine whose event loop reports its long steps: `python -m tools.fuzz.loop_monitor
OUT.json serve --address ...` runs `lkemu serve ...` with every loop callback timed.

The engine serves every client from one asyncio loop, so one step of that loop that runs for
X ms delays every other client's request by X ms. Each step is timed in wall time and in
the CPU time of the loop's thread: on a loaded machine the wall time also counts the time
the process was not scheduled, the CPU time only the engine's own work. At exit (SIGTERM
stops `lkemu serve` cleanly) OUT.json gets the longest steps and a count of those over
50 ms. The engine itself is untouched: this wraps asyncio's Handle._run for this process.
"""

from __future__ import annotations

import asyncio.events
import atexit
import contextlib
import faulthandler
import gc
import heapq
import json
import signal
import sys
import threading
import time
import traceback
from typing import Any

STEP_BOUND_S = 0.050
KEEP = 12


class LoopSteps:
    def __init__(self) -> None:
        self.steps = 0
        self.over_bound_cpu = 0
        self.over_bound_wall = 0
        self.max_cpu_s = 0.0
        self.max_wall_s = 0.0
        self.longest: list[tuple[float, float, str]] = []  # (cpu, wall, what), a min-heap

    def add(self, wall: float, cpu: float, handle: Any, frame: Any = None, stack: str = "") -> None:
        self.steps += 1
        if wall > self.max_wall_s:
            self.max_wall_s = wall
        if cpu > self.max_cpu_s:
            self.max_cpu_s = cpu
        if wall > STEP_BOUND_S:
            self.over_bound_wall += 1
        if cpu > STEP_BOUND_S:
            self.over_bound_cpu += 1
        if cpu > 0.005 and (len(self.longest) < KEEP or cpu > self.longest[0][0]):
            entry = (cpu, wall, _describe(handle, frame) + (f"\n{stack}" if stack else ""))
            if len(self.longest) < KEEP:
                heapq.heappush(self.longest, entry)
            else:
                heapq.heapreplace(self.longest, entry)

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "max_cpu_s": self.max_cpu_s,
            "max_wall_s": self.max_wall_s,
            "over_50ms_cpu": self.over_bound_cpu,
            "over_50ms_wall": self.over_bound_wall,
            "longest": [
                {"cpu_s": c, "wall_s": w, "step": what}
                for c, w, what in sorted(self.longest, reverse=True)
            ],
        }


def _describe(handle: Any, frame: Any = None) -> str:
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coroutine = task.get_coro()
        code = getattr(coroutine, "cr_code", None)
        frame = frame or getattr(coroutine, "cr_frame", None)
        where = f"{code.co_filename}:{frame.f_lineno}" if code and frame else ""
        owner = frame.f_locals.get("self") if frame is not None else None
        kind = getattr(owner, "name", "")  # a Call's request kind
        what = f"task {getattr(code, 'co_qualname', coroutine)!s}"
        return f"{what} ({kind}) {where}"[:200] if kind else f"{what} {where}"[:200]
    return repr(callback)[:200]


class Requests:
    """The synchronous half of each request kind (dispatch.run), timed the same way."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[float]] = {}  # kind -> [count, max cpu, max wall]

    def add(self, kind: str, wall: float, cpu: float) -> None:
        entry = self.by_kind.setdefault(kind, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] = max(entry[1], cpu)
        entry[2] = max(entry[2], wall)

    def to_json(self) -> dict[str, Any]:
        slowest = sorted(self.by_kind.items(), key=lambda item: -item[1][1])[:KEEP]
        return {
            kind: {"count": int(c), "max_cpu_s": m, "max_wall_s": w} for kind, (c, m, w) in slowest
        }


class StallSampler(threading.Thread):
    """Where a long step spends its time: once a step has run for 30 ms, the loop thread's
    stack is taken (once per step), and kept with the step if it turns out long."""

    def __init__(self) -> None:
        super().__init__(name="loop-stall-sampler", daemon=True)
        self.loop_thread = threading.get_ident()
        self.step = 0
        self.started: float | None = None
        self.stacks: dict[int, str] = {}

    def run(self) -> None:
        sampled = -1
        while True:
            time.sleep(0.01)
            started, step = self.started, self.step
            if started is None or step == sampled or time.perf_counter() - started < 0.03:
                continue
            frame = sys._current_frames().get(self.loop_thread)
            if frame is not None:
                self.stacks[step] = "".join(traceback.format_stack(frame)[-8:])[-1500:]
                sampled = step


def install(out_path: str) -> LoopSteps:
    record = LoopSteps()
    original = asyncio.events.Handle._run
    sampler = StallSampler()
    sampler.start()

    def timed_run(self: asyncio.events.Handle) -> None:
        # The monitor never fails the engine: whatever it cannot read, it leaves out.
        frame = None
        try:  # a task's frame, taken now: once its coroutine ends, the task has none
            task = getattr(getattr(self, "_callback", None), "__self__", None)
            if isinstance(task, asyncio.Task):
                frame = getattr(task.get_coro(), "cr_frame", None)
        except Exception:
            frame = None
        sampler.step += 1
        wall, cpu = time.perf_counter(), time.thread_time()
        sampler.started = wall
        try:
            original(self)
        finally:
            sampler.started = None
            try:
                stack = sampler.stacks.pop(sampler.step, "") if sampler.stacks else ""
                record.add(time.perf_counter() - wall, time.thread_time() - cpu, self, frame, stack)
            except Exception:
                pass

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

    from lkemu.engine.core import dispatch

    requests = Requests()
    original_run = dispatch.run

    def timed_dispatch(call: Any, request: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return original_run(call, request)
        finally:
            requests.add(
                request.WhichOneof("message") or "",
                time.perf_counter() - wall,
                time.thread_time() - cpu,
            )

    dispatch.run = timed_dispatch

    def write() -> None:
        with open(out_path, "w") as out:
            summary = {**record.to_json(), "requests": requests.to_json()}
            # Objects the engine froze out of the garbage collector's passes (server.py).
            summary["gc_frozen"] = gc.get_freeze_count()
            json.dump(summary, out)

    atexit.register(write)
    return record


def _heap_report(path: str) -> None:
    """What the engine's heap holds (SIGUSR2, from tools/fuzz/run.py once every client is
    gone): Python objects by type, and the RSS before and after glibc gives freed memory
    back (malloc_trim), which tells a leak from fragmentation."""
    import collections
    import ctypes

    def rss() -> float:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    gc.collect()
    before = rss()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    with open(path, "w") as out:
        json.dump(
            {
                "rss_mb": before,
                "rss_after_trim_mb": rss(),
                "objects": len(gc.get_objects()),
                "top": counts.most_common(25),
            },
            out,
        )


def main() -> int:
    out_path, *lkemu_args = sys.argv[1:]
    install(out_path)
    # A frozen engine's stacks, on demand: the fuzzer sends SIGUSR1 before it stops one
    # whose clients found it unresponsive (tools/fuzz/run.py).
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    signal.signal(signal.SIGUSR2, lambda *_: _heap_report(out_path + ".heap.json"))
    from lkemu.cli import main as lkemu_main

    return lkemu_main(lkemu_args)


if __name__ == "__main__":
    sys.exit(main())
