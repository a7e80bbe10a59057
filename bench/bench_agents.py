"""A livekit-agents voice conversation on lkemu: the 30-second, three-turn conversation of
tests/agents/user_suite/test_conversation.py (the user speaks, the agent answers through
fake STT, LLM and TTS), timed on the engine's real clock, its virtual clock and simulated
time; and N such conversations at once on one engine, real clock (N = 1, 5, 10, 20).

Each run is a process of .venv-agents (livekit-agents pins livekit 1.1.21; `make test`
builds it): bench/agents_conversation.py prints wall and CPU seconds, the conversation's
length on its own clock, per-turn latencies, and how many conversations completed with
every check of the test (the user heard every second the agent synthesized, the STT heard
every utterance at 16 kHz, every transcript arrived). Skips where .venv-agents is missing.
There is no native column: native rooms need a LiveKit server, and a native agent runs on
the real clock only (its figure is the conversation's own length).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
AGENTS_PYTHON = ROOT / ".venv-agents" / "bin" / "python"
SCRIPT = ROOT / "bench" / "agents_conversation.py"


def _run(clock: str, sessions: int) -> dict[str, Any]:
    if not (AGENTS_PYTHON.exists() and (ROOT / ".venv-agents" / ".lkemu-installed").exists()):
        pytest.skip(".venv-agents is not built (make test builds it)")
    done = subprocess.run(
        [str(AGENTS_PYTHON), str(SCRIPT), clock, str(sessions)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"no result from {SCRIPT.name}:\n{done.stdout}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


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


@pytest.mark.parametrize("sessions", [1, 5, 10, 20])
def test_concurrent_conversations_real_clock(benchmark, sessions: int) -> None:  # type: ignore[no-untyped-def]
    result: dict[str, Any] = {}

    def once() -> None:
        result.update(_run("real", sessions))

    benchmark.group = "agents: N conversations at once on one engine, real clock"
    benchmark.pedantic(once, rounds=1)
    benchmark.extra_info.update(result)
    print(f"\n{_report(f'{sessions} at once', result)}")
    if result["errors"] or result["failed_checks"]:
        print(f"  errors: {result['errors']}; failed checks (sessions): "
              f"{result['failed_checks']}; first: {result['first_failures']}")  # fmt: skip
