"""Where a livekit-agents conversation's CPU goes, client and engine, on the real clock.

    python bench/agents_profile.py [SESSIONS] [--top N]

Run in .venv-agents. Starts an engine (`lkemu serve`) under cProfile, runs SESSIONS
conversations of bench/agents_conversation.py in this process under cProfile, stops the
engine (SIGTERM: it returns from its loop, so its profile is written) and prints, for each
side, its CPU seconds (/proc) and the profiled self time split by who runs it: livekit-agents,
lkemu.agents (the fakes and the user), the livekit SDK's Python, lkemu's bindings, protobuf,
NumPy/SciPy, asyncio and the interpreter, and the engine's areas (core, rooms, media, dsp).
Both profile CPU time (process_time), the engine only while the conversations run; cProfile
slows Python calls about 1.5-2.5x: the shares, not the seconds, are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# (category, pattern on the function's file path), first match wins.
CATEGORIES: list[tuple[str, str]] = [
    ("lkemu.agents (fakes, user)", r"package_root/agents/"),
    ("bench scenario", r"tests/agents/|bench/agents_"),
    ("lkemu bindings: drop-in", r"bindings/(dropin|versions)"),
    ("lkemu bindings: connection", r"bindings/(connection|backend|ffi_client|fastlane)"),
    ("lkemu bindings: local lane", r"bindings/local_lane"),
    ("lkemu bindings: other", r"/bindings/"),
    ("engine: core", r"engine/core/"),
    ("engine: wire", r"engine/wire/"),
    ("engine: rooms", r"engine/rooms/"),
    ("engine: media", r"engine/media/"),
    ("engine: dsp", r"engine/dsp/"),
    ("engine: local", r"engine/local/"),
    ("engine: other", r"/engine/"),
    ("livekit-agents", r"livekit/agents/|livekit/plugins/"),
    ("livekit SDK (rtc)", r"livekit/rtc/"),
    ("protobuf", r"google/protobuf"),
    ("grpc", r"grpc"),
    ("numpy/scipy", r"numpy|scipy"),
    ("asyncio", r"asyncio/"),
    ("other Python stdlib", r"python3\.\d+/[a-z_]+\.py|python3\.\d+/[a-z]+/"),
]


def _category(filename: str, function: str) -> str:
    for name, pattern in CATEGORIES:
        if re.search(pattern, filename):
            return name
    if filename == "~":
        # builtins: attributed to what calls them in a second pass would be better; kept apart
        if "numpy" in function or "ufunc" in function:
            return "numpy/scipy"
        return "builtins (C)"
    return "other"


def split(profile: pstats.Stats) -> dict[str, float]:
    """Self time per category, seconds. A builtin's (C function's) time goes to the
    categories of the Python functions that called it, in proportion."""
    stats: dict[Any, Any] = profile.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}

    def add(key: str, seconds: float) -> None:
        totals[key] = totals.get(key, 0.0) + seconds

    for (filename, _line, function), (_cc, _nc, self_time, _ct, callers) in stats.items():
        if filename != "~" or not callers:
            add(_category(filename, function), self_time)
            continue
        called = sum(row[2] for row in callers.values()) or 1.0
        for (caller_file, _l, caller_function), row in callers.items():
            share = self_time * row[2] / called
            add(_category(caller_file, caller_function) if caller_file != "~" else "builtins (C)",
                share)  # fmt: skip
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _print_split(title: str, cpu: float, profile: pstats.Stats, top: int) -> None:
    totals = split(profile)
    profiled = sum(totals.values())
    print(f"\n== {title}: {cpu:.2f} s CPU (/proc), {profiled:.2f} s profiled self time")
    for name, seconds in totals.items():
        print(f"  {name:34s} {seconds:7.2f} s  {100 * seconds / profiled:5.1f} %")
    print(f"-- top {top} functions by self time")
    profile.sort_stats("tottime").print_stats(top)


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sessions", type=int, nargs="?", default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", default="", help="also write client.prof and engine.prof here")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lkemu-prof-")  # the engine removes it when it stops
    engine_profile = tempfile.mktemp(prefix="lkemu-engine-", suffix=".prof")
    code = (
        "import cProfile, signal, sys, time; from lkemu.cli import main; out = sys.argv[1]; "
        f"sys.argv = ['lkemu', 'serve', '--address', 'unix:{folder}/engine.sock', "
        f"'--clock', 'real', '--parent-pid', '{os.getpid()}']; "
        "p = cProfile.Profile(time.process_time); "
        "signal.signal(signal.SIGUSR1, lambda *_: p.enable()); "
        "signal.signal(signal.SIGUSR2, lambda *_: (p.disable(), p.dump_stats(out))); "
        "main(sys.argv[1:])"
    )
    command = [sys.executable, "-c", code, engine_profile]
    engine = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None
    deadline = time.monotonic() + 60
    address = ""
    while time.monotonic() < deadline and not address:
        line = engine.stdout.readline()
        found = re.search(r"serving on (\S+)", line)
        address = found.group(1) if found else ""
    os.environ["LKEMU_ADDRESS"] = address
    os.environ["LKEMU_CLOCK"] = "real"
    import lkemu

    lkemu.install()
    sys.path.insert(0, str(HERE))
    import agents_conversation

    scenario = agents_conversation._scenario()
    engine_before = _cpu(engine.pid)
    engine.send_signal(signal.SIGUSR1)  # its profile covers the conversation, not its start
    client = cProfile.Profile(time.process_time)  # CPU, not the loop's idle waits
    cpu = time.process_time()
    client.enable()
    result = asyncio.run(agents_conversation._sessions(scenario, args.sessions))
    client.disable()
    client_cpu = time.process_time() - cpu
    engine_cpu = _cpu(engine.pid) - engine_before
    engine.send_signal(signal.SIGUSR2)
    while not os.path.exists(engine_profile):
        time.sleep(0.1)
    time.sleep(0.5)
    print({k: result[k] for k in ("sessions", "delivered", "complete", "errors")})
    engine.send_signal(signal.SIGTERM)
    engine.wait(30)
    if args.save:
        client.dump_stats(f"{args.save}/client.prof")
        os.replace(engine_profile, f"{args.save}/engine.prof")
        engine_profile = f"{args.save}/engine.prof"
    _print_split("client", client_cpu, pstats.Stats(client), args.top)
    _print_split("engine", engine_cpu, pstats.Stats(engine_profile), args.top)
    if not args.save:
        os.remove(engine_profile)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
