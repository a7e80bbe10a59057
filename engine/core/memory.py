"""Memory behind the protocol's *_ptr fields, across the process boundary.

A request's pointers name client memory: the client ships those bytes as INPUT blobs and
handlers read them here. Memory the client could not read (a bad pointer) comes as an INPUT
blob with the error naming the field; a handler that reads it fails with that error, after
its handle lookup, as the native core fails on the handle before it touches the memory.
In-place results are written back (IN_PLACE blobs the client copies into its own memory,
into the buffer the request named and nowhere else). Buffers the engine hands out get an
engine address and travel as OWNED blobs (kept by the client until the owner handle is
dropped) or LENT blobs (valid until the owner's next call); the client rewrites the *_ptr
fields to its own copies.
"""

from __future__ import annotations

import mmap
import weakref
from collections.abc import Callable, Iterable

import numpy as np

from lkemu.proto import engine_pb2

from ..wire import shared_blobs, shared_slots
from .errors import FfiError, MemoryFault


class ClientFileError(FfiError):
    """A file the client could not read: the text is the I/O error, as native words it."""


def _client_file(blob: engine_pb2.Blob, blob_tag: str) -> Buffer | ClientFileError:
    if blob.error:
        return ClientFileError(blob.error)
    if not blob.shared_name:
        return blob.data
    try:  # a large file: its bytes are in shared memory
        return shared_blobs.take(blob.shared_name, blob_tag)
    except (OSError, ValueError) as error:
        return ClientFileError(f"I/O error: the file's shared memory was lost ({error})")


# What a read gives: the shipped bytes, a map of a shared blob's pages, a view of a shared
# slot's, or (in the client's own process) a read-only view of the caller's memory.
Buffer = bytes | bytearray | mmap.mmap | memoryview

# Each session's shared slots on the engine's side (lkemu.engine.wire.shared_slots): those
# it writes (large outputs: frames of video streams) and those its client writes (large
# inputs: captured frames), by the session's blob tag; dropped with the session.
_WRITERS: dict[str, shared_slots.SlotWriter] = {}
_READERS: dict[str, shared_slots.SlotReader] = {}


def write_shared(data: Buffer, blob_tag: str, reusable: bool = False) -> str:
    """A session's large output in shared memory; returns its name. `reusable`: a buffer
    handed out (the client maps it and hands it back when its owner is dropped), in a slot
    when one is free; else (and for files the client writes) a one-shot blob."""
    if reusable and shared_slots.enabled():
        name = _writer(blob_tag).write(data)
        if name is not None:
            return name
    return shared_blobs.write(data, blob_tag)


def _writer(blob_tag: str) -> shared_slots.SlotWriter:
    writer = _WRITERS.get(blob_tag)
    if writer is None:
        writer = _WRITERS[blob_tag] = shared_slots.SlotWriter(blob_tag)
    return writer


def forget_session(blob_tag: str) -> None:
    """The session ended: give its slots up (files never mapped are removed)."""
    writer, reader = _WRITERS.pop(blob_tag, None), _READERS.pop(blob_tag, None)
    if writer is not None:
        writer.close()
    if reader is not None:
        reader.close()


def _take_slot(name: str, blob_tag: str) -> memoryview:
    """A slot's payload, handed back to its writer when the last view of it is gone (the
    handler and anything it kept: a captured frame until it is converted)."""
    reader = _READERS.get(blob_tag)
    if reader is None:
        reader = _READERS[blob_tag] = shared_slots.SlotReader(blob_tag)
    payload, slot = reader.take(name)
    weakref.finalize(payload, shared_slots.SlotReader.release, slot)
    return payload.data  # a view whose holders keep `payload` alive


# Engine addresses live in their own range so they never look like a small integer, and
# are aligned like real allocations.
_ENGINE_ADDRESS_BASE = 0x7E00_0000_0000
_ALIGN = 64
_cursor = _ENGINE_ADDRESS_BASE


def _next_engine_address(size: int) -> int:
    # The engine runs on one event loop thread, so a plain cursor is enough.
    global _cursor
    address = _cursor
    _cursor += max(_ALIGN, -(-size // _ALIGN) * _ALIGN)
    return address


class Memory:
    """The memory one request (or one event) reads and produces.

    `share`: how this session puts a large output in shared memory (Session.share), or
    None to ship every output inside the message.
    """

    def __init__(
        self,
        inputs: Iterable[engine_pb2.Blob] = (),
        share: Callable[..., str] | None = None,
        blob_tag: str | None = None,
    ) -> None:
        """`blob_tag`: the session's tag; a shared input blob must carry it, and outputs
        made in place (output_buffer) go into its slots."""
        self._inputs: list[tuple[int, Buffer]] = []
        self._lost: list[str] = []
        # Files the client read for this request (send_file): their bytes, or why not.
        self._files: dict[str, Buffer | ClientFileError] = {}
        # Memory the client could not read (a bad pointer): address -> the error naming its
        # field, raised when a handler reads there, so that a bad handle is refused first.
        self._faults: dict[int, str] = {}
        for blob in inputs:
            if blob.kind == engine_pb2.Blob.CLIENT_FILE:
                self._files[blob.path] = _client_file(blob, blob_tag or "")
                continue
            if blob.error:
                self._faults.setdefault(blob.address, blob.error)
                continue
            if not blob.shared_name:
                self._inputs.append((blob.address, blob.data))
                continue
            try:
                if shared_slots.is_slot(blob.shared_name):
                    taken: Buffer = _take_slot(blob.shared_name, blob_tag or "")
                else:
                    taken = shared_blobs.take(blob.shared_name, blob_tag or "")
                self._inputs.append((blob.address, taken))
            except (OSError, ValueError) as error:
                self._lost.append(f"{blob.shared_name} ({error})")
        self._share = share
        self._tag = blob_tag
        # Slots reserved for outputs made in place: id of the payload -> (payload, name).
        self._reserved: dict[int, tuple[np.ndarray, str]] = {}
        self.outputs: list[engine_pb2.Blob] = []

    def read(self, address: int, size: int) -> Buffer:
        if size == 0:
            return b""
        for start, data in self._inputs:
            offset = address - start
            if offset >= 0 and offset + size <= len(data):
                return data[offset : offset + size] if offset or size != len(data) else data
        fault = self._faults.get(address)
        if fault is None and self._faults:
            fault = next(iter(self._faults.values()))  # read elsewhere: still the likely cause
        if fault is not None:
            raise MemoryFault(fault)
        if address == 0:
            raise MemoryFault("null data pointer")
        if self._lost:
            raise MemoryFault(f"shared client memory could not be read: {', '.join(self._lost)}")
        raise MemoryFault(
            f"no client memory shipped for {size} bytes at {address:#x} "
            "(the client must send what its *_ptr fields point at)"
        )

    def read_file(self, path: str) -> Buffer:
        """A file of the client's (send_file), as the client read it: its bytes, or
        ClientFileError with the I/O error the client met."""
        found = self._files.get(path)
        if found is None:
            raise ClientFileError(f"I/O error: the client did not send the file {path!r}")
        if isinstance(found, ClientFileError):
            raise found
        return found

    def write_file(self, directory: str, name: str, data: bytes) -> None:
        """Have the client write `data` to a file of its own (byte_write_to_file); large
        contents go through shared memory when the session shares it."""
        blob = engine_pb2.Blob(kind=engine_pb2.Blob.FILE_WRITE, directory=directory, path=name)
        if self._share is not None and len(data) >= shared_blobs.MIN_SHARED_BYTES:
            blob.shared_name = self._share(data)
        else:
            blob.data = data
        self.outputs.append(blob)

    def read_array(self, address: int, count: int, dtype: type = np.int16) -> np.ndarray:
        itemsize = np.dtype(dtype).itemsize
        return np.frombuffer(self.read(address, count * itemsize), dtype=dtype)

    def write_in_place(self, address: int, data: bytes) -> None:
        self.outputs.append(
            engine_pb2.Blob(address=address, data=data, kind=engine_pb2.Blob.IN_PLACE)
        )

    def output_buffer(self, size: int) -> np.ndarray | None:
        """Where an output about to be handed out may be made in place: a free slot's pages
        when this session shares memory (the client maps them: handed out without a copy),
        else None (the caller allocates)."""
        if (
            self._share is None
            or not self._tag
            or size < shared_blobs.MIN_SHARED_BYTES
            or not shared_slots.enabled()
        ):
            return None
        reserved = _writer(self._tag).reserve(size)
        if reserved is None:
            return None
        name, payload = reserved
        self._reserved[id(payload)] = (payload, name)
        return payload

    def discard_reserved(self) -> None:
        """Give back the slots reserved and not handed out (a conversion that failed)."""
        if self._tag:
            for _, name in self._reserved.values():
                _writer(self._tag).cancel(name)
        self._reserved.clear()

    def hand_out(
        self,
        data: Buffer | np.ndarray,
        owner_handle: int,
        *,
        lent: bool = False,
        detached: bool = False,
    ) -> int:
        """Place `data` at a new engine address owned by `owner_handle`; returns the address.

        `detached`: the engine does not store `owner_handle` (nothing is left to free on its
        side once the bytes are shipped), so the client drops it without a round trip. That
        is what keeps received frames cheap: one event each, no drop call.
        """
        address = _next_engine_address(len(data))
        kind = engine_pb2.Blob.LENT if lent else engine_pb2.Blob.OWNED
        blob = engine_pb2.Blob(
            address=address, kind=kind, owner_handle=owner_handle, detached=detached
        )
        reserved = self._reserved.pop(id(data), None)
        if reserved is not None and reserved[0] is data:  # made in a slot: already there
            blob.shared_name = reserved[1]
        elif self._share is not None and len(data) >= shared_blobs.MIN_SHARED_BYTES:
            blob.shared_name = self._share(data, True)
        else:
            # a protobuf bytes field takes nothing but bytes
            blob.data = data if isinstance(data, bytes) else bytes(data)
        self.outputs.append(blob)
        return address
