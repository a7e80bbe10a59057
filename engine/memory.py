"""Memory behind the protocol's *_ptr fields, across the process boundary.

A request's pointers name client memory: the client ships those bytes as INPUT blobs and
handlers read them here. In-place results are written back (IN_PLACE blobs the client
copies into its own memory). Buffers the engine hands out get an engine address and travel
as OWNED blobs (kept by the client until the owner handle is dropped) or LENT blobs (valid
until the owner's next call); the client rewrites the *_ptr fields to its own copies.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lkemu.proto import engine_pb2

from .errors import MemoryFault

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
    """The memory one request (or one event) reads and produces."""

    def __init__(self, inputs: Iterable[engine_pb2.Blob] = ()) -> None:
        self._inputs = [(blob.address, blob.data) for blob in inputs]
        self.outputs: list[engine_pb2.Blob] = []

    def read(self, address: int, size: int) -> bytes:
        if size == 0:
            return b""
        if address == 0:
            raise MemoryFault("null data pointer")
        for start, data in self._inputs:
            offset = address - start
            if offset >= 0 and offset + size <= len(data):
                return data[offset : offset + size] if offset or size != len(data) else data
        raise MemoryFault(
            f"no client memory shipped for {size} bytes at {address:#x} "
            "(the client must send what its *_ptr fields point at)"
        )

    def read_array(self, address: int, count: int, dtype: type = np.int16) -> np.ndarray:
        itemsize = np.dtype(dtype).itemsize
        return np.frombuffer(self.read(address, count * itemsize), dtype=dtype)

    def write_in_place(self, address: int, data: bytes) -> None:
        self.outputs.append(
            engine_pb2.Blob(address=address, data=data, kind=engine_pb2.Blob.IN_PLACE)
        )

    def hand_out(
        self,
        data: bytes | bytearray,
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
        if not isinstance(data, bytes):
            data = bytes(data)  # a protobuf bytes field takes nothing else
        address = _next_engine_address(len(data))
        kind = engine_pb2.Blob.LENT if lent else engine_pb2.Blob.OWNED
        self.outputs.append(
            engine_pb2.Blob(
                address=address,
                data=data,
                kind=kind,
                owner_handle=owner_handle,
                detached=detached,
            )
        )
        return address
