"""Requests to fuzz with, every kind of the protocol (engine/core/spec.py), made four ways:

- `random`: bytes of any shape, and bytes that are almost a request (a real kind's field
  number around noise, nesting deeper than any decoder allows);
- `structured`: an FfiRequest of a chosen kind filled by walking its descriptor, with values
  biased to the edges (0, -1, 2^31, 2^63-1, NaN, inf, huge strings), values that mean
  something for the field's name (rates, dimensions), enum numbers the protocol lacks,
  required fields left out, handles of the right type (or of another type, another
  session's, zero, unknown) and pointers into good or bad memory;
- `mutated`: a request that the engine accepted (recorded as the run goes, and the world's
  own set-up requests), changed at the byte or the field level, or spliced with another;
- `pointer` and `token`: the bad-pointer kinds with live handles and bad memory, and
  `connect` with malformed tokens (tools/fuzz/tokens.py).

A sample remembers which pool type each handle field was filled from, so a failure can be
replayed in a fresh session (tools/fuzz/corpus.py).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from lkemu.engine.core.spec import REQUESTS
from lkemu.proto import ffi_pb2

from . import tokens, values
from .values import FILE_FIELDS, NAMED, ScratchMemory

KINDS: tuple[str, ...] = tuple(REQUESTS)
_ONEOF = ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"]
FIELD_NUMBERS = {f.name: f.number for f in _ONEOF.fields}

# The kinds with a *_ptr field (tests/bad_pointers.py covers each way a pointer goes wrong).
POINTER_KINDS = (
    "capture_audio_frame",
    "remix_and_resample",
    "push_sox_resampler",
    "apm_process_stream",
    "apm_process_reverse_stream",
    "publish_data",
    "capture_video_frame",
    "video_convert",
    "capture_encoded_video_frame",
)

# Requests larger than this are not sent: moving 100 MB through protobuf and a socket takes
# longer than the latency bound by itself (a 1080p RGBA frame is 8 MB).
MAX_REQUEST_BYTES = 12 << 20

# Size fields that go with a pointer in the same message: kept inside the scratch memory
# most of the time, so the request reaches the work instead of the memory check.
_SIZE_FIELDS = {"size", "data_len", "samples_per_channel"}


@dataclass
class Sample:
    strategy: str
    kind: str  # "" when the bytes name no kind
    payload: bytes
    message: ffi_pb2.FfiRequest | None
    # Handle field path (within the kind's message) -> the pool type it came from
    # ("literal" for a value that is no live handle), for a replay elsewhere.
    handles: dict[str, str] = field(default_factory=dict)


class HandlePool:
    """The live handles a session holds, by the type of the message that handed them out
    (OwnedAudioSource, OwnedParticipant, ...). Bounded per type: the oldest is given back to
    be dropped when a type is full."""

    def __init__(self, per_type: int = 6) -> None:
        self.per_type = per_type
        self.by_type: dict[str, deque[int]] = {}
        self.pinned: set[int] = set()  # the world's own: never evicted

    def add(self, type_name: str, handle: int, pinned: bool = False) -> list[int]:
        """Remember a handle; returns those evicted (the caller drops them)."""
        if not handle:
            return []
        held = self.by_type.setdefault(type_name, deque())
        held.append(handle)
        if pinned:
            self.pinned.add(handle)
        evicted = []
        while len(held) > self.per_type:
            oldest = next((h for h in held if h not in self.pinned), None)
            if oldest is None:
                break
            held.remove(oldest)
            evicted.append(oldest)
        return evicted

    def forget(self, handle: int) -> None:
        for held in self.by_type.values():
            if handle in held:
                held.remove(handle)
        self.pinned.discard(handle)

    def all(self) -> Iterator[tuple[str, int]]:
        for type_name, held in self.by_type.items():
            for handle in held:
                yield type_name, handle

    def clear(self) -> None:
        self.by_type.clear()
        self.pinned.clear()

    def pick(self, field_name: str, rng: random.Random) -> tuple[str, int] | None:
        """A handle whose type fits the field's name ("source_handle": a source), else any."""
        stem = field_name.removesuffix("_handle").split("_")[-1].lower()
        fitting = [t for t, held in self.by_type.items() if held and stem in t.lower()]
        if not fitting or rng.random() < 0.15:
            fitting = [t for t, held in self.by_type.items() if held]
        if not fitting:
            return None
        type_name = rng.choice(fitting)
        return type_name, rng.choice(self.by_type[type_name])


class Generator:
    def __init__(
        self,
        seed: int,
        memory: ScratchMemory,
        pool: HandlePool,
        *,
        foreign: HandlePool | None = None,
        room: str = "fuzz",
        kinds: tuple[str, ...] = KINDS,
        scratch_dir: str = "/nonexistent",
        small_file: str = "/nonexistent",
    ) -> None:
        self.rng = random.Random(seed)
        self.memory = memory
        self.pool = pool
        self.foreign = foreign  # another session's handles (isolation)
        self.room = room
        self.kinds = kinds
        self.scratch_dir = scratch_dir
        self.small_file = small_file
        self.context: list[str] = ["fuzz", room]  # identities, sids, ids the world knows
        self.seeds: dict[str, deque[bytes]] = {}  # accepted requests by kind
        self._handles: dict[str, str] = {}

    # --- what the run learns --------------------------------------------------------

    def remember_accepted(self, sample: Sample) -> None:
        if sample.kind and sample.strategy != "random":
            self.seeds.setdefault(sample.kind, deque(maxlen=16)).append(sample.payload)

    def learn_strings(self, strings: list[str]) -> None:
        for text in strings:
            if text and text not in self.context and len(text) < 200:
                self.context.append(text)
        del self.context[:-64]

    # --- the strategies -------------------------------------------------------------

    def next(self) -> Sample:
        roll = self.rng.random()
        if roll < 0.05:
            return self.random_bytes()
        if roll < 0.55:
            return self.structured(self.rng.choice(self.kinds))
        if roll < 0.85:
            return self.mutated()
        if roll < 0.95:
            return self.pointer()
        return self.token()

    def random_bytes(self) -> Sample:
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:
            payload = rng.randbytes(rng.choice([0, 1, 2, 5, 16, 100, 1000, rng.randint(0, 4096)]))
        elif roll < 0.8:  # a real kind's tag with noise for its body
            number = rng.choice(list(FIELD_NUMBERS.values()))
            body = rng.randbytes(rng.randint(0, 300))
            payload = _tag(number, 2) + _varint(len(body)) + body
            if rng.random() < 0.2:  # a length that lies
                payload = _tag(number, 2) + _varint(rng.choice([2**31, 2**63, len(body) + 7]))
                payload += body
        else:  # nested deeper than decoders go
            depth = rng.choice([50, 99, 100, 101, 200, 5000])
            number = rng.choice(list(FIELD_NUMBERS.values()))
            inner = b""
            for _ in range(depth):
                inner = _tag(1, 2) + _varint(len(inner)) + inner
            payload = _tag(number, 2) + _varint(len(inner)) + inner
        return Sample("random", _kind_of(payload), payload, _decode(payload))

    def structured(self, kind: str, pointer_bias: float = 0.35) -> Sample:
        self._handles = {}
        request = ffi_pb2.FfiRequest()
        inner = getattr(request, kind)
        inner.SetInParent()
        self._fill(inner, kind, depth=0, pointer_bias=pointer_bias)
        body = inner.SerializePartialToString()
        if self.rng.random() < 0.08:
            body += self._bad_enum(inner.DESCRIPTOR)
        if len(body) > MAX_REQUEST_BYTES:  # a huge request tests the copying, not the engine
            return self.structured(kind, pointer_bias)
        payload = _tag(FIELD_NUMBERS[kind], 2) + _varint(len(body)) + body
        return Sample("structured", kind, payload, _decode(payload), dict(self._handles))

    def pointer(self) -> Sample:
        """A kind with a pointer, a live handle of its type mostly, and memory mostly bad."""
        sample = self.structured(self.rng.choice(POINTER_KINDS), pointer_bias=0.8)
        sample.strategy = "pointer"
        return sample

    def token(self) -> Sample:
        rng = self.rng
        request = ffi_pb2.FfiRequest()
        connect = request.connect
        connect.url = "ws://lkemu" if rng.random() < 0.9 else rng.choice(NAMED["url"])
        identity = rng.choice(["fuzz-token", "", "x" * 300, "é", "agent"])
        room = f"{self.room}-t{rng.randrange(4)}"
        if rng.random() < 0.15:
            connect.token = tokens.valid(identity or "fuzz-token", room)
        else:
            connect.token = tokens.malformed(rng, identity, room)
        connect.options.auto_subscribe = rng.random() < 0.5
        if rng.random() < 0.2:
            connect.options.connect_timeout_ms = rng.choice([0, 1, 100, 2**32 - 1])
            connect.options.join_retries = rng.choice([0, 1, 2**32 - 1])
        payload = request.SerializePartialToString()
        return Sample("token", "connect", payload, request)

    def mutated(self) -> Sample:
        rng = self.rng
        kinds = [k for k in self.kinds if self.seeds.get(k)]
        if not kinds:
            return self.structured(rng.choice(self.kinds))
        kind = rng.choice(kinds)
        seed = rng.choice(self.seeds[kind])
        roll = rng.random()
        if roll < 0.45:
            payload = self._mutate_bytes(seed)
        elif roll < 0.9:
            payload = self._mutate_field(seed)
        else:
            other_kind = rng.choice(kinds)
            other = rng.choice(self.seeds[other_kind])
            payload = seed[: rng.randint(0, len(seed))] + other[rng.randint(0, len(other)) :]
        return Sample("mutated", _kind_of(payload), payload, _decode(payload))

    # --- structured filling ---------------------------------------------------------

    def _fill(self, message: Message, path: str, depth: int, pointer_bias: float) -> None:
        rng = self.rng
        descriptor = message.DESCRIPTOR
        chosen_oneofs = {
            oneof.name: rng.choice(oneof.fields) for oneof in descriptor.oneofs if oneof.fields
        }
        for fd in descriptor.fields:
            oneof = fd.containing_oneof
            # Of a oneof, one member (now and then two: the last one wins).
            if (
                oneof is not None
                and chosen_oneofs.get(oneof.name) is not fd
                and rng.random() > 0.05
            ):
                continue
            if fd.is_required:
                if rng.random() < 0.06:
                    continue  # a required field left out
            elif rng.random() < 0.4:
                continue
            where = f"{path}.{fd.name}"
            if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
                entries = getattr(message, fd.name)
                for _ in range(rng.choice([0, 1, 2, 3, 50]) if depth < 3 else 0):
                    key = values.edge_string(rng, self.context)[:300]
                    value_field = fd.message_type.fields_by_name["value"]
                    if value_field.type == FieldDescriptor.TYPE_STRING:
                        entries[key] = values.edge_string(rng, self.context)
                continue
            if fd.message_type is not None:
                if depth >= 4:
                    continue
                if fd.is_repeated:
                    items = getattr(message, fd.name)
                    for _ in range(rng.choice([0, 1, 1, 2, 3, 30])):
                        self._fill(items.add(), f"{where}[]", depth + 1, pointer_bias)
                else:
                    self._fill(getattr(message, fd.name), where, depth + 1, pointer_bias)
                    getattr(message, fd.name).SetInParent()
                continue
            if fd.is_repeated:
                count = rng.choice([0, 1, 2, 3, 100]) if rng.random() < 0.99 else 10_000
                if count > 3 and fd.type in (
                    FieldDescriptor.TYPE_STRING,
                    FieldDescriptor.TYPE_BYTES,
                ):
                    getattr(message, fd.name).extend(
                        rng.choice(["", "a", "TR_x", "\x00"]) for _ in range(count)
                    )
                    continue
                getattr(message, fd.name).extend(
                    self._scalar(fd, where, pointer_bias) for _ in range(count)
                )
                continue
            setattr(message, fd.name, self._scalar(fd, where, pointer_bias))
        self._fit_sizes(message, pointer_bias)

    def _scalar(self, fd: Any, where: str, pointer_bias: float) -> Any:
        rng = self.rng
        name = fd.name
        if name.endswith("_handle") and fd.type == FieldDescriptor.TYPE_UINT64:
            return self._handle(name, where)
        if name.endswith("_ptr"):
            if rng.random() < pointer_bias:
                return self.memory.bad(rng)
            return self.memory.good(rng, 4096, align=rng.choice([1, 2, 4, 8]))
        if name in FILE_FIELDS:
            return rng.choice(
                [
                    "",
                    "/nonexistent/fuzz",
                    self.scratch_dir,
                    self.small_file,
                    "relative/x",
                    f"{self.scratch_dir}/missing",
                    "\x00",
                    "/",
                ]
            )
        if name in ("name_override", "name") and "write_to_file" in where:
            return rng.choice(["f.bin", "", ".", "..", "../escape", "a/b", "x" * 300, "\x00"])
        if fd.type == FieldDescriptor.TYPE_ENUM:
            numbers = [v.number for v in _enum_values(fd)]
            return rng.choice(numbers)
        named = NAMED.get(name)
        if named is not None and rng.random() < 0.7:
            value = rng.choice(named)
            if _fits(fd, value):
                return value
        if fd.type == FieldDescriptor.TYPE_BOOL:
            return rng.random() < 0.5
        if fd.type == FieldDescriptor.TYPE_STRING:
            return values.edge_string(rng, self.context)
        if fd.type == FieldDescriptor.TYPE_BYTES:
            return values.edge_bytes(rng)
        if fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return values.edge_double(rng, single=fd.type == FieldDescriptor.TYPE_FLOAT)
        return values.edge_int(fd, rng)

    def _handle(self, name: str, where: str) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.72:
            picked = self.pool.pick(name, rng)
            if picked is not None:
                self._handles[where.split(".", 1)[1]] = picked[0]
                return picked[1]
        if roll < 0.8 and self.foreign is not None:
            picked = self.foreign.pick(name, rng)
            if picked is not None:
                self._handles[where.split(".", 1)[1]] = "foreign:" + picked[0]
                return picked[1]
        return int(rng.choice([0, 0, 1, 2**48, 2**48 + 1, 2**63, 2**64 - 1, 987_654_321]))

    def _fit_sizes(self, message: Message, pointer_bias: float) -> None:
        """Sizes next to a good pointer: within the scratch memory, mostly."""
        rng = self.rng
        names = message.DESCRIPTOR.fields_by_name
        if "data_ptr" not in names or rng.random() < 0.25:
            return
        for size_name in _SIZE_FIELDS & set(names):
            fd = names[size_name]
            if fd.is_repeated:
                continue
            bound = 1 << 20 if rng.random() < 0.9 else self.memory.size
            value = rng.choice([0, 1, 2, 160, 480, 960, 1920, 4410, rng.randint(0, bound)])
            if _fits(fd, value):
                setattr(message, size_name, value)

    def _bad_enum(self, descriptor: Descriptor) -> bytes:
        """A value for one of the message's enum fields that its enum does not have."""
        enums = [f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_ENUM]
        if not enums:
            return b""
        fd = self.rng.choice(enums)
        value = self.rng.choice(
            [99, 2**31 - 1, -1, 1000, max(v.number for v in _enum_values(fd)) + 1]
        )
        return _tag(fd.number, 0) + _varint(value & (2**64 - 1))

    # --- mutation -------------------------------------------------------------------

    def _mutate_bytes(self, seed: bytes) -> bytes:
        rng = self.rng
        data = bytearray(seed)
        for _ in range(rng.choice([1, 1, 2, 4, 8])):
            op = rng.randrange(7)
            position = rng.randrange(len(data) + 1)
            if op == 0 and data:  # flip a bit
                index = min(position, len(data) - 1)
                data[index] ^= 1 << rng.randrange(8)
            elif op == 1 and data:  # an edge byte
                data[min(position, len(data) - 1)] = rng.choice([0, 0x7F, 0x80, 0xFF, 0x01])
            elif op == 2:  # insert noise
                data[position:position] = rng.randbytes(rng.randint(1, 16))
            elif op == 3 and data:  # cut a stretch
                end = min(len(data), position + rng.randint(1, 16))
                del data[position:end]
            elif op == 4:  # repeat a stretch
                chunk = data[position : position + rng.randint(1, 32)]
                data[position:position] = chunk * rng.randint(1, 8)
            elif op == 5:
                del data[position:]
            else:  # a varint at its widest
                data[position:position] = b"\xff" * 9 + b"\x01"
        return bytes(data)

    def _mutate_field(self, seed: bytes) -> bytes:
        """Decode, change one scalar anywhere in the message to an edge value (or clear a
        field, or fill an empty message), encode."""
        rng = self.rng
        request = _decode(seed)
        if request is None or request.WhichOneof("message") is None:
            return self._mutate_bytes(seed)
        kind = request.WhichOneof("message")
        inner = getattr(request, kind)
        scalars: list[tuple[Message, Any]] = []
        stack: list[Message] = [inner]
        while stack:
            current = stack.pop()
            for fd in current.DESCRIPTOR.fields:
                if fd.message_type is not None:
                    if fd.is_repeated:
                        if not fd.message_type.GetOptions().map_entry:
                            stack.extend(getattr(current, fd.name))
                    elif current.HasField(fd.name):
                        stack.append(getattr(current, fd.name))
                    else:
                        scalars.append((current, fd))
                elif not fd.is_repeated:
                    scalars.append((current, fd))
        if not scalars:
            return self._mutate_bytes(seed)
        for _ in range(rng.choice([1, 1, 2, 3])):
            holder, fd = rng.choice(scalars)
            if fd.message_type is not None:
                self._fill(getattr(holder, fd.name), kind, depth=2, pointer_bias=0.3)
                getattr(holder, fd.name).SetInParent()
            elif rng.random() < 0.15:
                holder.ClearField(fd.name)
            else:
                setattr(holder, fd.name, self._scalar(fd, f"{kind}.{fd.name}", 0.3))
        return request.SerializePartialToString()


def _enum_values(fd: Any) -> list[Any]:
    return list(fd.enum_type.values) if fd.enum_type is not None else []


def _fits(fd: Any, value: Any) -> bool:
    """Whether `value` can be set on the field (protobuf refuses out-of-range numbers)."""
    kind = fd.type
    if kind == FieldDescriptor.TYPE_STRING:
        return isinstance(value, str)
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return isinstance(value, float)
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    ranges = {
        FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
        FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
        FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
        FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    }
    low, high = ranges.get(kind, (-(2**63), 2**64 - 1))
    return low <= value <= high


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _tag(number: int, wire_type: int) -> bytes:
    return _varint((number << 3) | wire_type)


def _decode(payload: bytes) -> ffi_pb2.FfiRequest | None:
    try:
        return ffi_pb2.FfiRequest.FromString(payload)
    except (DecodeError, RecursionError, ValueError):
        return None


def _kind_of(payload: bytes) -> str:
    request = _decode(payload)
    return (request.WhichOneof("message") or "") if request is not None else ""


def kind_of(payload: bytes) -> str:
    return _kind_of(payload)


def decode(payload: bytes) -> ffi_pb2.FfiRequest | None:
    return _decode(payload)
