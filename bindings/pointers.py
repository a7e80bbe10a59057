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
import errno
import mmap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from lkemu.engine.core.errors import MemoryFault
from lkemu.engine.video.layout import plane_shapes
from lkemu.engine.wire import shared_blobs, shared_slots
from lkemu.proto import ffi_pb2, video_frame_pb2
from lkemu.proto.engine_pb2 import Blob
from lkemu.proto.video_frame_pb2 import VideoBufferType

from . import safe_memory
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


def _holders(
    message: Message, plan: _Plan, path: str, found: list[tuple[Message, list[str], str]]
) -> None:
    if plan.pointers:
        found.append((message, plan.pointers, path))
    for oneof, cases in plan.oneofs.items():
        chosen = message.WhichOneof(oneof)
        child = cases.get(chosen) if chosen is not None else None
        if child is not None:
            _holders(getattr(message, chosen), child, f"{path}{chosen}.", found)
    for name, child in plan.singular:
        if message.HasField(name):
            _holders(getattr(message, name), child, f"{path}{name}.", found)
    for name, child in plan.repeated:
        for index, item in enumerate(getattr(message, name)):
            _holders(item, child, f"{path}{name}[{index}].", found)


def _walk(message: Message) -> list[tuple[Message, list[str], str]]:
    """Every sub-message (message included) that has pointer fields, with their names and
    the path that leads to it ("buffer.components[1].")."""
    if message.DESCRIPTOR.full_name not in _WITH_POINTERS:
        return []
    found: list[tuple[Message, list[str], str]] = []
    _holders(message, _plan(message.DESCRIPTOR), "", found)
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


_PACKED_TYPES = frozenset(
    {
        video_frame_pb2.VideoBufferType.RGBA,
        video_frame_pb2.VideoBufferType.ABGR,
        video_frame_pb2.VideoBufferType.ARGB,
        video_frame_pb2.VideoBufferType.BGRA,
        video_frame_pb2.VideoBufferType.RGB24,
    }
)


@dataclass(frozen=True, slots=True)
class Region:
    """Client memory one pointer field of a request names."""

    field: str  # its path in the request, as errors name it: "buffer.components[1].data_ptr"
    address: int
    size: int
    in_place: bool = False  # the request's result is written back here


def _video_regions(info: Any, path: str) -> list[Region]:
    # As native reads them: a packed frame from data_ptr (stride x height), a planar one
    # from its components, each its own allocation as far as the core knows, and of each
    # plane its stride x rows (what a conversion touches, whatever `size` says).
    if info.type in _PACKED_TYPES:
        size = video_buffer_length(info.type, info.width, info.height)
        if info.HasField("stride") and info.stride:
            size = max(size, info.stride * info.height)
        return [Region(f"{path}data_ptr", info.data_ptr, size)]
    try:
        rows = [shape.rows for shape in plane_shapes(info.type, info.width, info.height)]
    except ValueError:  # not a type lkemu knows: the engine refuses it
        rows = []
    return [
        Region(
            f"{path}components[{index}].data_ptr",
            component.data_ptr,
            component.stride * rows[index] if index < len(rows) else component.size,
        )
        for index, component in enumerate(info.components)
    ]


def _sized(size_field: str, *, in_place: bool = False) -> Callable[[Any, str], list[Region]]:
    def regions(message: Any, path: str) -> list[Region]:
        size = getattr(message, size_field)
        return [Region(f"{path}data_ptr", message.data_ptr, size, in_place)]

    return regions


def _audio_regions(info: Any, path: str) -> list[Region]:
    size = info.samples_per_channel * info.num_channels * 2
    return [Region(f"{path}data_ptr", info.data_ptr, size)]


# The memory a message's pointers name; the key is the message type's short name. The APM
# requests process their buffer in place: only there may a result be written back.
_REGIONS: dict[str, Callable[[Any, str], list[Region]]] = {
    "AudioFrameBufferInfo": _audio_regions,
    "VideoBufferInfo": _video_regions,
    "PushSoxResamplerRequest": _sized("size"),
    "ApmProcessStreamRequest": _sized("size", in_place=True),
    "ApmProcessReverseStreamRequest": _sized("size", in_place=True),
    "PublishDataRequest": _sized("data_len"),
    "EncodedVideoBufferInfo": _sized("data_len"),
    "BufferInfo": _sized("data_len"),
}


def request_regions(request: Message) -> list[Region]:
    """The client memory a request names (regions of no bytes left out), each with its
    field's path below the request kind ("buffer.data_ptr" in a capture_audio_frame)."""
    if request.DESCRIPTOR.name == "FfiRequest":
        kind = request.WhichOneof("message")  # every error names it already
        if kind is None:
            return []
        request = getattr(request, kind)
    found: list[Region] = []
    for message, _, path in _walk(request):
        regions = _REGIONS.get(message.DESCRIPTOR.name)
        if regions is not None:
            found.extend(region for region in regions(message, path) if region.size > 0)
    return found


def _spans(regions: list[Region]) -> list[list[Region]]:
    """Regions grouped where they overlap or touch (a frame's planes in one buffer): each
    group is read as one span."""
    groups: list[list[Region]] = []
    end = -1
    for region in sorted(regions, key=lambda r: r.address):
        if groups and region.address <= end:
            groups[-1].append(region)
            end = max(end, region.address + region.size)
        else:
            groups.append([region])
            end = region.address + region.size
    return groups


# The slots this process writes its large inputs into (captured frames), by session tag
# (lkemu.engine.wire.shared_slots); given up when the session's ClientMemory is cleared.
_INPUT_SLOTS: dict[str, shared_slots.SlotWriter] = {}
_INPUT_SLOTS_LOCK = threading.Lock()


def _input_slots(blob_tag: str) -> shared_slots.SlotWriter | None:
    if not shared_slots.enabled():
        return None
    with _INPUT_SLOTS_LOCK:
        writer = _INPUT_SLOTS.get(blob_tag)
        if writer is None:
            writer = _INPUT_SLOTS[blob_tag] = shared_slots.SlotWriter(blob_tag)
        return writer


def _read(address: int, size: int, blob_tag: str | None) -> Blob:
    """The span's bytes as an INPUT blob; BadAddress where reading it would crash."""
    if blob_tag is None or size < shared_blobs.MIN_SHARED_BYTES:
        return Blob(address=address, data=safe_memory.read_bytes(address, size))
    safe_memory.check_readable(address, size)
    slots = _input_slots(blob_tag)
    if slots is not None:
        # Copied into pages both sides keep mapped (checked readable above, as the local
        # lane reads the caller's memory where it is).
        name = slots.write_from(address, size)
        if name is not None:
            return Blob(address=address, shared_name=name)
    view = (ctypes.c_char * size).from_address(address)
    try:
        name = shared_blobs.write(view, blob_tag)
    except OSError as error:  # unmapped since the check: write(2) says EFAULT, no crash
        if error.errno != errno.EFAULT:
            raise
        raise safe_memory.BadAddress(
            address, size, "are not readable in the client's memory"
        ) from None
    return Blob(address=address, shared_name=name)


def _fault(region: Region, fault: safe_memory.BadAddress) -> Blob:
    # The engine raises this text when its handler reads the region, so a request whose
    # handle is wrong still fails on the handle first, as native does.
    return Blob(address=region.address, error=safe_memory.describe(region.field, fault))


def collect_inputs(request: Message, blob_tag: str | None = None) -> list[Blob]:
    """Read the client memory a request points at; with a session's `blob_tag`, large
    regions go into shared memory files named with it rather than into the message
    (lkemu.engine.wire.shared_blobs). Memory that cannot be read (a bad pointer, a size
    past the end of a mapping) travels as a blob with the error naming its field."""
    blobs = []
    for group in _spans(request_regions(request)):
        start = group[0].address
        end = max(region.address + region.size for region in group)
        try:
            blobs.append(_read(start, end - start, blob_tag))
            continue
        except safe_memory.BadAddress as fault:
            if len(group) == 1:
                blobs.append(_fault(group[0], fault))
                continue
        for region in group:  # which of them is bad: each read on its own
            try:
                blobs.append(_read(region.address, region.size, blob_tag))
            except safe_memory.BadAddress as fault:
                blobs.append(_fault(region, fault))
    if request.DESCRIPTOR.name == "FfiRequest" and request.WhichOneof("message") == "send_file":
        # The file is the client's: read here, where its path means something.
        path = request.send_file.file_path  # type: ignore[attr-defined]
        blobs.append(read_for_request(path, blob_tag))
    return blobs


def _write_backs(outputs: list[Blob], request: Message | None) -> list[tuple[Region, Blob]]:
    """Each IN_PLACE blob with the in-place region of `request` that holds it."""
    blobs = [blob for blob in outputs if blob.kind == Blob.IN_PLACE]
    if not blobs:
        return []
    targets = [r for r in request_regions(request) if r.in_place] if request is not None else []
    found = []
    for blob in blobs:
        end = blob.address + len(blob.data)
        region = next(
            (r for r in targets if r.address <= blob.address and end <= r.address + r.size), None
        )
        if region is None:
            raise MemoryFault(
                f"lkemu refused to write {len(blob.data)} bytes at {blob.address:#x}: "
                "no in-place buffer of the request is there"
            )
        found.append((region, blob))
    return found


class ClientMemory:
    """Buffers handed out by the engine, alive until their owner handle is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owned: dict[int, list[ctypes.Array[ctypes.c_char]]] = {}
        self._lent: dict[int, ctypes.Array[ctypes.c_char]] = {}
        self._detached: set[int] = set()
        # Shared slots the engine wrote buffers into, handed back when their owner goes.
        self._owned_slots: dict[int, list[Any]] = {}
        self._lent_slots: dict[int, Any] = {}
        self._slots: shared_slots.SlotReader | None = None
        self.blob_tag = ""  # the session's: shared blobs the engine hands out carry it

    def keep(
        self,
        data: bytes | bytearray | mmap.mmap | memoryview,
        owner: int,
        *,
        lent: bool,
        detached: bool,
        slot: Any = None,
    ) -> int:
        """Hold `data` for `owner` (as an OWNED or LENT buffer); returns its address here.

        A bytearray, a map or a shared slot's payload (`slot`, handed back to its writer when
        the owner goes) is held as it is, without a copy; bytes and other memoryviews (such
        as the local lane's read-only view of the caller's memory) are copied into a
        writable buffer.
        """
        buffer: Any
        if (isinstance(data, bytearray | mmap.mmap) or slot is not None) and len(data):
            buffer = (ctypes.c_char * len(data)).from_buffer(data)
        else:
            buffer = ctypes.create_string_buffer(bytes(data), len(data))
        with self._lock:
            if lent:
                self._lent[owner] = buffer
                replaced = self._lent_slots.pop(owner, None)
                if replaced is not None:
                    shared_slots.SlotReader.release(replaced)
                if slot is not None:
                    self._lent_slots[owner] = slot
            else:
                self._owned.setdefault(owner, []).append(buffer)
                if slot is not None:
                    self._owned_slots.setdefault(owner, []).append(slot)
            if detached:
                self._detached.add(owner)
        return ctypes.addressof(buffer)

    def _take(self, blob: Blob) -> tuple[bytearray | mmap.mmap | memoryview, Any]:
        """A shared blob's bytes (a map of its pages) and, for a slot, the slot."""
        if not shared_slots.is_slot(blob.shared_name):
            return shared_blobs.take(blob.shared_name, self.blob_tag), None
        with self._lock:
            if self._slots is None:
                self._slots = shared_slots.SlotReader(self.blob_tag)
            slots = self._slots
        payload, slot = slots.take(blob.shared_name)
        return payload.data, slot

    def apply(self, message: Message, outputs: list[Blob], request: Message | None = None) -> None:
        """Write in-place results back and give pointer fields addresses in this process.

        An in-place result is written only into memory that `request` (the request this
        message answers; None for an event) named for one: MemoryFault, before anything
        is written or kept, for a result anywhere else.
        """
        write_backs = _write_backs(outputs, request)
        for region, blob in write_backs:
            try:
                safe_memory.write(blob.address, blob.data)
            except safe_memory.BadAddress as fault:
                raise MemoryFault(safe_memory.describe(region.field, fault)) from None
        ranges: list[tuple[int, int, int]] = []  # engine start, engine end, client address
        for blob in outputs:
            if blob.kind == Blob.IN_PLACE:
                continue
            data: bytes | bytearray | mmap.mmap | memoryview = blob.data
            slot = None
            if blob.shared_name:
                data, slot = self._take(blob)
            client = self.keep(
                data,
                blob.owner_handle,
                lent=blob.kind == Blob.LENT,
                detached=blob.detached,
                slot=slot,
            )
            ranges.append((blob.address, blob.address + len(data), client))
        if not ranges:
            return
        ranges.sort()
        starts = [r[0] for r in ranges]
        for sub, pointers, _ in _walk(message):
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
            slots = self._owned_slots.pop(handle, [])
            lent = self._lent_slots.pop(handle, None)
            for slot in [*slots, lent] if lent is not None else slots:
                shared_slots.SlotReader.release(slot)  # the engine may write it again
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
            self._owned_slots.clear()
            self._lent_slots.clear()
            if self._slots is not None:
                self._slots.close()
                self._slots = None
        with _INPUT_SLOTS_LOCK:
            writer = _INPUT_SLOTS.pop(self.blob_tag, None)
        if writer is not None:
            writer.close()
