"""dispose: the client is done with the engine (livekit_ffi_dispose and DisposeRequest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkemu.proto import ffi_pb2

if TYPE_CHECKING:
    from .dispatch import Call


def on_dispose(call: Call, request: ffi_pb2.DisposeRequest) -> ffi_pb2.DisposeResponse:
    session, runtime = call.session, call.runtime
    if not getattr(request, "async"):  # `async` is a Python keyword
        runtime.handles.release_session(session.id)
        session.disposed = True
        return ffi_pb2.DisposeResponse()

    # The native core leaves async dispose as a todo!() and panics; lkemu implements it.
    async_id = call.async_id(request)

    async def dispose() -> None:
        runtime.handles.release_session(session.id)
        event = ffi_pb2.FfiEvent()
        event.dispose.async_id = async_id
        session.emit(event)
        session.disposed = True

    call.spawn(dispose())
    return ffi_pb2.DisposeResponse(async_id=async_id)


HANDLERS = {"dispose": on_dispose}
