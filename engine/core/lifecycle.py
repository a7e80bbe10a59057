"""dispose: the client is done with the engine (livekit_ffi_dispose and DisposeRequest)."""

from __future__ import annotations

from typing import Any

from lkemu.proto import ffi_pb2

from .call import Call, FollowUp
from .registry import handles


@handles("dispose")
def on_dispose(call: Call, request: ffi_pb2.DisposeRequest) -> ffi_pb2.DisposeResponse:
    session, runtime = call.session, call.runtime
    if not getattr(request, "async"):  # `async` is a Python keyword
        runtime.handles.release_session(session.id)
        session.disposed = True
        return ffi_pb2.DisposeResponse()

    # The native core leaves async dispose as a todo!() and panics; lkemu implements it.
    async def dispose(callback: Any) -> FollowUp:
        runtime.handles.release_session(session.id)

        def disposed() -> None:  # after the callback: a disposed session gets no events
            session.disposed = True

        return disposed

    return ffi_pb2.DisposeResponse(async_id=call.answer_later(request, dispose))
