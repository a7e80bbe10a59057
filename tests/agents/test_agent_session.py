"""A livekit-agents AgentSession on lkemu, end to end: the agent hears the user, answers, and
the user gets the answer on `lk.transcription` with the agent's audio.

livekit-agents 1.8.9 pins livekit 1.1.21 and this venv has 1.2.1, so the scenario
(tests/agents/scenario_transcription.py) runs in a venv of its own, .venv-agents, that
`make test` builds from the `agents` extra. Without it the test skips and says why.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENTS_VENV = ROOT / ".venv-agents"
AGENTS_PYTHON = AGENTS_VENV / "bin" / "python"
BUILT = AGENTS_VENV / ".lkemu-installed"  # the Makefile's stamp
UNAVAILABLE = AGENTS_VENV / ".lkemu-unavailable"  # why the Makefile could not build it
SCENARIO = Path(__file__).with_name("scenario_transcription.py")
NOT_IMPLEMENTED = "is not implemented in lkemu"


def _agents_python() -> Path:
    if UNAVAILABLE.exists():
        pytest.skip(f"livekit-agents venv unavailable: {UNAVAILABLE.read_text().strip()}")
    if not (AGENTS_PYTHON.exists() and BUILT.exists()):
        pytest.skip("livekit-agents venv not built: run make test")
    return AGENTS_PYTHON


def _environment() -> dict[str, str]:
    """The scenario starts its own engine on the real clock, whatever this process uses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LKEMU_")}
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONPATH"] = str(ROOT)  # `tests.helpers` and `tests.agents.fakes`
    return env


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def test_agent_session_transcription_reaches_the_user() -> None:
    python = _agents_python()
    try:
        done = subprocess.run(
            [str(python), str(SCENARIO)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env=_environment(),
        )
    except subprocess.TimeoutExpired as expired:
        output = _text(expired.stdout) + _text(expired.stderr)
        pytest.fail(f"the scenario did not end within 120 s:\n{output[-6000:]}")
    refused = [line for line in done.stderr.splitlines() if NOT_IMPLEMENTED in line]
    assert done.returncode == 0 and not refused, (
        f"exit status {done.returncode}\n--- stderr\n{done.stderr[-8000:]}"
        f"\n--- stdout\n{done.stdout[-4000:]}"
    )
    assert "ok: the agent's answer reached the user" in done.stdout, done.stdout[-4000:]
