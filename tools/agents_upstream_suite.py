"""livekit-agents' own test suite, run natively and under `pytest --lkemu`, compared per test.

python tools/agents_upstream_suite.py                       # the whole suite, both ways
python tools/agents_upstream_suite.py --files tests/test_room.py tests/test_ipc.py
python tools/agents_upstream_suite.py --json /tmp/outcomes.json

The suite is read from the git mirror of livekit/agents (never copied into this project):
its `tests/` and `pyproject.toml` at the commit where livekit-agents' version became the one
installed in the venv that runs it (.venv-agents: livekit-agents 1.8.9 with livekit 1.1.21,
whose native library loads there), else, when the mirror has no such commit, at the newest
commit of its main branch (said in the report). They are extracted with `git archive` into
a temporary folder. The suite's test-only dependencies (pytest, pytest-asyncio and
pytest-asyncio-concurrent at the versions its uv.lock pins, and the few libraries some of
its modules import) are installed with pip into a cache folder of their own, put first on
PYTHONPATH for these runs only, so .venv-agents itself is left as it is.

Each test file runs in a pytest process of its own (a crash or a hang costs one file), once
natively and once with `--lkemu`; tests whose outcome differs run again, both ways, to tell
a difference from a flaky test. Modules that need a LiveKit server (SERVER_FILES) cannot
run natively here (their fixture starts one with docker): under --lkemu the engine plays
that server (`--lkemu-server-fixture livekit_server`, LIVEKIT_URL set for them), and they
are reported apart. Long (the whole suite takes tens of minutes each way on two cores) and
needs the mirror: not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = Path("/work/.mirror/livekit+agents/repo")
DEFAULT_PYTHON = ROOT / ".venv-agents" / "bin" / "python"
VERSION_FILE = "livekit-agents/livekit/agents/version.py"
# Test-only dependencies of the suite that a venv with livekit-agents lacks: versions from
# the suite's uv.lock where it pins them, else the newest pip finds (all without their
# dependencies, which livekit-agents' own already cover).
TEST_DEPENDENCIES = (
    "pytest",
    "pluggy",
    "pytest-asyncio",
    "pytest-asyncio-concurrent",
    "python-dotenv",
    "jiwer",
    "rapidfuzz",
    "tiktoken",
    "regex",
)
# Test modules that need a LiveKit server: natively they need docker (or LIVEKIT_URL), so
# here they are not comparable; under --lkemu the engine plays the server.
SERVER_FILES = {
    "tests/test_room.py": "its livekit_server fixture runs a LiveKit server in docker, and "
    "TestReconnect needs LIVEKIT_URL",
}
SERVER_FIXTURE = "livekit_server"
# The suite's own categories (module markers; its conftest selects with --unit, ...): unit
# and audio_eot tests use no external service. The others call model providers' APIs or
# LiveKit's inference gateway (plugin, realtime, stt, tts, evals) or need files outside
# tests/ (docs): excluded, and listed with their category.
RUN_CATEGORIES = ("unit", "audio_eot")
CATEGORY = re.compile(r"pytest\.mark\.(unit|audio_eot|plugin|realtime|stt|tts|evals|docs)\b")
LKEMU_SERVER_URL = "ws://localhost:7880"  # any URL reaches the engine's rooms
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "timeout", "crashed")


@dataclass
class Outcome:
    outcome: str
    message: str = ""


@dataclass
class ModeRun:
    results: dict[str, Outcome] = field(default_factory=dict)
    seconds: float = 0.0


def git(mirror: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={mirror}", *args], capture_output=True, text=True, check=True
    ).stdout


def installed_version(python: Path, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def release_commit(mirror: Path, version: str) -> tuple[str, str]:
    """The commit where livekit-agents' version became `version`, or the newest of main
    when the mirror has none; with a sentence saying which."""
    found = git(
        mirror, "log", "--all", "--reverse", "--format=%H",
        f"-S__version__ = \"{version}\"", "--", VERSION_FILE,
    ).split()  # fmt: skip
    if found:
        return found[0], f"livekit-agents {version}'s release commit {found[0][:10]}"
    head = git(mirror, "rev-parse", "HEAD").strip()
    newest = re.search(r'__version__ = "([^"]+)"', git(mirror, "show", f"HEAD:{VERSION_FILE}"))
    return head, (
        f"the mirror has no commit with livekit-agents {version}; its newest commit of main, "
        f"{head[:10]} (version {newest.group(1) if newest else '?'}), stands for it"
    )


def extract(mirror: Path, commit: str, folder: Path) -> None:
    archive = subprocess.run(
        ["git", f"--git-dir={mirror}", "archive", commit, "tests", "pyproject.toml"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def pinned_versions(mirror: Path, commit: str) -> dict[str, str]:
    try:
        lock = git(mirror, "show", f"{commit}:uv.lock")
    except subprocess.CalledProcessError:
        return {}
    return dict(re.findall(r'^name = "([^"]+)"\nversion = "([^"]+)"', lock, re.MULTILINE))


def install_dependencies(python: Path, mirror: Path, commit: str, target: Path) -> None:
    stamp = target / ".installed"
    if stamp.exists():
        return
    pins = pinned_versions(mirror, commit)
    wanted = [f"{name}=={pins[name]}" if name in pins else name for name in TEST_DEPENDENCIES]
    print(f"installing the suite's test dependencies into {target}: {' '.join(wanted)}")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         *wanted],
        check=True,
    )  # fmt: skip
    stamp.write_text(" ".join(wanted) + "\n")


def test_files(suite: Path) -> tuple[list[str], dict[str, str]]:
    """The files to run (of RUN_CATEGORIES) and the others, with their categories."""
    run, excluded = [], {}
    for path in sorted((suite / "tests").rglob("test_*.py")):
        name = str(path.relative_to(suite))
        categories = sorted(set(CATEGORY.findall(path.read_text(encoding="utf-8"))))
        if set(categories) & set(RUN_CATEGORIES):
            run.append(name)
        else:
            excluded[name] = ", ".join(categories) or "no category"
    return run, excluded


def node_id(file: str, classname: str, name: str) -> str:
    module = file.removesuffix(".py").replace("/", ".")
    classes = classname.removeprefix(module).strip(".")
    if not classname:  # a collection error
        return f"{file}::<collection>"
    return "::".join(part for part in (file, *classes.split("."), name) if part)


def read_report(report: Path, file: str) -> dict[str, Outcome]:
    results: dict[str, Outcome] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        tags = {child.tag: child for child in case if child.tag in ("failure", "error", "skipped")}
        outcome, message = "passed", ""
        for tag, name in (("error", "error"), ("failure", "failed"), ("skipped", "skipped")):
            if tag in tags:
                outcome = name
                message = tags[tag].get("message", "") or (tags[tag].text or "")
                if tag == "skipped" and tags[tag].get("type") == "pytest.xfail":
                    outcome = "xfailed"
                break
        first = message.strip().splitlines()[0] if message.strip() else ""
        results[node_id(file, case.get("classname", ""), case.get("name", ""))] = Outcome(
            outcome, first[:240]
        )
    return results


def environment(deps: Path, lkemu: bool, file: str) -> dict[str, str]:
    drop = ("LKEMU_", "PYTEST_", "PYTHON", "LIVEKIT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONPATH"] = str(deps)
    if lkemu and file in SERVER_FILES:
        env["LIVEKIT_URL"] = LKEMU_SERVER_URL
    return env


def run_pytest(
    python: Path, suite: Path, deps: Path, lkemu: bool, file: str, targets: list[str],
    timeout: float, concurrent: bool,
) -> dict[str, Outcome]:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="lkemu-agents-report-") as folder:
        report = Path(folder) / "report.xml"
        command = [
            str(python), "-m", "pytest", *targets, "-p", "no:cacheprovider", "-q",
            "--tb=native", f"--junitxml={report}", *(f"--{name}" for name in RUN_CATEGORIES),
        ]  # fmt: skip
        if not concurrent:
            command.append("--no-concurrent")
        if lkemu:
            command += ["--lkemu", f"--lkemu-server-fixture={SERVER_FIXTURE}"]
        process = subprocess.Popen(
            command,
            cwd=suite,
            env=environment(deps, lkemu, file),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the run and every process it starts, killed together
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return {f"{file}::<file>": Outcome("timeout", f"no end within {timeout:.0f} s")}
        if not report.exists():
            tail = output.decode(errors="replace").strip().splitlines()[-3:]
            return {f"{file}::<file>": Outcome("crashed", " | ".join(tail)[:240])}
        return read_report(report, file)


def run_mode(
    python: Path, suite: Path, deps: Path, lkemu: bool, files: list[str], timeout: float,
    concurrent: bool,
) -> ModeRun:  # fmt: skip
    run = ModeRun()
    start = time.monotonic()
    for index, file in enumerate(files, 1):
        began = time.monotonic()
        results = run_pytest(python, suite, deps, lkemu, file, [file], timeout, concurrent)
        run.results.update(results)
        counts = Counter(outcome.outcome for outcome in results.values())
        mode = "lkemu" if lkemu else "native"
        print(
            f"[{mode} {index}/{len(files)}] {file}: {dict(counts)} "
            f"({time.monotonic() - began:.0f} s)",
            flush=True,
        )
    run.seconds = time.monotonic() - start
    return run


Runs = dict[str, list[dict[str, Outcome]]]  # per mode: the first run, then the reruns


def outcomes(results: list[dict[str, Outcome]]) -> dict[str, list[Outcome]]:
    """Every test's outcomes across runs, first run first. A file's crash or timeout stands
    for its tests only until a later run of that file gives them one by one."""
    seen: dict[str, list[Outcome]] = {}
    for run in results:
        for key, outcome in run.items():
            seen.setdefault(key, []).append(outcome)
    resolved = {k.partition("::")[0] for k in seen if not k.partition("::")[2].startswith("<")}
    return {
        k: v
        for k, v in seen.items()
        if not (k.endswith("::<file>") and k.split("::")[0] in resolved)
    }


def differences(runs: Runs, server: bool) -> list[str]:
    """Tests (of SERVER_FILES if `server`, else the others) whose outcomes differ."""
    native, lkemu = outcomes(runs["native"]), outcomes(runs["lkemu"])
    keys = {k for k in set(native) | set(lkemu) if (k.split("::")[0] in SERVER_FILES) == server}
    return sorted(
        k
        for k in keys
        if {o.outcome for o in native.get(k, [])} != {o.outcome for o in lkemu.get(k, [])}
    )


def report(runs: Runs) -> None:
    native, lkemu = outcomes(runs["native"]), outcomes(runs["lkemu"])
    keys = set(native) | set(lkemu)
    server = {k for k in keys if k.split("::")[0] in SERVER_FILES}
    compared = keys - server

    def counts(seen: dict[str, list[Outcome]], among: set[str]) -> str:
        found = Counter(seen[k][0].outcome for k in among if k in seen)
        return ", ".join(f"{found[name]} {name}" for name in OUTCOMES if found[name])

    print(f"compared ({len(compared)} tests; each one's first outcome):")
    print(f"  native  {counts(native, compared)}")
    print(f"  --lkemu {counts(lkemu, compared)}")
    different = differences(runs, server=False)
    print(f"differences, after {len(runs['lkemu']) - 1} rerun(s) of each: {len(different)}")
    for key in different:
        message = next((o.message for o in reversed(lkemu.get(key, [])) if o.message), "")
        print(
            f"  {key}: native {[o.outcome for o in native.get(key, [])]}, "
            f"--lkemu {[o.outcome for o in lkemu.get(key, [])]}  {message}"
        )
    flaky = sorted(
        k
        for k in compared
        if k not in different
        and any(len({o.outcome for o in seen.get(k, [])}) > 1 for seen in (native, lkemu))
    )
    print(f"flaky, the same ways in both modes: {len(flaky)}")
    for key in flaky:
        print(
            f"  {key}: native {[o.outcome for o in native.get(key, [])]}, "
            f"--lkemu {[o.outcome for o in lkemu.get(key, [])]}"
        )
    print(f"needing a LiveKit server ({len(server)} tests; natively not runnable here):")
    print(f"  native  {counts(native, server)}")
    print(f"  --lkemu {counts(lkemu, server)}")
    for key in sorted(server):
        seen = lkemu.get(key, [])
        if any(o.outcome != "passed" for o in seen):
            print(f"  {key}: --lkemu {[o.outcome for o in seen]}  {seen[-1].message}")


def load(path: Path) -> Runs:
    saved = json.loads(path.read_text())
    return {
        mode: [{k: Outcome(**v) for k, v in run.items()} for run in results]
        for mode, results in saved.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--commit", default=None, help="default: livekit-agents' release")
    parser.add_argument("--python", type=Path, default=DEFAULT_PYTHON)
    parser.add_argument(
        "--deps", type=Path, default=None, help="where the test-only dependencies go "
        "(default: a cache folder per commit under the system's temporary folder)",
    )  # fmt: skip
    parser.add_argument("--files", nargs="*", default=None, help="test files (default: all)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per file")
    parser.add_argument("--reruns", type=int, default=2, help="reruns of differing tests")
    parser.add_argument(
        "--concurrent", action="store_true", help="let the suite run a module's async tests "
        "concurrently, as its default is (off here: on two busy cores it flakes both ways)",
    )  # fmt: skip
    parser.add_argument("--keep", type=Path, default=None, help="extract here and keep it")
    parser.add_argument("--json", type=Path, default=None, help="write every outcome here")
    parser.add_argument(
        "--report", type=Path, default=None, help="only print the report of a --json file"
    )
    args = parser.parse_args()
    if args.report:
        report(load(args.report))
        return 0

    version = installed_version(args.python, "livekit-agents")
    livekit = installed_version(args.python, "livekit")
    if args.commit:
        commit, source = git(args.mirror, "rev-parse", args.commit).strip(), f"commit {args.commit}"
    else:
        commit, source = release_commit(args.mirror, version)
    deps = args.deps or Path(tempfile.gettempdir()) / f"lkemu-agents-test-deps-{commit[:12]}"
    install_dependencies(args.python, args.mirror, commit, deps)
    suite = args.keep or Path(tempfile.mkdtemp(prefix="lkemu-agents-suite-"))
    suite.mkdir(parents=True, exist_ok=True)
    try:
        extract(args.mirror, commit, suite)
        files, excluded = test_files(suite)
        if args.files:
            files = args.files
        else:
            by_category = Counter(excluded.values())
            print(f"excluded: {len(excluded)} files that need services or files outside the "
                  f"suite, by category: {dict(by_category)}")  # fmt: skip
        print(f"livekit-agents {version}, livekit {livekit}; tests of {source}; {len(files)} "
              f"files in {suite}")  # fmt: skip
        native = run_mode(args.python, suite, deps, False, files, args.timeout, args.concurrent)
        lkemu = run_mode(args.python, suite, deps, True, files, args.timeout, args.concurrent)
        runs = {"native": [native.results], "lkemu": [lkemu.results]}
        for _ in range(args.reruns):
            again = differences(runs, server=False)
            if not again:
                break
            by_file: dict[str, list[str]] = {}
            for key in again:
                file, _, rest = key.partition("::")
                by_file.setdefault(file, []).append(file if rest.startswith("<") else key)
            for mode, lkemu_mode in (("native", False), ("lkemu", True)):
                rerun: dict[str, Outcome] = {}
                for file, targets in by_file.items():
                    rerun.update(
                        run_pytest(
                            args.python, suite, deps, lkemu_mode, file, sorted(set(targets)),
                            args.timeout, args.concurrent,
                        )
                    )  # fmt: skip
                runs[mode].append(rerun)
        print(f"\nnative: {native.seconds:.0f} s, --lkemu: {lkemu.seconds:.0f} s")
        report(runs)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        mode: [{k: vars(v) for k, v in r.items()} for r in rs]
                        for mode, rs in runs.items()
                    },
                    indent=1,
                )
            )
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(suite, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
