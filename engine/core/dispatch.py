"""From request to handler, and from a handler's result or failure to the reply.

This is the only module that imports the areas of the protocol: importing them registers
their handlers (engine/core/registry.py), so the import graph points one way, from here to
the areas and from the areas to core.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any, cast

from google.protobuf.message import DecodeError

from lkemu.proto import engine_pb2, ffi_pb2

from ..local import audio_processing, resamplers, video_conversion
from ..media import (
    audio_filter,
    audio_source,
    audio_stream,
    capture,
    encoded_video,
    platform_audio,
    tracks,
    video_source,
    video_stream,
)
from ..rooms import (
    connection,
    data,
    data_channel,
    data_streams,
    data_tracks,
    e2ee,
    health,
    local_participant,
    media,
    participant_streams,
    playout,
    rpc,
    video_quality,
)
from . import lifecycle
from .call import Call
from .coverage import Row
from .errors import FfiError, NotImplementedInLkemu
from .memory import Memory
from .protocol import encode, has_field, invalid_string
from .registry import HANDLERS, status
from .runtime import EngineRuntime
from .session import Session
from .spec import REQUESTS

logger = logging.getLogger("lkemu.engine")

AREAS = (
    lifecycle,
    audio_source,
    audio_stream,
    audio_filter,
    tracks,
    video_source,
    video_stream,
    resamplers,
    audio_processing,
    video_conversion,
    connection,
    local_participant,
    media,
    data,
    data_channel,
    health,
    participant_streams,
    rpc,
    data_streams,
    data_tracks,
    e2ee,
    platform_audio,
    playout,
    capture,
    encoded_video,
    video_quality,
)

REQUEST_NAMES: tuple[str, ...] = tuple(REQUESTS)


def _has_strings(descriptor: Any) -> bool:
    return has_field(descriptor, lambda field: field.type == field.TYPE_STRING)


# The kinds whose request has a string field somewhere: only those are checked for UTF-8.
_KINDS_WITH_STRINGS = frozenset(
    field.name
    for field in ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields
    if field.message_type is not None and _has_strings(field.message_type)
)


def implemented_requests() -> list[str]:
    """Kinds with a handler, partial ones included."""
    return [name for name in REQUEST_NAMES if name in HANDLERS]


def coverage() -> list[Row]:
    """Every request kind's status in this engine, in protocol order."""
    return [
        Row(name, *status(name), spec.proto_file, spec.callback) for name, spec in REQUESTS.items()
    ]


class RequestFailed(Exception):
    """A request that ends in handle 0: its name (if it had one), message and kind."""

    def __init__(self, name: str, message: str, kind: engine_pb2.ErrorKind) -> None:
        super().__init__(message)
        self.name, self.message, self.kind = name, message, kind


def run(call: Call, request: ffi_pb2.FfiRequest) -> tuple[str, ffi_pb2.FfiResponse]:
    """Run one decoded request: its name and response, or RequestFailed."""
    name = request.WhichOneof("message")
    if name is None:
        raise RequestFailed("", "message is empty", engine_pb2.INVALID_REQUEST)
    if name in _KINDS_WITH_STRINGS:
        bad = invalid_string(getattr(request, name))
        if bad is not None:  # refused whole, before any work, as prost refuses to decode it
            stack = ", ".join(f'("{m}", "{f}")' for m, f in [*bad, ("FfiRequest", "message")])
            description = f"DecodeError {{ description: InvalidString, stack: [{stack}] }}"
            raise RequestFailed("", f"failed to decode request: {description}", engine_pb2.DECODE)
    call.name = name
    try:
        registered = HANDLERS.get(name)
        if registered is None:
            raise NotImplementedInLkemu(name)
        result = registered.handler(call, getattr(request, name))
        response = ffi_pb2.FfiResponse()
        getattr(response, registered.spec.response_field).CopyFrom(result)
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
    answer = answer_request(runtime, session, call.request, call.inputs)
    if isinstance(answer, engine_pb2.FfiReply):
        return answer
    handle, name, response = answer
    return engine_pb2.FfiReply(handle=handle, response=response, request_name=name)


def answer_request(
    runtime: EngineRuntime,
    session: Session,
    data: bytes | memoryview,
    inputs: Iterable[engine_pb2.Blob] = (),
) -> tuple[int, str, bytes] | engine_pb2.FfiReply:
    """Decode, run and encode one request (`data`, with the client memory it names in
    `inputs`): its handle, kind and encoded response when it succeeded and hands out no
    memory, else the whole reply (a failure has handle 0). The fast lane sends the first
    without wrapping it in an FfiReply."""
    # First: it takes any shared input files (of this session's only).
    memory = Memory(inputs, session.share, session.blob_tag)
    try:
        request = ffi_pb2.FfiRequest.FromString(cast(bytes, data))  # (any buffer parses)
    except DecodeError as error:
        return _fail(session, "", f"failed to decode request: {error}", engine_pb2.DECODE)
    try:
        name, response = run(Call(runtime, session, memory), request)
    except RequestFailed as failed:
        return _fail(session, failed.name, failed.message, failed.kind)
    if memory.outputs:
        return engine_pb2.FfiReply(
            handle=runtime.handles.next_id(),
            response=encode(response),
            outputs=memory.outputs,
            request_name=name,
        )
    return runtime.handles.next_id(), name, encode(response)


def _fail(
    session: Session, name: str, message: str, kind: engine_pb2.ErrorKind
) -> engine_pb2.FfiReply:
    # The native core answers handle 0 and logs the reason; the log reaches the client as a
    # LogBatch event when it captures logs. The reply carries it too, for typed errors.
    session.log(ffi_pb2.LOG_ERROR, message, target="livekit_ffi::cabi")
    return engine_pb2.FfiReply(handle=0, error=message, error_kind=kind, request_name=name)
