"""The local lane: process-local requests run in the client's own process.

Resamplers, audio processing modules and `video_convert` touch nothing but the objects they
create and the caller's memory: the native core runs them in the caller's process, at the
cost of a function call. Sent to the engine, each 10 ms push or processed frame pays a
round trip and a copy each way (~80 us, more than the DSP itself). So the bindings run these
requests here, with the engine's own handlers, and an engine would answer them the same way.

Handles made here come from their own range (LOCAL_HANDLE_BASE and up) so they never collide
with the engine's. A request naming a handle this lane does not hold goes to the engine,
which answers it as native does (handle not found, or not the right type).
`LKEMU_LOCAL_LANE=0` sends everything to the engine.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np
from google.protobuf.message import Message

from lkemu.engine.core import dispatch
from lkemu.engine.core.call import Call
from lkemu.engine.core.errors import MemoryFault
from lkemu.engine.core.memory import Buffer, Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.proto import ffi_pb2

from . import safe_memory
from .pointers import ClientMemory, Region, request_regions

# Far above any id an engine hands out (one counter from 1), below 2**53 so it survives
# languages whose numbers are doubles.
LOCAL_HANDLE_BASE = 1 << 48

# The requests that make a process-local object, or use one (by its handle field).
_MAKERS = {"new_audio_resampler", "new_sox_resampler", "new_apm", "video_convert"}
_USERS = {
    "remix_and_resample": "resampler_handle",
    "push_sox_resampler": "resampler_handle",
    "flush_sox_resampler": "resampler_handle",
    "apm_process_stream": "apm_handle",
    "apm_process_reverse_stream": "apm_handle",
    "apm_set_stream_delay": "apm_handle",
}


def enabled() -> bool:
    return os.environ.get("LKEMU_LOCAL_LANE", "1") != "0"


class LocalMemory(Memory):
    """The caller's memory, read and written where it is: the caller is this process.

    Every range is checked before it is touched (lkemu.bindings.safe_memory): a bad pointer
    fails the request naming its field, never the process. Results are written back only
    into the in-place buffer the request named.
    """

    def __init__(self, client_memory: ClientMemory, request: Message | None = None) -> None:
        """`request`: the request whose pointer fields name the memory it may use."""
        super().__init__()
        self._client = client_memory
        self._request = request
        self._named: list[Region] | None = None

    def _regions(self) -> list[Region]:
        # Worked out when needed (a fault, a write back): a push of 10 ms needs none.
        if self._named is None:
            self._named = request_regions(self._request) if self._request is not None else []
        return self._named

    def _field(self, address: int, size: int) -> str:
        regions = self._regions()
        named = next((r for r in regions if (r.address, r.size) == (address, size)), None)
        named = named or next((r for r in regions if r.address == address), None)
        return named.field if named is not None else "data_ptr"

    def read(self, address: int, size: int) -> Buffer:
        """The caller's bytes where they are, read-only: no copy (8 MB for a 1080p RGBA
        frame) where the kernel can vouch for the range, else a copy. Safe because the
        request ends before the caller goes on, as natively, and handlers copy whatever
        they keep."""
        if size == 0:
            return b""
        try:
            return safe_memory.read(address, size)
        except safe_memory.BadAddress as fault:
            raise MemoryFault(safe_memory.describe(self._field(address, size), fault)) from None

    def write_in_place(self, address: int, data: bytes) -> None:
        end = address + len(data)
        region = next(
            (r for r in self._regions()
             if r.in_place and r.address <= address and end <= r.address + r.size),
            None,
        )  # fmt: skip
        if region is None:
            raise MemoryFault(
                f"lkemu refused to write {len(data)} bytes at {address:#x}: "
                "no in-place buffer of the request is there"
            )
        try:
            safe_memory.write(address, data)
        except safe_memory.BadAddress as fault:
            raise MemoryFault(safe_memory.describe(region.field, fault)) from None

    def hand_out(
        self,
        data: Buffer | np.ndarray,
        owner_handle: int,
        *,
        lent: bool = False,
        detached: bool = False,
    ) -> int:
        if isinstance(data, np.ndarray):  # (Memory.output_buffer's; no slots here: a copy)
            data = data.tobytes()
        return self._client.keep(data, owner_handle, lent=lent, detached=detached)


@dataclass(slots=True)
class LocalReply:
    name: str
    handle: int = 0  # 0: the request failed
    response: ffi_pb2.FfiResponse | None = None
    error: str = ""
    error_kind: int = 0


class LocalLane:
    def __init__(self, client_memory: ClientMemory) -> None:
        self._memory = client_memory
        self._runtime = EngineRuntime(first_handle=LOCAL_HANDLE_BASE)
        # Logs go nowhere: a failure comes back in the LocalReply, for the caller to surface.
        self._session = Session(0, capture_logs=False, sdk="lkemu-local", sdk_version="")
        # One object is not used by two threads at once (native holds a mutex per object).
        self._lock = threading.Lock()

    def takes(self, request: ffi_pb2.FfiRequest) -> bool:
        """Whether this lane answers `request` (else it goes to the engine)."""
        name = request.WhichOneof("message")
        if name in _MAKERS:
            return True
        field = _USERS.get(name or "")
        if field is None:
            return False
        return self.holds(getattr(getattr(request, name), field))

    def holds(self, handle: int) -> bool:
        return handle >= LOCAL_HANDLE_BASE and self._runtime.handles.exists(handle)

    def execute(self, request: ffi_pb2.FfiRequest) -> LocalReply:
        call = Call(self._runtime, self._session, LocalMemory(self._memory, request))
        try:
            if request.WhichOneof("message") == "video_convert":
                name, response = dispatch.run(call, request)  # stateless: no lock
            else:
                with self._lock:
                    name, response = dispatch.run(call, request)
        except dispatch.RequestFailed as failed:
            return LocalReply(failed.name, error=failed.message, error_kind=failed.kind)
        return LocalReply(name, self._runtime.handles.next_id(), response)

    def drop(self, handle: int) -> bool:
        """Drop a handle this lane made; False if it is not one of ours."""
        if handle < LOCAL_HANDLE_BASE:
            return False
        with self._lock:
            dropped = self._runtime.handles.drop(handle, self._session.id)
        released = self._memory.release(handle)
        return dropped or released

    def count(self) -> int:
        with self._lock:
            return sum(self._runtime.handles.count().values())

    def close(self) -> None:
        with self._lock:
            self._runtime.handles.release_session(self._session.id)
