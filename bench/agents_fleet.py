"""N voice-agent conversations at once on one engine, real clock, spread over job processes
as livekit-agents runs jobs: run by bench_agents.py in .venv-agents.

    python bench/agents_fleet.py SESSIONS [--per-process K] [--stagger SECONDS]

A livekit-agents worker runs each job in a process of its pool (one job a process, the
processes started ahead of the jobs: `num_idle_processes`). Here: one engine (an embedded
engine process, real clock) and ceil(SESSIONS / K) job processes of
bench/agents_conversation.py (K conversations each, 1 by default), each conversation an
agent and its own user participant in a room of its own. The processes import
livekit-agents first and say they are ready; then all start at once (in lockstep: every
user speaks, and every agent answers, at the same moments, the worst case for CPU bursts),
or with --stagger, their starts spread evenly over that many seconds, as jobs arrive at
random in a deployment. Prints one JSON line:
frames of speech delivered of those due on both audio paths (the user's into the agent's
STT stream, the agent's TTS audio at the user), conversations that passed every check of
the scenario (punctuality included: a starved real clock delivers late, and the conversation
takes longer than its 29 s, rather than dropping frames), wall time from the
start to the last conversation's end, CPU seconds of each job process and of the engine in
that time, and the CPU that asked for against the cores the machine has.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JOB = HERE / "agents_conversation.py"
READY_TIMEOUT_S = 300.0  # 20 processes importing livekit-agents on 2 busy cores: about 60 s


def _read_json(process: subprocess.Popen[str]) -> dict[str, Any]:
    """The next JSON line the process prints (others are its logs), or its exit."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            found: dict[str, Any] = json.loads(line)
            return found
    return {"exited": process.wait()}


def run(sessions: int, per_process: int, stagger: float = 0.0) -> dict[str, Any]:
    from lkemu.bindings.embedded import EmbeddedEngine

    sys.path.insert(0, str(HERE.parent))
    from bench.engine_usage import engine_cpu_seconds

    engine = EmbeddedEngine.start(clock="real")
    logs = tempfile.mkdtemp(prefix="lkemu-fleet-")  # each job process's stderr
    environment = {**os.environ, **engine.environment(), "LKEMU_CLOCK": "real"}
    counts = [per_process] * (sessions // per_process)
    if sessions % per_process:
        counts.append(sessions % per_process)
    jobs = [
        subprocess.Popen(
            [sys.executable, str(JOB), "job", str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(f"{logs}/job-{index}.log", "w"),  # noqa: SIM115 (the child's)
            text=True,
            env=environment,
            cwd=HERE.parent,
        )
        for index, count in enumerate(counts)
    ]
    try:
        started = time.perf_counter()
        ready = [_read_json(job) for job in jobs]
        if not all(r.get("ready") for r in ready):
            raise RuntimeError(f"a job process did not start: {ready}")
        startup_s = time.perf_counter() - started
        engine_before = engine_cpu_seconds(engine.process.pid)
        began = time.perf_counter()
        for index, job in enumerate(jobs):
            time.sleep(max(0.0, began + index * stagger / len(jobs) - time.perf_counter()))
            assert job.stdin is not None
            job.stdin.write("go\n")
            job.stdin.flush()
        results = [_read_json(job) for job in jobs]
        wall = time.perf_counter() - began
        engine_cpu = engine_cpu_seconds(engine.process.pid) - engine_before
        for job in jobs:
            job.wait(60)
    finally:
        for job in jobs:
            if job.poll() is None:
                job.kill()
        engine.stop()
    summary = _summary(sessions, counts, ready, results, wall, engine_cpu, startup_s)
    summary["stagger_s"] = stagger
    if summary["every_frame_in_time"]:
        shutil.rmtree(logs, ignore_errors=True)  # kept to read only when something failed
    else:
        summary["logs"] = logs
    return summary


def _summary(
    sessions: int,
    counts: list[int],
    ready: list[dict[str, Any]],
    results: list[dict[str, Any]],
    wall: float,
    engine_cpu: float,
    startup_s: float,
) -> dict[str, Any]:
    frames: dict[str, list[int]] = {}
    errors: list[str] = []
    failed: dict[str, int] = {}
    for result in results:
        errors += result.get("errors", [])
        if "exited" in result:
            errors.append(f"a job process exited with {result['exited']} before its result")
        for path, (got, due, _ratio) in result.get("frames", {}).items():
            total = frames.setdefault(path, [0, 0])
            total[0] += got
            total[1] += due
        for name, count in result.get("failed_checks", {}).items():
            failed[name] = failed.get(name, 0) + count
    # A conversation that raised (or whose process died) reports no frames, though its were
    # due all the same: it counts as due the others' mean, none of it delivered.
    finished = sum(int(r.get("finished", 0)) for r in results)
    for total in frames.values():
        if finished and finished < sessions:
            total[1] = round(total[1] * sessions / finished)
    delivered = sum(t[0] for t in frames.values())
    due = sum(t[1] for t in frames.values())
    complete = sum(int(r.get("complete", 0)) for r in results)
    job_cpu = [float(r.get("client_cpu_s", 0.0)) for r in results]
    cpu_used = sum(job_cpu) + engine_cpu
    cores = os.cpu_count() or 1
    return {
        "sessions": sessions,
        "processes": len(counts),
        "per_process": max(counts),
        "frames": frames,
        "frames_delivered": delivered,
        "frames_due": due,
        "every_frame": bool(due) and delivered == due and not errors,
        "complete": complete,
        # Delivered, and in time: every conversation passed all its checks, the punctual
        # ones too (the STT measured each utterance to its 50 ms input frame, the user heard
        # every synthesized second to 20 ms). Starved of CPU, the real clock loses nothing
        # but plays late: speech captured late splits, a 30 s conversation takes 50.
        "every_frame_in_time": bool(due)
        and delivered == due
        and not errors
        and complete == sessions,
        "errors": errors[:3],
        "failed_checks": failed,
        "wall_s": round(wall, 3),
        "conversation_s": max((float(r.get("conversation_s", 0.0)) for r in results), default=0.0),
        "job_cpu_s": [round(c, 3) for c in job_cpu],
        "job_cpu_mean_s": round(sum(job_cpu) / len(job_cpu), 3) if job_cpu else 0.0,
        "startup_cpu_mean_s": round(
            sum(float(r.get("startup_cpu_s", 0.0)) for r in ready) / max(1, len(ready)), 3
        ),
        "startup_wall_s": round(startup_s, 3),
        "engine_cpu_s": round(engine_cpu, 3),
        "cpu_s": round(cpu_used, 3),
        # The cores the run kept busy (CPU over wall time) against those the machine has.
        "cores_used": round(cpu_used / wall, 2) if wall else 0.0,
        "cores": cores,
        # The engine runs on one thread: its own ceiling is one core.
        "engine_core_share": round(engine_cpu / wall, 2) if wall else 0.0,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    sessions = int(sys.argv[1])
    per_process = 1
    if "--per-process" in sys.argv:
        per_process = int(sys.argv[sys.argv.index("--per-process") + 1])
    stagger = 0.0
    if "--stagger" in sys.argv:
        stagger = float(sys.argv[sys.argv.index("--stagger") + 1])
    result = run(sessions, per_process, stagger)
    print(json.dumps(result))
    return 0 if result["every_frame_in_time"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
