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

import asyncio
import asyncio.events
import atexit
import contextlib
import ctypes
import faulthandler
import functools
import gc
import heapq
import json
import os
import signal
import sys
import threading
import time
import traceback
import tracemalloc
import types
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

    # LKEMU_FUZZ_MALLOC=1: glibc's bytes in use before and after each request's sync half,
    # summed by kind, which points at a kind whose requests leave memory behind (in C
    # libraries too, where no Python census reaches).
    in_use = _malloc_in_use if os.environ.get("LKEMU_FUZZ_MALLOC") else None

    def timed_dispatch(call: Any, request: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        before = in_use() if in_use else 0
        kind = request.WhichOneof("message") or ""
        try:
            return original_run(call, request)
        finally:
            requests.add(kind, time.perf_counter() - wall, time.thread_time() - cpu)
            if in_use:
                MALLOC_BY_KIND[kind] = MALLOC_BY_KIND.get(kind, 0) + in_use() - before

    dispatch.run = timed_dispatch

    def write() -> None:
        with open(out_path, "w") as out:
            summary = {**record.to_json(), "requests": requests.to_json()}
            # Objects the engine froze out of the garbage collector's passes (server.py).
            summary["gc_frozen"] = gc.get_freeze_count()
            json.dump(summary, out)

    atexit.register(write)
    return record


MALLOC_BY_KIND: dict[str, int] = {}


def _malloc_in_use() -> int:
    with contextlib.suppress(OSError, AttributeError):
        info = _libc().mallinfo2()
        return int(info.uordblks + info.hblkhd)
    return 0


@functools.cache
def _libc() -> Any:
    libc = ctypes.CDLL(None)
    with contextlib.suppress(AttributeError):
        libc.mallinfo2.restype = _MallInfo2
    return libc


def _buffers_held() -> list[tuple[str, float, int]]:
    """Large buffers (NumPy arrays, bytes, bytearrays: objects the garbage collector does not
    track, so the census by type misses them) by the type of what holds them: (holder, MB,
    count), largest first."""
    import collections

    import numpy

    sizes: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    seen: set[int] = set()
    for holder in gc.get_objects():
        for held in gc.get_referents(holder):
            # By type only: a generic getattr would run anything's __getattr__ (ctypes.cdll
            # loads a library of the attribute's name).
            if isinstance(held, (numpy.ndarray, memoryview)):
                size = held.nbytes
            elif isinstance(held, (bytes, bytearray)):
                size = len(held)
            else:
                continue
            if size < 1024 or id(held) in seen:
                continue
            seen.add(id(held))
            where = type(holder).__name__
            if isinstance(holder, types.FrameType):
                where = f"frame {holder.f_code.co_qualname} {holder.f_code.co_filename}"
            if isinstance(holder, dict):  # an instance's __dict__: name its owner's keys
                where = "dict" + str(sorted(k for k in holder if isinstance(k, str))[:4])
            sizes[where] += size
            counts[where] += 1
    return [(w, round(n / 1e6, 1), counts[w]) for w, n in sizes.most_common(15)]


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _allocators() -> dict[str, float]:
    """Who holds the RSS, in MB: glibc's heaps (in use, free but kept, mmapped blocks) from
    mallinfo2, and Python's small-object allocator (arenas, blocks in use) from
    sys._debugmallocstats, which writes to fd 2 (so it is caught through a file)."""
    import re
    import tempfile

    found: dict[str, float] = {}
    with contextlib.suppress(OSError, AttributeError):
        info = _libc().mallinfo2()
        for name in ("arena", "hblkhd", "uordblks", "fordblks"):
            found["glibc_" + name] = getattr(info, name) / 1e6
    with tempfile.TemporaryFile("w+") as caught:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(caught.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        text = caught.read()
    for label, key in (
        (r"# arenas allocated current\s*=\s*([\d,]+)", "pymalloc_arenas"),
        (r"# bytes in allocated blocks\s*=\s*([\d,]+)", "pymalloc_used_mb"),
        (r"# bytes in available blocks\s*=\s*([\d,]+)", "pymalloc_free_blocks_mb"),
        (r"# bytes lost to quantization\s*=\s*([\d,]+)", "pymalloc_quantization_mb"),
    ):
        match = re.search(label, text)
        if match:
            value = float(match.group(1).replace(",", ""))
            found[key] = value if key == "pymalloc_arenas" else value / 1e6
    return found


def _heap_report(path: str) -> None:
    """What the engine's heap holds (SIGUSR2, from tools/fuzz/run.py once every client is
    gone): Python objects by type, and the RSS before and after glibc gives freed memory
    back (malloc_trim), which tells a leak from fragmentation."""
    import collections

    def rss() -> float:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    gc.collect()  # what is left is held, not garbage waiting for a pass
    # Made since the engine froze its start-up objects (server.py): the census by type.
    counts_since_start = collections.Counter(type(o).__name__ for o in gc.get_objects())
    tasks: collections.Counter[str] = collections.Counter()
    with contextlib.suppress(RuntimeError):
        for task in asyncio.all_tasks(asyncio.get_running_loop()):
            coro: Any = task.get_coro()
            frame = getattr(coro, "cr_frame", None)
            while frame is not None and getattr(coro, "cr_await", None) is not None:
                coro = coro.cr_await  # down to what it waits on
                frame = getattr(coro, "cr_frame", None) or frame
            where = f"{frame.f_code.co_qualname}:{frame.f_lineno}" if frame else "?"
            tasks[f"{getattr(task.get_coro(), '__qualname__', '?')} at {where}"] += 1
    holders = _holders(counts_since_start)
    gc.unfreeze()  # the census of buffers must see what was frozen too
    before = rss()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
    report: dict[str, Any] = {
        "rss_mb": before,
        "rss_after_trim_mb": rss(),
        "objects": sum(counts_since_start.values()),
        "top": counts_since_start.most_common(25),
        "tasks": tasks.most_common(20),
        "holders": holders,
        "malloc_by_kind_mb": sorted(
            ((k, round(v / 1e6, 2)) for k, v in MALLOC_BY_KIND.items()), key=lambda x: -x[1]
        )[:12],
    }
    report["buffers"] = _buffers_held()
    report["allocators"] = _allocators()
    report["mappings_mb"] = _mappings()
    if tracemalloc.is_tracing():  # PYTHONTRACEMALLOC=N: what is still allocated, and where
        snapshot = tracemalloc.take_snapshot()
        report["traced_mb"] = tracemalloc.get_traced_memory()[0] / 1e6
        report["allocated_at"] = [
            [f"{stat.size / 1e6:.1f} MB x{stat.count}", stat.traceback.format()[-6:]]
            for stat in snapshot.statistics("traceback")[:12]
        ]
    with open(path, "w") as out:
        json.dump(report, out)


def _holders(counts: Any, kinds: int = 6) -> dict[str, list[tuple[str, int]]]:
    """For the most numerous classes of the engine's own (not builtins) made since its start:
    what refers to their instances, by type, which finds who keeps them alive."""
    import collections

    builtin = {"list", "dict", "tuple", "cell", "function", "set", "frame", "deque", "method"}
    wanted = [name for name, _ in counts.most_common(40) if name not in builtin][:kinds]
    found: dict[str, list[tuple[str, int]]] = {}
    for name in wanted:
        instances = [o for o in gc.get_objects() if type(o).__name__ == name][:200]
        referrers: collections.Counter[str] = collections.Counter()
        for referrer in gc.get_referrers(*instances):
            if referrer is instances or isinstance(referrer, types.FrameType):
                continue
            label = type(referrer).__name__
            if isinstance(referrer, dict):
                label = "dict" + str(sorted(k for k in referrer if isinstance(k, str))[:5])
            referrers[label] += 1
        found[name] = referrers.most_common(6)
    return found


def _mappings() -> list[tuple[str, float, int]]:
    """RSS by kind of mapping (/proc/self/smaps): the heap, anonymous mappings by size class
    (glibc's thread arenas are 64 MB ones, pymalloc's 1 MB), files: (what, MB, count)."""
    import collections

    rss: collections.Counter[str] = collections.Counter()
    count: collections.Counter[str] = collections.Counter()
    what = ""
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                name = fields[5] if len(fields) > 5 else ""
                if not name:
                    size = (end - start) >> 20
                    name = f"anon {'<1' if size < 1 else size} MB"
                elif "/" in name:
                    name = "file " + name.rsplit("/", 1)[-1][:30]
                what = name
                count[what] += 1
            elif fields[0] == "Rss:":
                rss[what] += int(fields[1])
    return [(w, round(kb / 1024, 1), count[w]) for w, kb in rss.most_common(12)]


def _safe_heap_report(path: str) -> None:
    """The report never takes the engine down: a failure is written in its place."""
    try:
        _heap_report(path)
    except Exception as error:
        with open(path, "w") as out:
            json.dump({"error": repr(error)}, out)


def main() -> int:
    out_path, *lkemu_args = sys.argv[1:]
    from lkemu.engine.core.allocator import use_one_malloc_arena

    # As `lkemu serve` does, but before this monitor's sampler thread takes an arena of
    # its own, which the engine's threads would then share.
    use_one_malloc_arena()
    install(out_path)
    # A frozen engine's stacks, on demand: the fuzzer sends SIGUSR1 before it stops one
    # whose clients found it unresponsive (tools/fuzz/run.py).
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    signal.signal(signal.SIGUSR2, lambda *_: _safe_heap_report(out_path + ".heap.json"))
    from lkemu.cli import main as lkemu_main

    return lkemu_main(lkemu_args)


if __name__ == "__main__":
    sys.exit(main())
