"""livekit-agents voice agents on lkemu, end to end, as a user tests them.

tests/agents/user_suite is a user's own suite: AgentSessions (livekit-agents 1.8.9) with the
user's Agents on lkemu.agents' fakes, in lkemu rooms, through the fixtures of lkemu's pytest
plugin (`agent_room`, `agent`, `agent_script`), run with `pytest --lkemu` from that folder.
livekit-agents pins livekit 1.1.21 where this venv has 1.2.1, so the suite runs in a venv of
its own, .venv-agents, that `make test` builds from the `agents` extra; without it these
tests skip and say why. The suite runs once on the engine's real clock and once on simulated
time; each of its tests is reported here, per clock.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENTS_VENV = ROOT / ".venv-agents"
AGENTS_PYTHON = AGENTS_VENV / "bin" / "python"
BUILT = AGENTS_VENV / ".lkemu-installed"  # the Makefile's stamp
UNAVAILABLE = AGENTS_VENV / ".lkemu-unavailable"  # why the Makefile could not build it
SUITE = Path(__file__).with_name("user_suite")
TIMEOUT_S = 480  # the suite runs in ~1 min; a busy shared machine slows it several-fold


def _suite_tests() -> list[str]:
    """`file::test` for every test function of the suite (read, not imported)."""
    found = []
    for path in sorted(SUITE.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                found.append(f"{path.stem}::{node.name}")
    return found


def _agents_python() -> Path:
    if UNAVAILABLE.exists():
        pytest.skip(f"livekit-agents venv unavailable: {UNAVAILABLE.read_text().strip()}")
    if not (AGENTS_PYTHON.exists() and BUILT.exists()):
        pytest.skip("livekit-agents venv not built: run make test")
    return AGENTS_PYTHON


def _environment() -> dict[str, str]:
    """The suite starts its own engine (pytest --lkemu), whatever this process uses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LKEMU_", "PYTEST_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    return env


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


class SuiteRun:
    def __init__(self, returncode: int, output: str, results: dict[str, str]) -> None:
        self.returncode, self.output, self.results = returncode, output, results


CLOCKS = ("real", "simulated")
# What a test of the suite gives on a clock other than "passed" (it skips, saying why).
EXPECTED = {
    ("real", "test_conversation::test_a_thirty_second_conversation_on_simulated_time"): "skipped",
    # a child process cannot reach simulated time's engine, in the test's own event loop
    **{
        ("simulated", f"test_job_processes::{name}"): "skipped"
        for name in (
            "test_a_spawned_child_joins_the_parent_s_room",
            "test_a_forkserver_child_joins_the_parent_s_room",
            "test_a_job_of_the_process_pool_joins_the_room",
        )
    },
}

_runs: dict[str, SuiteRun] = {}


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The suite, run once per clock: the engine's real clock, and simulated time (the
    engine on each test's loop, time jumping ahead when everything waits)."""
    for clock in CLOCKS:
        if clock not in _runs:
            _runs[clock] = _run_suite(clock, tmp_path_factory)
    return _runs


def _run_suite(clock: str, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    python = _agents_python()
    report = tmp_path_factory.mktemp("agents") / "report.xml"
    command = [
        str(python), "-m", "pytest", "--lkemu", f"--lkemu-clock={clock}",
        "-q", "-rfEs", f"--junitxml={report}",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=SUITE,
            env=_environment(),
        )
    except subprocess.TimeoutExpired as expired:
        output = _text(expired.stdout) + _text(expired.stderr)
        pytest.fail(f"the agents suite did not end within {TIMEOUT_S} s:\n{output[-6000:]}")
    output = f"--- stdout\n{done.stdout[-12000:]}\n--- stderr\n{done.stderr[-4000:]}"
    results: dict[str, str] = {}
    if report.exists():
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            module = case.get("classname", "").rpartition(".")[2]
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = child.tag
            results[f"{module}::{case.get('name')}"] = outcome
    return SuiteRun(done.returncode, output, results)


def test_the_suite_has_tests() -> None:
    assert len(_suite_tests()) >= 4, _suite_tests()


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("name", _suite_tests())
def test_agents_suite(suite_runs: dict[str, SuiteRun], clock: str, name: str) -> None:
    run = suite_runs[clock]
    outcome = run.results.get(name)
    expected = EXPECTED.get((clock, name), "passed")
    assert outcome == expected, f"{name} ({clock}): {outcome or 'not run'}\n{run.output}"


@pytest.mark.parametrize("clock", CLOCKS)
def test_agents_suite_exit_status(suite_runs: dict[str, SuiteRun], clock: str) -> None:
    run = suite_runs[clock]
    assert run.returncode == 0, run.output
    assert set(run.results) == set(_suite_tests()), run.output


def test_the_readme_recipe_is_the_suite_s() -> None:
    """README's "Testing a voice agent" example is a test of the suite, character for
    character, so it is known to run."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Testing a voice agent", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert example == (SUITE / "test_voice_agent.py").read_text()


def test_without_livekit_agents(pytestconfig: pytest.Config) -> None:
    """Here (.venv) livekit-agents is missing: lkemu imports, lkemu.agents says what to
    install, and the plugin registers no agent fixtures."""
    if importlib.util.find_spec("livekit.agents") is not None:
        pytest.skip("livekit-agents is installed in this venv")
    import lkemu
    from lkemu.bindings.pytest_plugin import AGENT_FIXTURES

    assert lkemu.__version__
    with pytest.raises(ImportError, match=r"pip install 'lkemu\[agents\]'"):
        import lkemu.agents
    assert not pytestconfig.pluginmanager.has_plugin(AGENT_FIXTURES)
