"""Client memory behind the protocol's *_ptr fields.

Outgoing: the bytes a request's pointers name are read from this process and shipped as
INPUT blobs. Incoming: IN_PLACE blobs are copied back to this process's memory; OWNED and
LENT blobs are copied into buffers that stay valid until their owner handle is dropped (or,
for LENT, until the owner's next call), and the pointer fields are rewritten to point at
them. Which fields are pointers, and how many bytes each names, is read off the protocol
once.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from lkemu.engine.wire import shared_blobs
from lkemu.proto import ffi_pb2, video_frame_pb2
from lkemu.proto.engine_pb2 import Blob
from lkemu.proto.video_frame_pb2 import VideoBufferType

from .client_files import read_for_request

if TYPE_CHECKING:  # the descriptors of protobuf's default implementation (upb)
    from google._upb._message import Descriptor as UpbDescriptor
    from google._upb._message import FieldDescriptor as UpbFieldDescriptor


def _is_pointer(field: FieldDescriptor | UpbFieldDescriptor) -> bool:
    return field.name.endswith("_ptr") and field.type == FieldDescriptor.TYPE_UINT64


def _types_with_pointers(root: Descriptor | UpbDescriptor) -> set[str]:
    """Full names of message types that hold a pointer field, directly or nested."""
    found: set[str] = set()
    visiting: set[str] = set()

    def visit(descriptor: Descriptor | UpbDescriptor) -> bool:
        name = descriptor.full_name
        if name in found:
            return True
        if name in visiting:
            return False
        visiting.add(name)
        has = any(_is_pointer(f) for f in descriptor.fields)
        for field in descriptor.fields:
            if field.message_type is not None and visit(field.message_type):
                has = True
        if has:
            found.add(name)
        return has

    visit(root)
    return found


_WITH_POINTERS = (
    _types_with_pointers(ffi_pb2.FfiRequest.DESCRIPTOR)
    | _types_with_pointers(ffi_pb2.FfiResponse.DESCRIPTOR)
    | _types_with_pointers(ffi_pb2.FfiEvent.DESCRIPTOR)
)


class _Plan:
    """Where, in one message type, pointers can hide: its own pointer fields, and the
    sub-message fields (plain, inside a oneof, repeated) that lead to one, each with the
    plan of the type it leads to. Plans are linked once, so a walk does no lookups."""

    def __init__(self, descriptor: Descriptor) -> None:
        self.pointers = [f.name for f in descriptor.fields if _is_pointer(f)]
        self._leads = [
            f for f in descriptor.fields
            if f.message_type is not None and f.message_type.full_name in _WITH_POINTERS
        ]  # fmt: skip
        self.repeated: list[tuple[str, _Plan]] = []
        self.singular: list[tuple[str, _Plan]] = []
        self.oneofs: dict[str, dict[str, _Plan]] = {}

    def link(self) -> None:
        for field in self._leads:
            child = _plan(field.message_type)
            if field.is_repeated:
                self.repeated.append((field.name, child))
            elif field.containing_oneof is not None:
                self.oneofs.setdefault(field.containing_oneof.name, {})[field.name] = child
            else:
                self.singular.append((field.name, child))


_PLANS: dict[str, _Plan] = {}


def _plan(descriptor: Any) -> _Plan:  # a Descriptor, of either protobuf implementation
    plan = _PLANS.get(descriptor.full_name)
    if plan is None:
        plan = _PLANS[descriptor.full_name] = _Plan(descriptor)
        plan.link()  # after registering: message types may lead back to themselves
    return plan


def _holders(message: Message, plan: _Plan, found: list[tuple[Message, list[str]]]) -> None:
    if plan.pointers:
        found.append((message, plan.pointers))
    for oneof, cases in plan.oneofs.items():
        chosen = message.WhichOneof(oneof)
        child = cases.get(chosen) if chosen is not None else None
        if child is not None:
            _holders(getattr(message, chosen), child, found)
    for name, child in plan.singular:
        if message.HasField(name):
            _holders(getattr(message, name), child, found)
    for name, child in plan.repeated:
        for item in getattr(message, name):
            _holders(item, child, found)


def _walk(message: Message) -> list[tuple[Message, list[str]]]:
    """Every sub-message (message included) that has pointer fields, with their names."""
    if message.DESCRIPTOR.full_name not in _WITH_POINTERS:
        return []
    found: list[tuple[Message, list[str]]] = []
    _holders(message, _plan(message.DESCRIPTOR), found)
    return found


# Bytes per plane layout, as the SDK computes them (VideoFrame's plane lengths).
def video_buffer_length(kind: VideoBufferType, width: int, height: int) -> int:
    t = video_frame_pb2.VideoBufferType
    cw, ch = (width + 1) // 2, (height + 1) // 2
    lengths = {
        t.RGBA: width * height * 4,
        t.ABGR: width * height * 4,
        t.ARGB: width * height * 4,
        t.BGRA: width * height * 4,
        t.RGB24: width * height * 3,
        t.I420: width * height + cw * ch * 2,
        t.I420A: width * height * 2 + cw * ch * 2,
        t.I422: width * height + cw * height * 2,
        t.I444: width * height * 3,
        t.I010: width * height * 2 + cw * ch * 4,
        t.NV12: width * height + cw * ch * 2,
    }
    return lengths.get(kind, 0)


def _video_region(info: Message) -> tuple[int, int]:
    start = info.data_ptr  # type: ignore[attr-defined]
    end = start + video_buffer_length(info.type, info.width, info.height)  # type: ignore[attr-defined]
    if info.HasField("stride") and info.stride:  # type: ignore[attr-defined]
        end = max(end, start + info.stride * info.height)  # type: ignore[attr-defined]
    for component in info.components:  # type: ignore[attr-defined]
        if component.data_ptr:
            start = min(start, component.data_ptr)
            end = max(end, component.data_ptr + component.size)
    return start, end - start


# How many bytes a message's pointer names; the key is the message type's short name.
_REGIONS: dict[str, Callable[[Message], tuple[int, int]]] = {
    "AudioFrameBufferInfo": lambda m: (m.data_ptr, m.samples_per_channel * m.num_channels * 2),  # type: ignore[attr-defined]
    "VideoBufferInfo": _video_region,
    "PushSoxResamplerRequest": lambda m: (m.data_ptr, m.size),  # type: ignore[attr-defined]
    "ApmProcessStreamRequest": lambda m: (m.data_ptr, m.size),  # type: ignore[attr-defined]
    "ApmProcessReverseStreamRequest": lambda m: (m.data_ptr, m.size),  # type: ignore[attr-defined]
    "PublishDataRequest": lambda m: (m.data_ptr, m.data_len),  # type: ignore[attr-defined]
    "EncodedVideoBufferInfo": lambda m: (m.data_ptr, m.data_len),  # type: ignore[attr-defined]
    "BufferInfo": lambda m: (m.data_ptr, m.data_len),  # type: ignore[attr-defined]
}


def collect_inputs(request: Message, blob_tag: str | None = None) -> list[Blob]:
    """Read the client memory a request points at; with a session's `blob_tag`, large
    regions go into shared memory files named with it rather than into the message
    (lkemu.engine.wire.shared_blobs)."""
    blobs = []
    for message, _ in _walk(request):
        region = _REGIONS.get(message.DESCRIPTOR.name)
        if region is None:
            continue
        address, size = region(message)
        if not address or size <= 0:
            continue
        if blob_tag is not None and size >= shared_blobs.MIN_SHARED_BYTES:
            view = (ctypes.c_char * size).from_address(address)
            name = shared_blobs.write(view, blob_tag)
            blobs.append(Blob(address=address, shared_name=name))
        else:
            blobs.append(Blob(address=address, data=ctypes.string_at(address, size)))
    if request.DESCRIPTOR.name == "FfiRequest" and request.WhichOneof("message") == "send_file":
        # The file is the client's: read here, where its path means something.
        path = request.send_file.file_path  # type: ignore[attr-defined]
        blobs.append(read_for_request(path, blob_tag))
    return blobs


class ClientMemory:
    """Buffers handed out by the engine, alive until their owner handle is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owned: dict[int, list[ctypes.Array[ctypes.c_char]]] = {}
        self._lent: dict[int, ctypes.Array[ctypes.c_char]] = {}
        self._detached: set[int] = set()
        self.blob_tag = ""  # the session's: shared blobs the engine hands out carry it

    def keep(
        self,
        data: bytes | bytearray | mmap.mmap | memoryview,
        owner: int,
        *,
        lent: bool,
        detached: bool,
    ) -> int:
        """Hold `data` for `owner` (as an OWNED or LENT buffer); returns its address here.

        A bytearray or a map is held as it is, without a copy; bytes and a memoryview (of
        bytes, such as the local lane's read-only view of the caller's memory) are copied
        into a writable buffer.
        """
        buffer: Any
        if isinstance(data, bytearray | mmap.mmap) and len(data):
            buffer = (ctypes.c_char * len(data)).from_buffer(data)
        else:
            buffer = ctypes.create_string_buffer(bytes(data), len(data))
        with self._lock:
            if lent:
                self._lent[owner] = buffer
            else:
                self._owned.setdefault(owner, []).append(buffer)
            if detached:
                self._detached.add(owner)
        return ctypes.addressof(buffer)

    def apply(self, message: Message, outputs: list[Blob]) -> None:
        """Write in-place results back and give pointer fields addresses in this process."""
        ranges: list[tuple[int, int, int]] = []  # engine start, engine end, client address
        for blob in outputs:
            if blob.kind == Blob.IN_PLACE:
                ctypes.memmove(blob.address, blob.data, len(blob.data))
                continue
            data: bytes | bytearray | mmap.mmap = blob.data
            if blob.shared_name:
                data = shared_blobs.take(blob.shared_name, self.blob_tag)
            client = self.keep(
                data, blob.owner_handle, lent=blob.kind == Blob.LENT, detached=blob.detached
            )
            ranges.append((blob.address, blob.address + len(data), client))
        if not ranges:
            return
        ranges.sort()
        starts = [r[0] for r in ranges]
        for sub, pointers in _walk(message):
            for name in pointers:
                value = getattr(sub, name)
                if not value:
                    continue
                index = bisect.bisect_right(starts, value) - 1
                if index >= 0:
                    start, end, client = ranges[index]
                    if value < end or (value == end and start == end):
                        setattr(sub, name, client + (value - start))

    def release(self, handle: int) -> bool:
        """Free what `handle` owns here; True if the engine keeps nothing for it."""
        with self._lock:
            self._owned.pop(handle, None)
            self._lent.pop(handle, None)
            if handle in self._detached:
                self._detached.discard(handle)
                return True
            return False

    def owners(self) -> int:
        with self._lock:
            return len(self._owned) + len(self._lent)

    def held_bytes(self) -> int:
        with self._lock:
            owned = sum(len(b) for buffers in self._owned.values() for b in buffers)
            return owned + sum(len(b) for b in self._lent.values())

    def clear(self) -> None:
        with self._lock:
            self._owned.clear()
            self._lent.clear()
            self._detached.clear()
