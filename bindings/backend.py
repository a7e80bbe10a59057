"""What both client front ends share: lkemu's own FfiClient and the drop-in's emulated
library. One backend per client process: the engine connection and its session, the local
lane, and the client memory behind the protocol's pointers. Requests, handle drops and the
event pump are written here once; the front ends only differ in how they hand results to
their caller (a message and exceptions, or bytes and handle 0 with an error log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lkemu.engine.core.errors import MemoryFault
from lkemu.engine.core.protocol import has_field
from lkemu.proto import engine_pb2, ffi_pb2

from . import local_lane as local_lanes
from .client_files import apply_file_writes
from .connection import EngineConnection, EngineUnavailable
from .embedded import default_address
from .inprocess import InProcessEngine, wants_in_process_engine
from .local_lane import LocalLane
from .pointers import ClientMemory, collect_inputs

logger = logging.getLogger("lkemu.bindings")

INVALID_HANDLE = 0

# Requests that open a media stream, and the event kind their stream sends: when the engine
# is lost, each stream still open gets its end (eos) here, so no reader waits forever.
STREAM_EVENTS = {
    "new_audio_stream": "audio_stream_event",
    "audio_stream_from_participant": "audio_stream_event",
    "new_video_stream": "video_stream_event",
    "video_stream_from_participant": "video_stream_event",
    "subscribe_data_track": "data_track_stream_event",
}


def _names_memory(descriptor: Any) -> bool:
    """Whether a request message type may name client memory (a `*_ptr` field anywhere)."""
    return has_field(descriptor, lambda field: field.name.endswith("_ptr"))


# The request kinds that name no client memory and read no client file: nothing to collect
# and ship with them, so their bytes go to the engine as they are (a RAW_CALL on the lane).
PLAIN_KINDS = frozenset(
    field.name
    for field in ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields
    if field.message_type is not None
    and field.name != "send_file"
    and not _names_memory(field.message_type)
)


@dataclass(slots=True)
class Reply:
    """The answer to one request. A failed one has handle 0 and its error; `logged` says
    whether the engine already sent the error log (as native does) or the caller must."""

    name: str
    handle: int
    error: str = ""
    error_kind: int = 0
    logged: bool = False
    _message: ffi_pb2.FfiResponse | None = None
    _payload: bytes | None = None

    @property
    def failed(self) -> bool:
        return self.handle == INVALID_HANDLE

    def message(self) -> ffi_pb2.FfiResponse:
        if self._message is None:
            self._message = ffi_pb2.FfiResponse.FromString(self._payload or b"")
        return self._message

    def payload(self) -> bytes:
        """The response's bytes: untouched from the engine when nothing was rewritten."""
        if self._payload is None:
            self._payload = self.message().SerializeToString()
        return self._payload


@dataclass(slots=True)
class Incoming:
    """One event from the engine, decoded only if someone asks for the message."""

    _message: ffi_pb2.FfiEvent | None = None
    _payload: bytes | None = None

    def message(self) -> ffi_pb2.FfiEvent:
        if self._message is None:
            self._message = ffi_pb2.FfiEvent.FromString(self._payload or b"")
        return self._message

    def payload(self) -> bytes:
        if self._payload is None:
            self._payload = self.message().SerializeToString()
        return self._payload


class EngineBackend:
    def __init__(
        self,
        address: str | None,
        *,
        capture_logs: bool,
        sdk: str,
        sdk_version: str,
        local_lane: bool | None = None,
    ) -> None:
        """`local_lane`: run process-local requests here (lkemu.bindings.local_lane);
        default: on unless LKEMU_LOCAL_LANE=0."""
        self.memory = ClientMemory()
        use_local = local_lanes.enabled() if local_lane is None else local_lane
        self.local = LocalLane(self.memory) if use_local else None
        self.connection: EngineConnection | InProcessEngine
        if address is None and wants_in_process_engine():
            self.connection = InProcessEngine()
        else:
            self.connection = EngineConnection.connect(address or default_address())
        self.connection.open_session(capture_logs, sdk, sdk_version)
        self._open_streams: dict[int, str] = {}  # stream handle -> its event kind
        self.memory.blob_tag = self.connection.blob_tag

    def request(self, request: ffi_pb2.FfiRequest | None, data: bytes) -> Reply:
        """Answer one request: `data` is its encoding, `request` its decoding (None when it
        does not decode: the engine then refuses it as native would). EngineUnavailable if
        the engine is gone."""
        if request is not None and self.local is not None and self.local.takes(request):
            if self.connection.lost is not None:
                raise EngineUnavailable(self.connection.lost)
            local = self.local.execute(request)
            if local.response is None:
                return Reply(local.name, INVALID_HANDLE, local.error, local.error_kind)
            return Reply(local.name, local.handle, _message=local.response)
        name = request.WhichOneof("message") if request is not None else None
        if name in PLAIN_KINDS and isinstance(self.connection, EngineConnection):
            plain = self.connection.request_plain(data)
            if isinstance(plain, tuple):  # the common case: nothing more to look at
                answered = Reply(name, plain[0], _payload=plain[1])
                if name in STREAM_EVENTS:
                    self._stream_opened(name, answered)
                return answered
            reply = plain
        else:
            try:
                tag = self.connection.blob_tag if self.connection.shared_memory else None
                inputs = collect_inputs(request, tag) if request else []
            except Exception:
                inputs = []  # memory that cannot be read: the engine says which is missing
            reply = self.connection.request(data, inputs)
        if reply.handle == INVALID_HANDLE:
            return Reply(
                reply.request_name, INVALID_HANDLE, reply.error, reply.error_kind, logged=True
            )
        if not reply.outputs:
            answer = Reply(reply.request_name, reply.handle, _payload=reply.response)
        else:
            response = ffi_pb2.FfiResponse.FromString(reply.response)
            try:
                self.memory.apply(response, list(reply.outputs), request)
            except MemoryFault as fault:  # outside the in-place buffer it named, or unwritable
                failed = f"failed to handle request {reply.request_name}: {fault}"
                return Reply(reply.request_name, INVALID_HANDLE, failed, fault.kind)
            answer = Reply(reply.request_name, reply.handle, _message=response)
        if reply.request_name in STREAM_EVENTS:
            self._stream_opened(reply.request_name, answer)
        return answer

    def _stream_opened(self, name: str, answer: Reply) -> None:
        stream = getattr(answer.message(), name).stream.handle.id
        self._open_streams[stream] = STREAM_EVENTS[name]

    def drop(self, handle: int) -> bool:
        """Drop a handle wherever it lives: the local lane, a buffer held here, the engine."""
        self._open_streams.pop(handle, None)
        if self.local is not None and self.local.drop(handle):
            return True
        if self.memory.release(handle):
            return True  # a detached buffer: the engine holds nothing for it
        try:
            return self.connection.drop_handle(handle)
        except EngineUnavailable:
            # The engine is gone, and everything it held with it: the handle is dropped.
            # (The SDK asserts a drop's result, in __del__ at exit among other places.)
            return True

    def events(self, on_lost_event: Callable[[str], None]) -> Iterator[list[Incoming]]:
        """The session's events in the bursts the engine sent them, with the memory they
        hand out placed here, until the session ends. An event whose memory cannot be
        placed is reported to `on_lost_event` and skipped: the others still arrive."""
        for batch in self.connection.event_batches():
            ready = []
            for engine_event in batch:
                try:
                    ready.append(self.incoming(engine_event))
                except Exception as error:
                    on_lost_event(f"lkemu: an engine event could not be delivered: {error!r}")
            if ready:
                yield ready
        if self.connection.lost is not None and self._open_streams:
            yield self._ends_of_open_streams()

    def _ends_of_open_streams(self) -> list[Incoming]:
        """The engine is gone: each stream still open ends (an eos), as a dropped one does."""
        ends = []
        for handle, kind in self._open_streams.items():
            event = ffi_pb2.FfiEvent()
            stream_event = getattr(event, kind)
            stream_event.stream_handle = handle
            stream_event.eos.SetInParent()
            ends.append(Incoming(_message=event))
        self._open_streams.clear()
        return ends

    def incoming(self, engine_event: engine_pb2.EngineEvent) -> Incoming:
        """One event of the engine's, with the memory it hands out placed here."""
        outputs = engine_event.outputs
        if not outputs:
            return Incoming(_payload=engine_event.event)
        event = ffi_pb2.FfiEvent.FromString(engine_event.event)
        if len(outputs) == 1:
            placed = self._received_audio_frame(event, outputs[0])
            if placed is not None:
                return placed
        rest = apply_file_writes(event, list(outputs), self.memory.blob_tag)
        self.memory.apply(event, rest)
        return Incoming(_message=event)

    def _received_audio_frame(
        self, event: ffi_pb2.FfiEvent, blob: engine_pb2.Blob
    ) -> Incoming | None:
        """An audio stream's frame (50 to 100 a second per stream): its one owned buffer
        kept here and its pointer set, as ClientMemory.apply would, without walking the
        event's whole type for pointer fields. None for anything else."""
        if (
            blob.kind != engine_pb2.Blob.OWNED
            or blob.shared_name
            or event.WhichOneof("message") != "audio_stream_event"
        ):
            return None
        stream_event = event.audio_stream_event
        if stream_event.WhichOneof("message") != "frame_received":
            return None
        info = stream_event.frame_received.frame.info
        if info.data_ptr != blob.address:
            return None
        info.data_ptr = self.memory.keep(
            blob.data, blob.owner_handle, lent=False, detached=blob.detached
        )
        return Incoming(_message=event)

    def close(self) -> None:
        """End the session: the engine releases every handle this client still holds."""
        self.connection.close_session()
        self.connection.close()
        if self.local is not None:
            self.local.close()
        self.memory.clear()
