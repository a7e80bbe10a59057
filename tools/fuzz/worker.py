"""One fuzzing client process: `python -m tools.fuzz.worker --address ADDR --mode MODE ...`.

Modes: `ffi-local` and `ffi-engine` (lkemu's FfiClient with the local lane on or off; these
also run the isolation cases against a second session of their own) and `dropin` (the real
SDK on the drop-in). Requests come from tools/fuzz/generate.py against a world of live
handles (tools/fuzz/world.py), rebuilt in a new session every so often.

It writes, in --dir: failures-ID.jsonl (as they happen), crumb-ID.bin (the request in
flight) and stats-ID-PID.json (at the end). Exit status: 0 at the deadline, 3 when it ended
its session early and wants to be started again (the drop-in has one session a process),
2 when the engine went away.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import os
import random
import re
import sys
import time
import warnings
from typing import Any

from .generate import Generator, HandlePool, Sample
from .record import Breadcrumb, FailureLog, Stats, failure_record
from .transport import INTERNAL_MARKERS, DropinTransport, FfiTransport, Outcome, Transport
from .values import ScratchMemory
from .world import World, async_id_of, build, callback_error, names_in

SLOW_S = 1.0  # a request answered later than this is a failure
EXIT_RESPAWN, EXIT_ENGINE_LOST = 3, 2
_INTERNAL_KIND = re.compile(r"internal error in (\w+)")
# A callback owed longer than this while its session lives is a failure. The longest waits
# native itself has: an RPC's response timeout (the fuzzer keeps them short), a data blob's
# 5 s, a stream read that waits for its writer (the world's streams are never finished: a
# read_all of one waits until the session ends, as natively).
CALLBACK_DEADLINE_S = 15.0
WAITS_FOR_PEERS = {"byte_read_all", "text_read_all", "byte_write_to_file"}


def callback_deadline(sample: Sample) -> float:
    """How long a request's callback may take, as native would take it: a capture waits
    while its audio plays (the queue drains in real time), an RPC for its timeouts."""
    message = sample.message
    if message is None:
        return CALLBACK_DEADLINE_S
    if sample.kind == "capture_audio_frame":
        # Completed once the source's queue is back to its size: a source the fuzzer made
        # may hold up to 10 minutes (MAX_QUEUE_MS), draining in real time, as natively.
        buffer = message.capture_audio_frame.buffer
        duration = buffer.samples_per_channel / max(buffer.sample_rate, 1)
        return CALLBACK_DEADLINE_S + duration + 2 * 600
    if sample.kind == "perform_rpc":
        rpc = message.perform_rpc
        timeout = rpc.response_timeout_ms if rpc.HasField("response_timeout_ms") else 15_000
        latency = (
            rpc.max_round_trip_latency_ms if rpc.HasField("max_round_trip_latency_ms") else 7_000
        )
        return CALLBACK_DEADLINE_S + (timeout + latency) / 1000
    return CALLBACK_DEADLINE_S


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.address: str = args.address
        self.mode: str = args.mode
        self.rng = random.Random(args.seed)
        self.deadline = time.monotonic() + args.seconds
        self.stats = Stats()
        self.failures = FailureLog(os.path.join(args.dir, f"failures-{args.id}.jsonl"))
        self.crumb = Breadcrumb(os.path.join(args.dir, f"crumb-{args.id}.bin"))
        self.memory = ScratchMemory(seed=args.seed)
        self.scratch_dir = os.path.join(args.dir, f"files-{args.id}", "a", "b")
        os.makedirs(self.scratch_dir, exist_ok=True)
        small_file = os.path.join(self.scratch_dir, "small.bin")
        with open(small_file, "wb") as file:
            file.write(os.urandom(3000))
        self.pool = HandlePool()
        self.victim_pool = HandlePool()
        self.generator = Generator(
            self.rng.getrandbits(64),
            self.memory,
            self.pool,
            room="",
            scratch_dir=self.scratch_dir,
            small_file=small_file,
        )
        self.sessions = 0
        self.transport: Transport | None = None
        self.world: World | None = None
        self.victim: Any = None
        self.victim_transport: FfiTransport | None = None
        self.intrusion: Any = None
        self.outstanding: dict[int, tuple[str, float, Sample]] = {}
        self.control: Any = None

    # --- sessions -----------------------------------------------------------------------

    def open_session(self) -> None:
        self.sessions += 1
        self.stats.sessions += 1
        room = f"fuzz-{self.args.id}-{os.getpid()}-{self.sessions}"
        self.pool.clear()
        if self.mode == "dropin":
            self.transport = DropinTransport(self.address)
        else:
            self.transport = FfiTransport(self.address, local_lane=self.mode == "ffi-local")
        if self.control is None:
            from lkemu.bindings import EngineControl

            self.control = EngineControl.connect(self.address)
        self.world = build(
            self.transport, self.pool, room, f"fuzzer-{self.args.id}", control=self.control
        )
        self.generator.room = room
        self.generator.learn_strings(self.world.strings)
        self.take_events(self.world.pending_events)
        self.world.pending_events.clear()
        if self.mode != "dropin":
            self.open_victim(room)

    def open_victim(self, room: str) -> None:
        """A second session of this process, whose handles the intrusion cases go after."""

        from .isolation import Intrusion

        self.close_victim()
        self.victim_pool.clear()
        self.victim_transport = FfiTransport(self.address, local_lane=False)
        self.victim = self.victim_transport.client
        build(self.victim_transport, self.victim_pool, room + "-v", "victim", streams=False)
        self.generator.foreign = self.victim_pool
        assert isinstance(self.transport, FfiTransport)
        self.intrusion = Intrusion(
            self.address, self.transport.client, self.victim, self.victim_pool, self.rng
        )

    def close_victim(self) -> None:
        if self.intrusion is not None:
            self.intrusion.close()
            self.intrusion = None
        if self.victim is not None:
            self.victim.close()
            self.victim = self.victim_transport = None
        self.generator.foreign = None

    def close_session(self) -> None:
        """Wait a moment for the callbacks still owed, count those never sent, close."""
        deadline = time.monotonic() + 0.2
        while self.outstanding and time.monotonic() < deadline:
            self.take_events()
            time.sleep(0.01)
        for kind, _, _ in self.outstanding.values():
            # Cut short by the session's end (its work is cancelled, nobody waits): counted,
            # not a failure. A callback owed too long while the session lives is one.
            self.stats.unanswered[kind] += 1
        self.outstanding.clear()
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        self.close_victim()
        if self.world is not None and self.world.remote and self.control is not None:
            # The participant the engine plays for this world stays in its room until told:
            # what the engine holds at the end is then only what clients left behind.
            with contextlib.suppress(Exception):
                self.control.close_room(self.world.room)

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        self.open_session()
        count = 0
        recycle = self.args.recycle
        while time.monotonic() < self.deadline:
            sample = self.generator.next()
            if sample.kind == "dispose" and self.rng.random() > 0.01:
                continue  # a dispose ends the world: now and then only
            outcome = self.send(sample)
            count += 1
            if outcome.ok and sample.kind == "dispose":
                if self.mode == "dropin":
                    return EXIT_RESPAWN
                self.close_session()
                self.open_session()
                continue
            if count % 8 == 0:
                self.take_events()
            if self.intrusion is not None and count % self.args.isolation_every == 0:
                self.isolate()
            if count % 64 == 0:
                self.memory.refresh(self.rng)
            if count % self.args.extreme_every == 0:
                self.extreme()
            if count % recycle == 0:
                if self.mode == "dropin":
                    return EXIT_RESPAWN
                self.close_session()
                self.open_session()
        return 0

    def send(self, sample: Sample) -> Outcome:
        assert self.transport is not None and self.world is not None
        self.crumb.write(sample)
        outcome = self.transport.send(sample)
        self.stats.record(sample, outcome.seconds, outcome.ok)
        if outcome.internal:
            self.fail("internal", sample, outcome.error)
        if outcome.seconds > SLOW_S:
            self.slow(sample, outcome.seconds)
        if outcome.ok and outcome.response is not None:
            self.generator.remember_accepted(sample)
            for handle in self.world.learn(outcome.response):
                self.drop(handle)
            async_id = async_id_of(outcome.response)
            if async_id:
                self.outstanding[async_id] = (sample.kind, time.monotonic(), sample)
        return outcome

    def extreme(self) -> None:
        """One request at the edge of lkemu's limits (tools/fuzz/extremes.py)."""
        from .extremes import Extremes
        from .generate import decode, kind_of

        assert self.world is not None
        extremes = Extremes()
        choices = list(extremes.requests({"participant": self.world.local_participant}))
        _, request = self.rng.choice(choices)
        payload = request.SerializePartialToString()
        self.send(Sample("extreme", kind_of(payload), payload, decode(payload)))

    def slow(self, sample: Sample, seconds: float) -> None:
        """A request answered after more than a second: sent again, to tell a request that
        is slow (a failure) from a machine that was busy (two cores shared with others):
        counted apart, and reported."""
        assert self.transport is not None
        time.sleep(0.2)
        again = self.transport.send(sample)
        detail = f"{sample.kind} took {seconds:.3f} s, then {again.seconds:.3f} s"
        failure = "slow" if again.seconds > SLOW_S else "slow-once"
        self.fail(failure, sample, detail, seconds=seconds, again_seconds=again.seconds)

    def drop(self, handle: int) -> None:
        assert self.transport is not None
        self.transport.drop(handle)

    def take_events(self, events: list[Any] | None = None) -> None:
        assert self.transport is not None and self.world is not None
        for event in events if events is not None else self.transport.take_events():
            async_id = async_id_of(event)
            owed = self.outstanding.pop(async_id, None) if async_id else None
            error = callback_error(event)
            if owed is not None:
                kind, sent, sample = owed
                self.stats.callbacks[kind].add(time.monotonic() - sent, not error)
                if any(marker in error for marker in INTERNAL_MARKERS):
                    self.fail("internal", sample, error)
            for handle in self.world.learn(event):
                self.drop(handle)
            which = event.WhichOneof("message")
            if which not in ("audio_stream_event", "video_stream_event", "logs"):
                self.generator.learn_strings(names_in(event))
        now = time.monotonic()
        for async_id, (kind, sent, sample) in list(self.outstanding.items()):
            if now - sent > callback_deadline(sample) and kind not in WAITS_FOR_PEERS:
                del self.outstanding[async_id]
                self.fail("unanswered", sample, f"{kind}: no callback after {now - sent:.0f} s")
        for message in self.transport.take_internal_logs():
            found = _INTERNAL_KIND.search(message)
            kind = found.group(1) if found else ""
            self.stats.internal += 1
            self.failures.add(
                failure_record("internal", None, message, kind=kind, transport=self.mode)
            )

    def isolate(self) -> None:
        if self.victim_transport is not None:
            self.victim_transport.take_events()  # a few room events: nobody reads them
        name, problem = self.intrusion.one(self.generator)
        self.stats.isolation_cases[name] += 1
        if problem is not None:
            self.fail("isolation", None, f"{name}: {problem}")

    def fail(self, failure: str, sample: Sample | None, detail: str, **extra: Any) -> None:
        if failure == "internal":
            self.stats.internal += 1
        self.failures.add(
            failure_record(
                failure, sample, detail, transport=self.mode, seed=self.args.seed, **extra
            )
        )

    def finish(self) -> None:
        import json

        path = os.path.join(self.args.dir, f"stats-{self.args.id}-{os.getpid()}.json")
        data = self.stats.to_json()
        data["failure_counts"] = self.failures.counts()
        with open(path, "w") as out:
            json.dump(data, out)
        self.crumb.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.fuzz.worker")
    parser.add_argument("--address", required=True)
    parser.add_argument("--mode", choices=("ffi-local", "ffi-engine", "dropin"), required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--recycle", type=int, default=8000)
    parser.add_argument("--isolation-every", type=int, default=150)
    parser.add_argument("--extreme-every", type=int, default=2000)
    args = parser.parse_args(argv)
    faulthandler.enable()  # a crash prints where it happened (the run shows its stderr)
    warnings.simplefilter("ignore")  # PyJWT's warning about the development key's length
    worker = Worker(args)
    status = 0
    try:
        status = worker.run()
        worker.close_session()
    except Exception as error:
        from lkemu.bindings import EngineUnavailable

        if not isinstance(error, EngineUnavailable):
            raise
        worker.fail("engine-lost", None, str(error))
        status = EXIT_ENGINE_LOST
    finally:
        worker.finish()
    return status


if __name__ == "__main__":
    sys.exit(main())
