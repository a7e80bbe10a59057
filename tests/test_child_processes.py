"""Child processes share the engine. Under pytest --lkemu, processes a test starts get the
drop-in on the session's engine, as `lkemu run` gives its program and every Python process
that program starts (multiprocessing spawn and forkserver included); and a fixture named as
starting a LiveKit server is not run (the engine plays the server). Each case runs pytest,
or lkemu run, on a small program of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lkemu.bindings.pytest_plugin import BOOT_FOLDER, DROPIN_ENV, child_environment

SUITE = """
import json
import json
import os
import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def livekit_server():
    raise RuntimeError("the server fixture ran")


@pytest.mark.usefixtures("livekit_server")
def test_needs_a_server():
    pass


def test_a_child_process(tmp_path):
    code = (
        "import json, os\\n"
        "from lkemu.bindings.dropin import installed_library\\n"
        "from livekit import rtc\\n"
        "names = ('LKEMU_ADDRESS', 'LKEMU_SECRET', 'LKEMU_DROPIN')\\n"
        "print(json.dumps([installed_library() is not None, [os.environ.get(n) for n in names]]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    installed, (address, secret, dropin) = json.loads(out.stdout)
    same = address == os.environ.get("LKEMU_ADDRESS")
    report = {"installed": installed, "same_address": same, "address": address,
              "secret": bool(secret), "dropin": dropin}
    (tmp_path.parent.parent / "child.json").write_text(json.dumps(report))
"""


def _run_suite(
    tmp_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_user.py").write_text(SUITE)
    (suite / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LKEMU_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", f"--basetemp={tmp_path / 'base'}", *options],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    child = tmp_path / "child.json"
    return done, json.loads(child.read_text()) if child.exists() else {}


def test_children_of_a_test_run_on_the_session_s_engine(tmp_path: Path) -> None:
    done, child = _run_suite(tmp_path, "--lkemu", "--lkemu-server-fixture", "livekit_server")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout
    # the child process ran livekit.rtc on the drop-in, on the engine of the session
    assert child == {
        "installed": True,
        "same_address": True,
        "address": child["address"],
        "secret": True,
        "dropin": "1",
    }
    assert str(child["address"]).startswith("unix:")


def test_without_the_option_the_server_fixture_runs(tmp_path: Path) -> None:
    done, _ = _run_suite(tmp_path, "--lkemu")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the server fixture ran" in done.stdout
    assert "1 passed, 1 error" in done.stdout, done.stdout


def test_natively_children_are_left_alone(tmp_path: Path) -> None:
    done, child = _run_suite(tmp_path, "--lkemu-server-fixture", "livekit_server")
    assert "the server fixture ran" in done.stdout  # no --lkemu: the suite's own fixture runs
    assert child["installed"] is False and child["dropin"] is None, child


def test_the_child_environment_puts_the_boot_folder_first_once() -> None:
    engine = {"LKEMU_ADDRESS": "unix:/x/engine.sock", "LKEMU_SECRET": "s"}
    environ = {"PYTHONPATH": os.pathsep.join(["/a", BOOT_FOLDER, "/b"])}
    assert child_environment(engine, environ) == {
        **engine,
        DROPIN_ENV: "1",
        "PYTHONPATH": os.pathsep.join([BOOT_FOLDER, "/a", "/b"]),
    }
    assert child_environment({}, {})["PYTHONPATH"] == BOOT_FOLDER


def test_the_boot_folder_is_the_one_lkemu_run_uses() -> None:
    from lkemu import cli

    assert Path(BOOT_FOLDER) == Path(cli.__file__).resolve().parent / "boot"
    assert (Path(BOOT_FOLDER) / "sitecustomize.py").is_file()


PROGRAM = """
import json
import multiprocessing
import os
import sys


def child(queue):
    from lkemu.bindings.dropin import installed_library

    queue.put([installed_library() is not None, os.environ.get("LKEMU_ADDRESS")])


if __name__ == "__main__":
    import lkemu.bindings.dropin

    results = {}
    for method in ("spawn", "forkserver"):
        context = multiprocessing.get_context(method)
        queue = context.Queue()
        process = context.Process(target=child, args=(queue,))
        process.start()
        results[method] = queue.get(timeout=120)
        process.join()
    results["parent"] = [lkemu.bindings.dropin.installed_library() is not None,
                         os.environ.get("LKEMU_ADDRESS")]
    print(json.dumps(results))
"""


def test_lkemu_run_children_share_its_engine(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LKEMU_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "run", "--", sys.executable, str(program)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    installed, address = results["parent"]
    assert installed and address
    assert results["spawn"] == [True, address]
    assert results["forkserver"] == [True, address]
