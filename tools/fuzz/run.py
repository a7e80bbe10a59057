"""The fuzzing run: an engine of its own, worker processes for the given time, a probe
client timing small requests meanwhile, and the report.

    python -m tools.fuzz --seconds 900 [--workers ffi-local,ffi-engine,dropin] [--seed N]

The engine is `lkemu serve` on a Unix socket in a fresh 0700 directory; its clients find
its secret next to the socket, as any client does. What is measured: requests and req/s,
latency max and p99 per kind (and of callbacks), INTERNAL errors (replies, callbacks and
logs of the clients; tracebacks in the engine's log), crashes (a worker ended by a signal or
an exception, the engine's death), the probe's latencies (another client's delay while the
fuzzing runs) and the engine's RSS (/proc) at the start, its peak, and at the end, once
every worker's session is closed. Failures are shrunk and written to tests/fuzz_corpus
(tools/fuzz/corpus.py) unless --no-corpus.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .record import KindStats, Stats

ROOT = Path(__file__).resolve().parents[2]
# Five client processes: on two cores shared with other work, more of them get the fuzzing
# a larger share (the engine itself ran at ~50% of a core with three).
DEFAULT_WORKERS = ("ffi-local", "ffi-engine", "dropin", "ffi-local", "ffi-engine")
_READY = re.compile(r"serving on (\S+) .*pid (\d+)")
SLOW_S = 1.0
MEMORY_BOUND_MB = 100.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


SETTLE_S = 20.0


def _settled_rss(pid: int) -> float:
    """The engine's RSS once it has let go of what the closed sessions held: their timers
    and owed callbacks run out (an RPC waits up to its response timeout, 15 s by default),
    and the engine gives freed memory back every 5 s after sessions close (server.py). It
    is read each second until it has not fallen for 6 s, for SETTLE_S at the most."""
    lowest, since = rss_mb(pid), time.monotonic()
    end = since + SETTLE_S
    while time.monotonic() < end and time.monotonic() - since < 6.0:
        time.sleep(1.0)
        now = rss_mb(pid)
        if now < lowest - 1.0:
            lowest, since = now, time.monotonic()
    return min(lowest, rss_mb(pid))


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Engine:
    process: subprocess.Popen[str]
    address: str
    pid: int
    log_path: str

    @classmethod
    def start(cls, folder: str) -> Engine:
        log_path = os.path.join(folder, "engine.log")
        # With its loop's steps timed (tools/fuzz/loop_monitor.py): written at its exit.
        command = [
            sys.executable,
            "-m",
            "tools.fuzz.loop_monitor",
            os.path.join(folder, "loop.json"),
            "serve",
            "--address",
            f"unix:{folder}/engine.sock",
            "--parent-pid",
            str(os.getpid()),
        ]
        # LKEMU_FUZZ_TRACEMALLOC=N traces the engine's allocations (N frames): the heap
        # report then says where the memory still held at the end was allocated.
        frames = os.environ.get("LKEMU_FUZZ_TRACEMALLOC", "")
        engine_env = _client_env(**({"PYTHONTRACEMALLOC": frames} if frames else {}))
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT, env=engine_env
            )
        assert process.stdout is not None
        line = process.stdout.readline()
        match = _READY.search(line)
        if match is None:
            process.kill()
            raise RuntimeError(f"the engine did not start: {line!r}, see {log_path}")
        return cls(process, match.group(1), int(match.group(2)), log_path)

    def alive(self) -> bool:
        return self.process.poll() is None

    def loop_steps(self) -> dict[str, Any]:
        """The engine's loop steps (after stop()), from tools/fuzz/loop_monitor.py."""
        try:
            return dict(json.loads(Path(self.log_path).with_name("loop.json").read_text()))
        except (OSError, ValueError):
            return {}

    def heap_report(self) -> dict[str, Any]:
        """Its heap by object type, and its RSS once freed memory is given back (SIGUSR2,
        tools/fuzz/loop_monitor.py)."""
        path = Path(self.log_path).with_name("loop.json.heap.json")
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR2)
            for _ in range(50):
                time.sleep(0.1)
                if path.exists():
                    break
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            return {}

    def dump_stacks(self) -> None:
        """Its threads' stacks into its log (tools/fuzz/loop_monitor.py), to see where a
        frozen engine is."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _client_env(**extra: str) -> dict[str, str]:
    """The environment of the engine and the workers: no other engine's address or secret
    (the workers find this engine's secret next to its socket, as clients do)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "LKEMU_ADDRESS",
            "LKEMU_SECRET",
            "LKEMU_SECRET_FILE",
            "LKEMU_CLOCK",
            "LKEMU_LOCAL_LANE",
        )
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def engine_failures(log_path: str) -> Counter[str]:
    """Tracebacks in the engine's log, by their context line and last line."""
    found: Counter[str] = Counter()
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines()
    except OSError:
        return found
    context = ""
    inside = False
    for line in lines:
        if line.startswith("Traceback"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            found[f"{context} | {line}"[:300]] += 1
            inside = False
            context = ""
        elif not inside and line.strip():
            context = line.strip()[:120]
    return found


class Probe(threading.Thread):
    """Another client: one small request every 20 ms, timed, all the while."""

    def __init__(self, address: str) -> None:
        super().__init__(name="fuzz-probe", daemon=True)
        self.address = address
        self.stats = KindStats()
        self.errors: list[str] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        from lkemu.bindings import FfiClient
        from lkemu.proto import ffi_pb2

        client = FfiClient(address=self.address, local_lane=False)
        request = ffi_pb2.FfiRequest()
        request.new_audio_resampler.SetInParent()
        try:
            while not self._stopping.wait(0.02):
                started = time.perf_counter()
                try:
                    response = client.request(request)
                except Exception as error:  # reported, not raised
                    self.errors.append(repr(error))
                    if len(self.errors) > 5:
                        return
                    continue
                self.stats.add(time.perf_counter() - started, True)
                client.drop_handle(response.new_audio_resampler.resampler.handle.id)
        finally:
            client.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(30)


@dataclass
class Report:
    seconds: float
    seed: int
    workers: list[str]
    stats: Stats
    probe: KindStats
    probe_errors: list[str]
    rss_start_mb: float
    rss_peak_mb: float
    rss_end_mb: float
    engine_crashed: str
    client_crashes: list[str]
    engine_log_failures: dict[str, int]
    failures: list[dict[str, Any]]
    failure_counts: dict[str, int]
    load: tuple[float, float, float]
    loop: dict[str, Any] = field(default_factory=dict)
    engine_cpu_s: float = 0.0
    heap: dict[str, Any] = field(default_factory=dict)
    corpus: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.stats.requests

    @property
    def max_latency(self) -> float:
        return max((k.max_s for k in self.stats.kinds.values()), default=0.0)

    @property
    def slow(self) -> list[dict[str, Any]]:
        return [f for f in self.failures if f["failure"] == "slow"]

    def count(self, failure: str) -> int:
        """How many times a kind of failure happened (repeats included)."""
        return sum(
            n
            for signature, n in self.failure_counts.items()
            if signature.split("|", 1)[0] == failure
        )

    @property
    def internal(self) -> int:
        return self.stats.internal + sum(self.engine_log_failures.values())

    def problems(self) -> list[str]:
        """What breaks the acceptance: empty when the run passed."""
        found = []
        if self.engine_crashed:
            found.append(f"engine crashed: {self.engine_crashed}")
        found += [f"client crashed: {crash}" for crash in self.client_crashes]
        if self.internal:
            found.append(f"{self.internal} INTERNAL errors")
        if self.slow:  # over 1 s twice in a row: the request, not the machine
            found.append(f"{len(self.slow)} kinds of request took over {SLOW_S:g} s twice")
        growth = self.rss_end_mb - self.rss_start_mb
        if growth > MEMORY_BOUND_MB:
            found.append(f"engine memory grew {growth:.0f} MB")
        kinds = Counter(f["failure"] for f in self.failures)
        for kind in ("isolation", "unanswered", "engine-lost"):
            if kinds[kind]:
                found.append(f"{kinds[kind]} {kind} failures")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "seed": self.seed,
            "workers": self.workers,
            "requests": self.requests,
            "requests_per_s": self.requests / max(self.seconds, 1e-9),
            "max_latency_s": self.max_latency,
            "internal": self.internal,
            "engine_crashed": self.engine_crashed,
            "client_crashes": self.client_crashes,
            "rss_start_mb": self.rss_start_mb,
            "rss_peak_mb": self.rss_peak_mb,
            "rss_end_mb": self.rss_end_mb,
            "probe_max_s": self.probe.max_s,
            "probe_p99_s": self.probe.quantile(0.99),
            "probe_requests": self.probe.requests,
            "probe_errors": self.probe_errors,
            "engine_log_failures": self.engine_log_failures,
            "failures": self.failures,
            "failure_counts": self.failure_counts,
            "load": self.load,
            "stats": self.stats.to_json(),
            "corpus": self.corpus,
            "loop": self.loop,
            "engine_cpu_s": self.engine_cpu_s,
            "heap": self.heap,
            "problems": self.problems(),
        }

    def text(self) -> str:
        lines = [
            f"lkemu fuzz: {self.requests} requests in {self.seconds:.0f} s "
            f"({self.requests / max(self.seconds, 1e-9):.0f}/s), workers {','.join(self.workers)}, "
            f"seed {self.seed}, load average {self.load[0]:.1f} {self.load[1]:.1f} "
            f"{self.load[2]:.1f}",
            f"  strategies: {dict(self.stats.strategies)}",
            f"  kinds covered: {len([k for k in self.stats.kinds if not k.startswith('(')])}"
            f" of 90; sessions {self.stats.sessions}; isolation cases "
            f"{sum(self.stats.isolation_cases.values())}",
            f"  latency: max {self.max_latency * 1000:.1f} ms; over {SLOW_S:g} s: "
            f"{self.count('slow') + self.count('slow-once')} "
            f"({self.count('slow')} again when sent again)",
            f"  probe (another client, every 20 ms): {self.probe.requests} requests, p99 "
            f"{self.probe.quantile(0.99) * 1000:.1f} ms, max {self.probe.max_s * 1000:.1f} ms",
            f"  INTERNAL: {self.internal} (clients {self.stats.internal}, engine log "
            f"{sum(self.engine_log_failures.values())})",
            f"  crashes: engine {self.engine_crashed or 'none'}, clients "
            f"{len(self.client_crashes)}",
            f"  engine RSS: start {self.rss_start_mb:.1f} MB, peak {self.rss_peak_mb:.1f} MB, "
            f"end {self.rss_end_mb:.1f} MB; engine CPU {self.engine_cpu_s:.0f} s "
            f"({100 * self.engine_cpu_s / max(self.seconds, 1e-9):.0f}% of one core)",
            f"  engine heap at the end: {self.heap.get('objects', 0)} objects, RSS "
            f"{self.heap.get('rss_after_trim_mb', 0):.1f} MB once glibc gave freed memory back; "
            f"most: {self.heap.get('top', [])[:8]}",
        ]
        if self.loop:
            longest = self.loop["max_cpu_s"] * 1000
            lines.append(
                f"  engine loop: {self.loop['steps']} steps, longest {longest:.1f}"
                f" ms CPU / {self.loop['max_wall_s'] * 1000:.1f} ms wall; over 50 ms: "
                f"{self.loop['over_50ms_cpu']} by CPU, {self.loop['over_50ms_wall']} by wall time"
            )
            for step in self.loop["longest"][:5]:
                lines.append(
                    f"    {step['cpu_s'] * 1000:.1f} ms CPU ({step['wall_s'] * 1000:.1f} wall): "
                    f"{step['step']}"
                )
            lines.append(
                "  engine's slowest request kinds (sync half, max ms CPU): "
                + ", ".join(
                    f"{kind} {entry['max_cpu_s'] * 1000:.1f}"
                    for kind, entry in list(self.loop.get("requests", {}).items())[:8]
                )
            )
        slowest = sorted(self.stats.kinds.items(), key=lambda item: -item[1].max_s)[:8]
        lines.append(
            "  slowest kinds (max / p99 ms): "
            + ", ".join(
                f"{kind} {stats.max_s * 1000:.0f}/{stats.quantile(0.99) * 1000:.1f}"
                for kind, stats in slowest
            )
        )
        if self.stats.unanswered:
            lines.append(
                f"  callbacks not sent by their session's end: {dict(self.stats.unanswered)}"
            )
        for failure in self.failures[:40]:
            lines.append(
                f"  FAILURE {failure['failure']} {failure.get('kind', '')}: "
                f"{failure['detail'][:240]}"
            )
        for message, count in list(self.engine_log_failures.items())[:20]:
            lines.append(f"  ENGINE LOG x{count}: {message}")
        for path in self.corpus:
            lines.append(f"  corpus: {path}")
        problems = self.problems()
        lines.append("  PASSED" if not problems else "  FAILED: " + "; ".join(problems))
        return "\n".join(lines)


def run(
    seconds: float,
    seed: int,
    workers: tuple[str, ...] = DEFAULT_WORKERS,
    keep: str | None = None,
    corpus_dir: Path | None = None,
    recycle: int = 8000,
) -> Report:
    folder = tempfile.mkdtemp(prefix="lkemu-fuzz-")
    os.chmod(folder, 0o700)
    engine = Engine.start(folder)
    rss_start = rss_mb(engine.pid)
    rss_peak = rss_start
    cpu_start = cpu_seconds(engine.pid)
    probe = Probe(engine.address)
    probe.start()
    started = time.monotonic()
    deadline = started + seconds
    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    client_crashes: list[str] = []
    incarnations: Counter[str] = Counter()

    def spawn(index: int, mode: str) -> None:
        worker_id = f"{index}{mode[0]}"
        incarnations[worker_id] += 1
        left = max(1.0, deadline - time.monotonic())
        worker_seed = seed * 1000 + index * 100 + incarnations[worker_id]
        command = [
            sys.executable,
            "-m",
            "tools.fuzz.worker",
            "--address",
            engine.address,
            "--mode",
            mode,
            "--seed",
            str(worker_seed),
            "--seconds",
            f"{left:.1f}",
            "--dir",
            folder,
            "--id",
            worker_id,
            "--recycle",
            str(recycle),
        ]
        stderr = open(os.path.join(folder, f"stderr-{worker_id}.txt"), "ab")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=_client_env(LKEMU_REQUEST_TIMEOUT="10"),
        )
        stderr.close()
        processes[worker_id] = (process, index)

    for index, mode in enumerate(workers):
        spawn(index, mode)
    modes = {f"{i}{m[0]}": m for i, m in enumerate(workers)}
    engine_crashed = ""
    while processes:
        time.sleep(0.25)
        rss_peak = max(rss_peak, rss_mb(engine.pid))
        if not engine.alive() and not engine_crashed:
            engine_crashed = f"exit status {engine.process.returncode}"
        for worker_id, (process, index) in list(processes.items()):
            status = process.poll()
            if status is None:
                if time.monotonic() > deadline + 60:  # a worker that does not stop: stuck
                    process.kill()
                    client_crashes.append(f"worker {worker_id} still running 60 s late")
                continue
            del processes[worker_id]
            if status == 3 and time.monotonic() < deadline - 1 and not engine_crashed:
                spawn(index, modes[worker_id])
            elif status not in (0, 2, 3):
                crash = Path(folder, f"stderr-{worker_id}.txt").read_text(errors="replace")
                # faulthandler's report: where it crashed, before the list of modules
                if "Fatal Python error" in crash:
                    crash = crash[crash.find("Fatal Python error") :]
                how = f"signal {-status}" if status < 0 else f"exit status {status}"
                client_crashes.append(
                    f"worker {worker_id} ({modes[worker_id]}): {how}: {crash.strip()[:1500]}"
                )
                _crash_record(folder, worker_id, how)
                if time.monotonic() < deadline - 1 and not engine_crashed:
                    spawn(index, modes[worker_id])
    probe.stop()
    elapsed = time.monotonic() - started
    engine_cpu = cpu_seconds(engine.pid) - cpu_start
    rss_end = _settled_rss(engine.pid)
    heap = engine.heap_report()
    if not engine.alive() and not engine_crashed:
        engine_crashed = f"exit status {engine.process.returncode}"
    failures = []
    for path in sorted(Path(folder).glob("failures-*.jsonl")):
        failures += [json.loads(line) for line in path.read_text().splitlines() if line]
    written: list[str] = []
    if corpus_dir is not None and failures:
        from .corpus import save_failures

        live = engine.address if engine.alive() else None
        written = save_failures(failures, corpus_dir, live)
    if any(f["failure"] == "engine-lost" for f in failures):
        engine.dump_stacks()
    engine.stop()
    stats = Stats()
    failure_counts: Counter[str] = Counter()
    for path in sorted(Path(folder).glob("stats-*.json")):
        data = json.loads(path.read_text())
        stats.merge(data)
        failure_counts.update(data.get("failure_counts", {}))
    report = Report(
        seconds=elapsed,
        seed=seed,
        workers=list(workers),
        stats=stats,
        probe=probe.stats,
        probe_errors=probe.errors,
        rss_start_mb=rss_start,
        rss_peak_mb=rss_peak,
        rss_end_mb=rss_end,
        engine_crashed=engine_crashed,
        client_crashes=client_crashes,
        engine_log_failures=dict(engine_failures(engine.log_path)),
        failures=failures,
        failure_counts=dict(failure_counts),
        load=os.getloadavg(),
        loop=engine.loop_steps(),
        engine_cpu_s=engine_cpu,
        heap=heap,
    )
    report.corpus = written
    if keep:
        with contextlib.suppress(FileExistsError, shutil.Error):
            shutil.copytree(folder, keep, ignore=shutil.ignore_patterns("engine.sock*"))
    shutil.rmtree(folder, ignore_errors=True)
    return report


def _crash_record(folder: str, worker_id: str, how: str) -> None:
    """The request a crashed worker had in flight, as a failure of its own."""
    from .record import Breadcrumb, failure_record

    sample = Breadcrumb.read(os.path.join(folder, f"crumb-{worker_id}.bin"))
    record = failure_record("client-crash", sample, f"the client process ended: {how}")
    with open(os.path.join(folder, f"failures-{worker_id}.jsonl"), "a") as out:
        out.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fuzz",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)))
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument(
        "--workers",
        default=",".join(DEFAULT_WORKERS),
        help="modes, one per process: ffi-local, ffi-engine, dropin",
    )
    parser.add_argument("--report", default=None, help="write the report as JSON here")
    parser.add_argument("--keep", default=None, help="copy the run's folder (logs) here")
    parser.add_argument(
        "--corpus",
        default=str(ROOT / "tests" / "fuzz_corpus"),
        help="where failures go, shrunk (default tests/fuzz_corpus)",
    )
    parser.add_argument("--no-corpus", action="store_true", help="do not keep failures")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(3), "big")
    print(f"lkemu fuzz: seed {seed}, {args.seconds:g} s, workers {args.workers}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    corpus_dir = None if args.no_corpus else Path(args.corpus)
    report = run(
        args.seconds, seed, tuple(args.workers.split(",")), keep=args.keep, corpus_dir=corpus_dir
    )
    print(report.text(), flush=True)
    if args.report:
        Path(args.report).write_text(json.dumps(report.to_json(), indent=1))
    return 0 if not report.problems() else 1
