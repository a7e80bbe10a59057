"""The SDK-level suite (tests/sdk) under the drop-in on older livekit releases.

`make test` builds one venv per release of the Makefile's SDK_VERSIONS (.venv-sdk-<version>:
lkemu, that livekit, pytest); 1.2.1, .venv's own, is tests/test_dropin.py's. The three runs
start together (each with its own engine) and each test waits for its own. Everything the
release can express must pass; a test needing what it lacks skips, and only for that reason
(tests/sdk/sdk_support.py), or for a plugin its venv could not get.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lkemu.bindings.versions import NEWEST, TESTED

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


def makefile_versions() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(r"^SDK_VERSIONS\s*:=\s*(.+)$", text, re.M)
    assert match, "Makefile: no SDK_VERSIONS"
    return match.group(1).split()


VERSIONS = makefile_versions()


def venv(version: str) -> Path:
    return ROOT / f".venv-sdk-{version}"


@dataclass
class Run:
    version: str
    process: subprocess.Popen[str] | None = None
    skip_reason: str = ""
    output: str = ""
    returncode: int | None = None

    def wait(self) -> None:
        if self.process is None or self.returncode is not None:
            return
        try:
            self.output, _ = self.process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()
            self.output += f"\n(killed after {TIMEOUT_S} s)"
        self.returncode = self.process.returncode


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LKEMU_")}
    env.pop("VIRTUAL_ENV", None)
    env["LKEMU_SDK_SUITE"] = "1"
    return env


def _start(version: str) -> Run:
    home = venv(version)
    unavailable = home / ".lkemu-unavailable"
    if unavailable.exists():
        return Run(version, skip_reason=f"venv unavailable: {unavailable.read_text().strip()}")
    python = home / "bin" / "python"
    if not (python.exists() and (home / ".lkemu-installed").exists()):
        return Run(version, skip_reason=f"{home.name} not built: run make test")
    process = subprocess.Popen(
        [str(python), "-m", "pytest", "-q", "tests/sdk", "--lkemu", "-rs",
         "-p", "no:cacheprovider", "-o", "faulthandler_timeout=120"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env=_environment(),
    )  # fmt: skip
    return Run(version, process)


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    started = {version: _start(version) for version in VERSIONS}
    yield started
    for run in started.values():
        if run.process is not None and run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


def test_the_matrix_is_the_documented_one() -> None:
    assert [*VERSIONS, NEWEST] == list(TESTED)


@pytest.mark.parametrize("version", VERSIONS)
def test_sdk_suite_passes_on_an_older_release(version: str, runs: dict[str, Run]) -> None:
    run = runs[version]
    if run.skip_reason:
        pytest.skip(run.skip_reason)
    assert run.process is not None
    installed = subprocess.run(
        [str(venv(version) / "bin" / "python"), "-c",
         "from livekit.rtc.version import __version__; print(__version__)"],
        capture_output=True, text=True, timeout=60, env=_environment(),
    )  # fmt: skip
    assert installed.stdout.strip() == version, installed.stderr
    run.wait()
    tail = run.output[-6000:]
    assert run.returncode == 0, tail
    assert re.search(r"\d+ passed", run.output), tail
    skips = re.findall(r"^SKIPPED \[\d+\] ([^:]+:\d+): (.*)$", run.output, re.M)
    unexpected = [
        f"{where}: {why}"
        for where, why in skips
        if not why.startswith(f"livekit {version} ") and why != "plugin not installed"
    ]
    assert not unexpected, "\n".join(unexpected)
