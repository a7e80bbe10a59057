"""The 30-second voice agent conversation of tests/agents/user_suite/test_conversation.py,
timed: run by bench_agents.py in .venv-agents (livekit-agents pins livekit 1.1.21).

    python bench/agents_conversation.py CLOCK [SESSIONS]
    python bench/agents_conversation.py job SESSIONS   (a job process: bench/agents_fleet.py)

CLOCK is real, virtual or simulated. SESSIONS conversations run at once in this process, on
one engine (an embedded engine process on the real and virtual clocks; on simulated time the
engine is in this process). Prints one JSON line: wall and CPU seconds (this process, and the
engine process where there is one), the conversation's length on its own clock, the
per-turn latencies of the first session, whether every session heard and said all it
should (the test's own checks), and the 10 ms frames of speech delivered of those due on
each audio path, over all sessions.

As a job process, it runs on the engine LKEMU_ADDRESS names (real clock): it prints a
`ready` line once livekit-agents is imported, and starts its conversations when a line
arrives on its standard input, as a worker's prewarmed job process starts its job.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "tests" / "agents" / "user_suite" / "test_conversation.py"


def _scenario() -> Any:
    spec = importlib.util.spec_from_file_location("conversation_scenario", SCENARIO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _sessions(scenario: Any, count: int) -> dict[str, Any]:
    results = await asyncio.gather(
        *(scenario.converse(scenario.SCRIPT) for _ in range(count)), return_exceptions=True
    )
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    done = [r for r in results if not isinstance(r, BaseException)]
    failed_checks: dict[str, int] = {}
    for conversation in done:
        for name in conversation.failed():
            failed_checks[name] = failed_checks.get(name, 0) + 1
    # What was delivered (every frame's energy, every word) apart from how punctually (the
    # utterance lengths the STT measured and the voiced 10 ms blocks move when a starved
    # real-time client captures or plays late, though nothing is lost).
    timing = {"utterance lengths", "heard every second"}
    delivered = sum(1 for c in done if not set(c.failed()) - timing)
    frames: dict[str, list[float]] = {}  # path -> [delivered, due, lowest energy ratio]
    for conversation in done:
        for path, (got, due, ratio) in conversation.frames.items():
            total = frames.setdefault(path, [0, 0, ratio])
            total[0] += got
            total[1] += due
            total[2] = min(total[2], ratio)
    first = done[0] if done else None
    loop = asyncio.get_running_loop()
    return {
        "sessions": count,
        "complete": sum(1 for c in done if not c.failed()),
        "delivered": delivered,
        "finished": len(done),
        "frames": frames,
        "errors": errors[:3],
        "failed_checks": failed_checks,
        "first_failures": {k: repr(v) for k, v in (first.failed() if first else {}).items()},
        "idle_jumps": getattr(loop, "jumps", None),
        "conversation_s": round(first.duration, 3) if first else 0.0,
        "turns": [
            {"response": t.response, "transcript": t.transcript, "llm_ttft": t.llm_ttft,
             "tts_ttfb": t.tts_ttfb}
            for t in (first.latencies if first else [])
        ],
    }  # fmt: skip


def job(sessions: int) -> int:
    """One job process of bench/agents_fleet.py: ready, then its conversations on `go`."""
    import lkemu

    lkemu.install()
    scenario = _scenario()
    print(json.dumps({"ready": True, "startup_cpu_s": round(time.process_time(), 3)}), flush=True)
    sys.stdin.readline()
    wall, cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(_sessions(scenario, sessions))
    result["wall_s"] = round(time.perf_counter() - wall, 3)
    result["client_cpu_s"] = round(time.process_time() - cpu, 3)
    result["clock"] = "real"
    print(json.dumps(result), flush=True)
    return 0


def main() -> int:
    if sys.argv[1] == "job":
        return job(int(sys.argv[2]))
    clock = sys.argv[1]
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.environ["LKEMU_CLOCK"] = clock
    engine = None
    if clock == "simulated":
        from lkemu.bindings.simulated_time import use_simulated_time

        use_simulated_time()
    else:
        from lkemu.bindings.embedded import EmbeddedEngine

        engine = EmbeddedEngine.start(clock=clock)
        os.environ.update(engine.environment())
    import lkemu

    lkemu.install()
    from bench.engine_usage import engine_cpu_seconds

    scenario = _scenario()  # imports livekit.agents: not part of the conversation's time
    engine_cpu_before = engine_cpu_seconds(engine.process.pid) if engine else 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(_sessions(scenario, sessions))
    result["wall_s"] = round(time.perf_counter() - wall, 3)
    result["client_cpu_s"] = round(time.process_time() - cpu, 3)
    if engine is not None:
        engine_cpu = engine_cpu_seconds(engine.process.pid) - engine_cpu_before
        result["engine_cpu_s"] = round(engine_cpu, 3)
    result["clock"] = clock
    print(json.dumps(result))
    if engine is not None:
        engine.stop()
    return 0 if result["complete"] == sessions else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
