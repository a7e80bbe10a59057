"""Failures a request can end in, each with the engine's wire-level kind."""

from __future__ import annotations

from lkemu.proto import engine_pb2


class FfiError(Exception):
    """A request the engine refuses; the client gets handle 0 and this message."""

    kind: engine_pb2.ErrorKind = engine_pb2.INVALID_REQUEST


class InvalidRequest(FfiError):
    """What the native core calls `FfiError::InvalidRequest`: bad handles, bad arguments."""

    kind = engine_pb2.INVALID_REQUEST


class Refused(FfiError):
    """The async half of a request refuses (a grant missing, the room gone, a format that
    does not match): its text becomes the callback's error, as native words it."""


class NotImplementedInLkemu(FfiError):
    """A request kind lkemu does not emulate yet: said plainly, never a hang."""

    kind = engine_pb2.NOT_IMPLEMENTED

    def __init__(self, request_name: str, detail: str = "") -> None:
        message = f"{request_name} is not implemented in lkemu"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.request_name = request_name


class MemoryFault(InvalidRequest):
    """A *_ptr field points at memory the client did not ship with the request."""
