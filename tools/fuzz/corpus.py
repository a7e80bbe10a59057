"""Failures the fuzzer found, kept as regression cases: shrunk, then written as small JSON
files in tests/fuzz_corpus, which tests/test_fuzz.py replays on every `make test`.

A case is a request (hex) and, for each handle field it had, the type of handle it held: a
replay builds a fresh world (tools/fuzz/world.py) and puts a live handle of that type there.
Shrinking clears fields, drops repeated items, shortens strings and bytes and cuts raw bytes
for as long as the failure stays, within a budget of replays.

    python -m tools.fuzz.corpus replay [--transport dropin] FILE...   (one JSON line each)
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from lkemu.proto import ffi_pb2

from .generate import HandlePool, Sample, decode, kind_of
from .transport import INTERNAL_MARKERS, Transport
from .world import World, async_id_of, build, callback_error

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fuzz_corpus"
# What a replay can show again; the others (isolation, a crash of the engine) are reported
# by the run, and get a test of their own by hand.
REPLAYABLE = {"internal", "slow", "unanswered", "client-crash"}
CALLBACK_WAIT_S = 3.0


@dataclass
class Replayed:
    answered: bool  # the request was answered (refused or not) and its callback sent
    ok: bool
    seconds: float
    internal: list[str]
    callback_s: float | None  # when its callback came, for an async request

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


class Replayer:
    """A session with a world, where corpus cases are sent."""

    def __init__(self, transport: Transport, control: Any = None) -> None:
        self.transport = transport
        self.pool = HandlePool(per_type=64)
        self.world: World = build(
            transport, self.pool, f"replay-{id(self)}", "replayer", control=control
        )
        self.world.pending_events.clear()

    def sample(self, case: dict[str, Any]) -> Sample:
        payload = bytes.fromhex(case["request_hex"])
        handles: dict[str, str] = case.get("handles", {})
        message = decode(payload)
        if message is not None and handles:
            kind = message.WhichOneof("message")
            inner = getattr(message, kind) if kind else None
            for path, type_name in handles.items():
                held = list(self.pool.by_type.get(type_name, []))
                if inner is not None and held:
                    _set_path(inner, path, held[-1])
            payload = message.SerializePartialToString()
        return Sample("replay", kind_of(payload), payload, message, dict(handles))

    def replay(self, case: dict[str, Any]) -> Replayed:
        sample = self.sample(case)
        self.transport.take_events()
        self.transport.take_internal_logs()
        outcome = self.transport.send(sample)
        internal = [outcome.error] if outcome.internal else []
        callback_s = None
        answered = True
        async_id = async_id_of(outcome.response) if outcome.ok and outcome.response else 0
        if outcome.ok and outcome.response is not None:
            for handle in self.world.learn(outcome.response):
                self.transport.drop(handle)
        if async_id:
            started = time.monotonic()
            event = self.world.wait_callback(async_id, CALLBACK_WAIT_S)
            if event is None:
                answered = False
            else:
                callback_s = time.monotonic() - started
                error = callback_error(event)
                if any(marker in error for marker in INTERNAL_MARKERS):
                    internal.append(error)
        else:
            time.sleep(0.05)  # logs of a failure come as an event
        self.world.pending_events.clear()
        internal += self.transport.take_internal_logs()
        return Replayed(answered, outcome.ok, outcome.seconds, internal, callback_s)


def still_fails(case: dict[str, Any], result: Replayed) -> bool:
    failure = case["failure"]
    if failure == "internal":
        return bool(result.internal)
    if failure == "slow":
        return result.seconds > 1.0
    if failure == "unanswered":
        return not result.answered
    return False


def shrink(
    case: dict[str, Any], fails: Callable[[dict[str, Any]], bool], budget: int = 150
) -> dict[str, Any]:
    """The smallest request (by these steps) that still fails, within `budget` replays."""
    best = dict(case)
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for candidate in _smaller(bytes.fromhex(best["request_hex"])):
            tries += 1
            trial = {**best, "request_hex": candidate.hex()}
            if fails(trial):
                best = trial
                improved = True
                break
            if tries >= budget:
                break
    request = decode(bytes.fromhex(best["request_hex"]))
    if request is not None:  # handle fields cleared away are not replayed any more
        kind = request.WhichOneof("message")
        inner = getattr(request, kind) if kind else None
        best["handles"] = {
            p: t
            for p, t in best.get("handles", {}).items()
            if inner is not None and _has_path(inner, p)
        }
    return best


def _smaller(payload: bytes) -> Iterator[bytes]:
    request = decode(payload)
    if request is None or request.WhichOneof("message") is None:
        for size in (len(payload) // 2, len(payload) // 4, 16):
            for start in range(0, len(payload), max(1, size)):
                if size:
                    yield payload[:start] + payload[start + size :]
        return
    for reduce in _reductions(request):
        candidate = ffi_pb2.FfiRequest()
        candidate.CopyFrom(request)
        if reduce(candidate):
            encoded = candidate.SerializePartialToString()
            if len(encoded) < len(payload) or encoded != payload:
                yield encoded


def _reductions(request: ffi_pb2.FfiRequest) -> list[Callable[[ffi_pb2.FfiRequest], bool]]:
    """Each a way to make the request smaller, applied to a copy (True if it changed it)."""
    found: list[Callable[[ffi_pb2.FfiRequest], bool]] = []

    def add(here: tuple[Any, ...], how: str) -> None:
        found.append(partial(_apply, path=here, how=how))

    def visit(message: Message, path: tuple[Any, ...]) -> None:
        for fd, value in message.ListFields():
            here = (*path, fd.name)
            add(here, "clear")
            if fd.is_repeated and len(value) > 1:
                add(here, "halve")
                add(here, "drop_first")
            if fd.message_type is not None and not fd.is_repeated:
                visit(value, here)
            elif fd.message_type is not None and not fd.message_type.GetOptions().map_entry:
                for index, item in enumerate(value):
                    visit(item, (*here, index))
            elif fd.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
                if not fd.is_repeated and len(value) > 1:
                    add(here, "shorten")
            elif not fd.is_repeated and fd.type != FieldDescriptor.TYPE_BOOL and value:
                add(here, "zero")

    kind = request.WhichOneof("message")
    if kind is not None:
        visit(getattr(request, kind), (kind,))
    return found


def _apply(request: Message, path: tuple[Any, ...], how: str) -> bool:
    holder: Any = request
    for step in path[:-1]:
        holder = holder[step] if isinstance(step, int) else getattr(holder, step)
    name = path[-1]
    if how == "clear":
        if len(path) == 1:
            return False  # the kind itself stays
        holder.ClearField(name)
        return True
    value = getattr(holder, name)
    if how == "halve":
        del value[len(value) // 2 :]
    elif how == "drop_first":
        del value[0]
    elif how == "shorten":
        setattr(holder, name, value[: len(value) // 2])
    elif how == "zero":
        setattr(holder, name, type(value)(0))
    return True


def _set_path(message: Any, path: str, value: int) -> None:
    *parents, last = path.split(".")
    for part in parents:
        message = getattr(message, part.removesuffix("[]"))
    if hasattr(message, last):
        setattr(message, last, value)


def _has_path(message: Any, path: str) -> bool:
    *parents, last = path.split(".")
    for part in parents:
        if not message.HasField(part):
            return False
        message = getattr(message, part)
    return bool(message.HasField(last)) if last in message.DESCRIPTOR.fields_by_name else False


def case_name(case: dict[str, Any]) -> str:
    digest = hashlib.sha1(bytes.fromhex(case["request_hex"])).hexdigest()[:10]
    return f"{case['failure']}-{case.get('kind') or 'bytes'}-{digest}.json"


def save_failures(
    failures: list[dict[str, Any]], folder: Path, address: str | None = None
) -> list[str]:
    """Write the replayable failures (shrunk when `address` names a live engine to replay
    on) to `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    replayer = None
    if address is not None:
        from .transport import FfiTransport

        transport = FfiTransport(address, local_lane=True)
        replayer = Replayer(transport, control=transport.client.control)
    written = []
    try:
        for failure in failures:
            if failure["failure"] not in REPLAYABLE or not failure.get("request_hex"):
                continue
            case = {
                key: failure.get(key)
                for key in (
                    "failure",
                    "kind",
                    "detail",
                    "transport",
                    "strategy",
                    "handles",
                    "request_hex",
                    "seed",
                )
            }
            case["found"] = datetime.date.today().isoformat()
            if replayer is not None and case["failure"] != "client-crash":
                first = replayer.replay(case)
                if still_fails(case, first):
                    current = replayer

                    def fails(trial: dict[str, Any], current: Replayer = current) -> bool:
                        return still_fails(trial, current.replay(trial))

                    case = shrink(case, fails)
                    case["reproduced"] = True
                else:
                    case["reproduced"] = False
            path = folder / case_name(case)
            if not path.exists():
                path.write_text(json.dumps(case, indent=1) + "\n")
                written.append(str(path))
    finally:
        if replayer is not None:
            replayer.transport.close()
    return written


def load(folder: Path = CORPUS) -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.fuzz.corpus")
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser("replay")
    replay.add_argument(
        "--transport", choices=("ffi-local", "ffi-engine", "dropin"), default="ffi-local"
    )
    replay.add_argument("--address", required=True)
    replay.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from .transport import DropinTransport, FfiTransport

    transport: Transport
    control = None
    if args.transport == "dropin":
        from lkemu.bindings import EngineControl

        transport = DropinTransport(args.address)
        control = EngineControl.connect(args.address)
    else:
        transport = FfiTransport(args.address, local_lane=args.transport == "ffi-local")
        control = transport.client.control
    replayer = Replayer(transport, control)
    for file in args.files:
        case = json.loads(Path(file).read_text())
        result = replayer.replay(case)
        print(json.dumps({"file": Path(file).name, **result.to_json()}), flush=True)
    transport.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
