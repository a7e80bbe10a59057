"""A livekit-agents voice conversation on lkemu: the 30-second, three-turn conversation of
tests/agents/user_suite/test_conversation.py (the user speaks, the agent answers through
fake STT, LLM and TTS), timed on the engine's real clock, its virtual clock and simulated
time; and N such conversations at once on one engine, real clock (N = 1, 5, 10, 20), each
in a job process of its own as a livekit-agents worker runs jobs, with every frame of
speech counted both ways (starting in lockstep), and the largest N whose every frame
arrived in time with the jobs' starts spread over one turn.

Each run is a process of .venv-agents (livekit-agents pins livekit 1.1.21; `make test`
builds it): bench/agents_conversation.py prints wall and CPU seconds, the conversation's
length on its own clock, per-turn latencies, and how many conversations completed with
every check of the test (the user heard every second the agent synthesized, the STT heard
every utterance at 16 kHz, every transcript arrived); bench/agents_fleet.py runs N of them
in job processes against one engine. Skips where .venv-agents is missing. There is no
native column: native rooms need a LiveKit server, and a native agent runs on the real
clock only (its figure is the conversation's own length).

Frames counted (bench/agents_fleet.py): the user's speech into the agent's STT stream, in
10 ms blocks above the fakes' speech threshold, against those the user said (750 a
conversation), and the agent's TTS audio at the user, in 10 ms frames by energy, against
those synthesized (about 1,270). One engine serves all: it runs on one thread, so its own
ceiling is one core, whatever the machine has.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
AGENTS_PYTHON = ROOT / ".venv-agents" / "bin" / "python"
SCRIPT = ROOT / "bench" / "agents_conversation.py"
FLEET = ROOT / "bench" / "agents_fleet.py"
# LKEMU_BENCH_AGENT_SIZES=1,2,4 measures other sizes (a machine with more cores: its rows
# are then named by those sizes, and the README's table does not have them).
SIZES = tuple(int(n) for n in os.environ.get("LKEMU_BENCH_AGENT_SIZES", "1,5,10,20").split(","))
MORE_SIZES = 3  # runs between the sizes above to find the largest N that delivers all
# The sizes above start in lockstep (every user speaks, every agent answers, at the same
# moments: CPU bursts add up). The search for the largest N spreads the starts over one
# turn of the conversation instead, as jobs arrive in a deployment: at load 6-7, 12 in
# lockstep all failed their punctual checks, 12 spread over 9 s all passed.
STAGGER_S = 9.0

SIZES_TEXT = " / ".join(str(n) for n in SIZES)
# 10 ms frames of speech a conversation: the user's 7.5 s into the STT, the agent's 12.72 s
# of TTS audio at the user (the scenario's fixed texts); a run that counts others says so.
DUE_A_CONVERSATION = 750 + 1272
DUE_TEXT = f"{DUE_A_CONVERSATION:,}"
FRAMES_ROW = (
    f"livekit-agents: N conversations at once on one engine, a job process each, real clock, "
    f"N = {SIZES_TEXT}: frames of speech not delivered, of the {DUE_TEXT} due a conversation"
)
COMPLETE_ROW = "same N conversations: share that passed every check, punctuality too"
WALL_ROW = "same N conversations: wall time (the conversation itself is 29 s)"
JOB_CPU_ROW = "same N conversations: CPU seconds per job process (mean)"
ENGINE_CPU_ROW = "same N conversations: engine CPU seconds (one thread: one core at most)"
CORES_ROW = "same N conversations: cores kept busy (CPU of all processes over wall time)"
LARGEST_ROW = (
    "livekit-agents: the largest N whose every frame of speech arrived in time (every check "
    f"passed), real clock, job starts spread over {STAGGER_S:g} s"
)
FLEET_ROWS = [FRAMES_ROW, COMPLETE_ROW, WALL_ROW, JOB_CPU_ROW, ENGINE_CPU_ROW, CORES_ROW]
README_ROWS = [*FLEET_ROWS, LARGEST_ROW]
NO_SERVER = "needs a LiveKit server"

# (N, stagger seconds) -> agents_fleet.py's result, this session
_FLEET_RUNS: dict[tuple[int, float], dict[str, Any]] = {}


def _agents_python() -> str:
    if not (AGENTS_PYTHON.exists() and (ROOT / ".venv-agents" / ".lkemu-installed").exists()):
        pytest.skip(".venv-agents is not built (make test builds it)")
    return str(AGENTS_PYTHON)


def _json_result(script: Path, *args: str, timeout: float = 600) -> dict[str, Any]:
    done = subprocess.run(
        [_agents_python(), str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"no result from {script.name}:\n{done.stdout}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _run(clock: str, sessions: int) -> dict[str, Any]:
    return _json_result(SCRIPT, clock, str(sessions))


def _fleet(sessions: int, stagger: float = 0.0) -> dict[str, Any]:
    if (sessions, stagger) not in _FLEET_RUNS:
        # 20 job processes import livekit-agents before they start (~1 min on 2 cores)
        result = _json_result(FLEET, str(sessions), "--stagger", str(stagger), timeout=900)
        _FLEET_RUNS[sessions, stagger] = result
    return _FLEET_RUNS[sessions, stagger]


def _report(title: str, result: dict[str, Any]) -> str:
    engine = result.get("engine_cpu_s")
    cpu = f"CPU {result['client_cpu_s']:.2f} s client" + (
        f" + {engine:.2f} s engine" if engine is not None else " (engine in-process)"
    )
    return (
        f"{title}: {result['conversation_s']:.1f} s conversation in {result['wall_s']:.2f} s "
        f"wall, {cpu}; every frame and word delivered in {result['delivered']} of "
        f"{result['sessions']}, all checks (punctuality too) in {result['complete']}"
    )


@pytest.mark.parametrize("clock", ["simulated", "virtual", "real"])
def test_conversation(benchmark, clock: str) -> None:  # type: ignore[no-untyped-def]
    result: dict[str, Any] = {}

    def once() -> None:
        result.update(_run(clock, 1))

    benchmark.group = "agents: a 30-second three-turn conversation, wall seconds"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(result)
    print(f"\n{_report(f'{clock} clock', result)}")
    if result.get("turns"):
        for index, turn in enumerate(result["turns"]):
            print(
                f"  turn {index}: response {turn['response']:.3f} s, "
                f"transcript {turn['transcript']:.4f} s"
            )
    if result["errors"] or result["failed_checks"]:
        print(f"  errors: {result['errors']}; failed checks (sessions): "
              f"{result['failed_checks']}; first: {result['first_failures']}")  # fmt: skip


def _fleet_report(result: dict[str, Any]) -> str:
    paths = "; ".join(f"{path} {got} of {due}" for path, (got, due) in result["frames"].items())
    return (
        f"{result['sessions']} conversations in {result['processes']} job processes"
        + (f", starts spread over {result['stagger_s']:g} s" if result.get("stagger_s") else "")
        + f": frames "
        f"{result['frames_delivered']} of {result['frames_due']} ({paths}); complete "
        f"{result['complete']}; wall {result['wall_s']:.1f} s; CPU per job process "
        f"{result['job_cpu_mean_s']:.2f} s (max {max(result['job_cpu_s'], default=0):.2f}; "
        f"import {result['startup_cpu_mean_s']:.2f} s before), engine "
        f"{result['engine_cpu_s']:.2f} s ({result['engine_core_share']:.2f} of its one core); "
        f"{result['cores_used']:.2f} of "
        f"{result['cores']} cores busy; load {result['load_average']}"
    )


@pytest.mark.parametrize("sessions", SIZES)
def test_conversations_in_job_processes_real_clock(benchmark, bench_report, sessions: int) -> None:  # type: ignore[no-untyped-def]
    result: dict[str, Any] = {}

    def once() -> None:
        result.update(_fleet(sessions))

    benchmark.group = "agents: N conversations at once on one engine, a job process each"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(result)
    print(f"\n{_fleet_report(result)}")
    if result["errors"] or result["failed_checks"]:
        print(f"  errors: {result['errors']}; failed checks (sessions): "
              f"{result['failed_checks']}; job logs in {result.get('logs')}")  # fmt: skip
    part = SIZES.index(sessions)
    due = result["frames_due"]
    if due != DUE_A_CONVERSATION * sessions:
        print(f"  (the row says {DUE_TEXT} due a conversation: this run counted {due} in all)")
    bench_report(FRAMES_ROW, "lkemu", due - result["frames_delivered"], part=part)
    complete = 100.0 * result["complete"] / sessions
    bench_report(COMPLETE_ROW, "lkemu", complete, unit="%", part=part, better="higher")
    bench_report(WALL_ROW, "lkemu", result["wall_s"], unit="s", part=part)
    bench_report(JOB_CPU_ROW, "lkemu", result["job_cpu_mean_s"], unit="s", part=part)
    bench_report(ENGINE_CPU_ROW, "lkemu", result["engine_cpu_s"], unit="s", part=part)
    bench_report(CORES_ROW, "lkemu", result["cores_used"], unit=f"of {result['cores']}",
                 part=part)  # fmt: skip
    for row in FLEET_ROWS:
        bench_report.note(row, "native", NO_SERVER)


def test_largest_n_with_every_frame_real_clock(benchmark, bench_report) -> None:  # type: ignore[no-untyped-def]
    """Halves the gap between the largest size that delivered every frame in time in lockstep
    (spreading the starts can only help it) and the smallest above it that did not (taken to
    fail spread too: on 2 cores, 20 need 3 cores' CPU), with starts spread over STAGGER_S
    (at most MORE_SIZES runs)."""
    benchmark.group = "agents: the largest N that delivers in time"
    benchmark.pedantic(lambda: [_fleet(sessions) for sessions in SIZES], rounds=1)
    lockstep = {
        n: r["every_frame_in_time"] for (n, stagger), r in _FLEET_RUNS.items() if not stagger
    }
    low = max((n for n, good in lockstep.items() if good), default=0)
    high = min((n for n, good in lockstep.items() if not good and n > low), default=0)
    tried: list[str] = []
    for _ in range(MORE_SIZES):
        if not high or high - low <= 1:
            break
        middle = (low + high) // 2
        result = _fleet(middle, STAGGER_S)
        print(f"\n{_fleet_report(result)}")
        good = result["every_frame_in_time"]
        tried.append(f"{middle}: {'yes' if good else 'no'}")
        low, high = (middle, high) if good else (low, middle)
    exact = not high or high - low <= 1
    print(f"\nlargest N with every frame in time: {low}" + ("" if exact else f" (below {high})"))
    # (as text: the table writes small figures with two decimals, and N is a count)
    runs = "; ".join(tried) or "no run spread"
    bench_report.note(
        LARGEST_ROW, "lkemu", f"N = {low}{'' if exact else f' (below {high})'} ({runs})"
    )
    bench_report.note(LARGEST_ROW, "native", NO_SERVER)
