"""From request name to handler: one table, filled by one module per area of the protocol.

A handler takes the `Call` (who asks, with what memory) and the request's sub-message, and
returns the response's sub-message. Async requests return at once with an async id and
finish in a task that emits the callback event.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import DecodeError, Message

from lkemu.proto import engine_pb2, ffi_pb2, handle_pb2

from . import (
    apm,
    audio_filter,
    audio_source,
    audio_stream,
    lifecycle,
    participant_streams,
    resampler,
    room_data,
    room_health,
    room_media,
    room_requests,
    tracks,
    video_convert,
    video_source,
    video_stream,
)
from .errors import FfiError, NotImplementedInLkemu
from .memory import Memory
from .runtime import EngineRuntime
from .session import Session

logger = logging.getLogger("lkemu.engine")

T = TypeVar("T")


@dataclass(slots=True)
class Call:
    """One request in flight: the context every handler gets."""

    runtime: EngineRuntime
    session: Session
    memory: Memory

    def get(self, handle: int, kind: type[T]) -> T:
        return self.runtime.handles.get(handle, kind, self.session.id)

    def take(self, handle: int, kind: type[T]) -> T:
        return self.runtime.handles.take(handle, kind, self.session.id)

    def own(self, value: object) -> handle_pb2.FfiOwnedHandle:
        """Store a new object for this session and return its owned handle."""
        return handle_pb2.FfiOwnedHandle(id=self.runtime.handles.store(value, self.session.id))

    def async_id(self, request: Message) -> int:
        """The client's `request_async_id` if it chose one, else a fresh id (as native)."""
        fields = request.DESCRIPTOR.fields_by_name
        if "request_async_id" in fields and request.HasField("request_async_id"):
            return int(request.request_async_id)  # type: ignore[attr-defined]
        return self.runtime.handles.next_id()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self.runtime.spawn(self.session, work)


Handler = Callable[[Call, Any], Message]

REQUEST_NAMES: tuple[str, ...] = tuple(
    field.name for field in ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields
)

# The native core answers edit_chat_message with a SendChatMessageResponse: FfiResponse has
# no field of its own for it.
RESPONSE_FIELD = {name: name for name in REQUEST_NAMES} | {"edit_chat_message": "send_chat_message"}

HANDLERS: dict[str, Handler] = {}
for _area in (
    lifecycle,
    audio_source,
    tracks,
    audio_stream,
    resampler,
    apm,
    video_convert,
    video_source,
    video_stream,
    room_requests,
    room_media,
    room_data,
    room_health,
    participant_streams,
    audio_filter,
):
    HANDLERS.update(_area.HANDLERS)

_unknown = set(HANDLERS) - set(REQUEST_NAMES)
assert not _unknown, f"handlers for requests the protocol does not have: {_unknown}"


def implemented_requests() -> list[str]:
    return [name for name in REQUEST_NAMES if name in HANDLERS]


class RequestFailed(Exception):
    """A request that ends in handle 0: its name (if it had one), message and kind."""

    def __init__(self, name: str, message: str, kind: int) -> None:
        super().__init__(message)
        self.name, self.message, self.kind = name, message, kind


def run(call: Call, request: ffi_pb2.FfiRequest) -> tuple[str, ffi_pb2.FfiResponse]:
    """Run one decoded request: its name and response, or RequestFailed."""
    name = request.WhichOneof("message")
    if name is None:
        raise RequestFailed("", "message is empty", engine_pb2.INVALID_REQUEST)
    try:
        handler = HANDLERS.get(name)
        if handler is None:
            raise NotImplementedInLkemu(name)
        result = handler(call, getattr(request, name))
        response = ffi_pb2.FfiResponse()
        getattr(response, RESPONSE_FIELD[name]).CopyFrom(result)
    except FfiError as error:
        raise RequestFailed(name, f"failed to handle request {name}: {error}", error.kind) from None
    except Exception as error:  # a bug in lkemu: report it, keep serving
        logger.error("handler %s crashed:\n%s", name, traceback.format_exc())
        raise RequestFailed(
            name, f"lkemu internal error in {name}: {error!r}", engine_pb2.INTERNAL
        ) from None
    return name, response


def execute(
    runtime: EngineRuntime, session: Session, call: engine_pb2.FfiCall
) -> engine_pb2.FfiReply:
    """Decode, run and encode one request; every failure becomes a reply with handle 0."""
    memory = Memory(call.inputs, session.share)  # first: it takes any shared input files
    try:
        request = ffi_pb2.FfiRequest.FromString(call.request)
    except DecodeError as error:
        return _fail(session, "", f"failed to decode request: {error}", engine_pb2.DECODE)
    try:
        name, response = run(Call(runtime, session, memory), request)
    except RequestFailed as failed:
        return _fail(session, failed.name, failed.message, failed.kind)
    return engine_pb2.FfiReply(
        handle=runtime.handles.next_id(),
        response=response.SerializeToString(),
        outputs=memory.outputs,
        request_name=name,
    )


def _fail(session: Session, name: str, message: str, kind: int) -> engine_pb2.FfiReply:
    # The native core answers handle 0 and logs the reason; the log reaches the client as a
    # LogBatch event when it captures logs. The reply carries it too, for typed errors.
    session.log(ffi_pb2.LOG_ERROR, message, target="livekit_ffi::cabi")
    return engine_pb2.FfiReply(handle=0, error=message, error_kind=kind, request_name=name)
