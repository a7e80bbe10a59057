"""Shared helpers for the in-process engine tests: a virtual-clock runtime, sessions,
requests run through dispatch, and events read from a session's queue."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.call import Call
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.core.spec import REQUESTS
from lkemu.proto import engine_pb2, ffi_pb2

EVENT_TIMEOUT_S = 3.0
# Where the tests pretend their client buffers live (any nonzero address will do).
INPUT_ADDRESS = 0x1000_0000


@pytest.fixture
async def runtime() -> AsyncIterator[EngineRuntime]:
    made = EngineRuntime(clock="virtual")
    yield made
    await made.shutdown()


@pytest.fixture
def session(runtime: EngineRuntime) -> Session:
    return open_session(runtime)


def open_session(runtime: EngineRuntime) -> Session:
    return runtime.open_session(capture_logs=True, sdk="test", sdk_version="0")


def request_of(kind: str, /, **fields: Any) -> ffi_pb2.FfiRequest:
    """An FfiRequest of this kind with these fields set (nested messages as dicts)."""
    request = ffi_pb2.FfiRequest()
    getattr(request, kind).CopyFrom(type(getattr(request, kind))(**fields))
    return request


def run(
    runtime: EngineRuntime,
    session: Session,
    request: ffi_pb2.FfiRequest,
    memory: Memory | None = None,
) -> Any:
    """Run one request through dispatch; the kind's response message (dispatch.RequestFailed
    if it fails). Pass `memory` to ship input blobs or to read its outputs afterwards."""
    call = Call(runtime, session, memory if memory is not None else Memory())
    name, response = dispatch.run(call, request)
    return getattr(response, REQUESTS[name].response_field)


def int16_blob(samples: np.ndarray, address: int = INPUT_ADDRESS) -> engine_pb2.Blob:
    """The INPUT blob a client ships for int16 `samples` its *_ptr field puts at `address`."""
    return engine_pb2.Blob(address=address, data=samples.astype(np.int16).tobytes())


def int16_memory(samples: np.ndarray, address: int = INPUT_ADDRESS) -> Memory:
    """A request's memory holding int16 `samples` at `address`."""
    return Memory(inputs=[int16_blob(samples, address)])


@dataclass
class Received:
    """One event from a session's queue: the decoded FfiEvent and the blobs it carries."""

    event: ffi_pb2.FfiEvent
    outputs: list[engine_pb2.Blob] = field(default_factory=list)

    def blob(self, address: int) -> bytes:
        for blob in self.outputs:
            if blob.address == address:
                return bytes(blob.data)
        raise AssertionError(f"no blob at {address:#x} in this event")


def _decode(raw: engine_pb2.EngineEvent) -> Received:
    return Received(ffi_pb2.FfiEvent.FromString(raw.event), list(raw.outputs))


# Events a wait read past (they matched another predicate), kept for later waits.
_unread: weakref.WeakKeyDictionary[Session, list[Received]] = weakref.WeakKeyDictionary()


async def next_event(
    session: Session,
    predicate: Callable[[ffi_pb2.FfiEvent], bool] = lambda e: True,
    timeout: float = EVENT_TIMEOUT_S,
) -> Received:
    """The first event of `session` matching `predicate`, waiting up to `timeout` seconds.

    Events read past are kept for later calls. Reading the queue tells the session it was
    drained, as the client's event stream does (the virtual clock waits for that)."""
    unread = _unread.setdefault(session, [])
    for index, received in enumerate(unread):
        if predicate(received.event):
            return unread.pop(index)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            raw = await asyncio.wait_for(session.events.get(), max(remaining, 0.0))
        except TimeoutError:
            raise AssertionError(f"no matching event within {timeout} s") from None
        session.drained()
        if raw is None:
            raise AssertionError("the session's event stream ended")
        received = _decode(raw)
        if predicate(received.event):
            return received
        unread.append(received)


def queued_events(session: Session) -> list[Received]:
    """Every event `session` has emitted and no wait has taken yet, in order."""
    found = _unread.pop(session, [])
    while not session.events.empty():
        raw = session.events.get_nowait()
        if raw is not None:
            found.append(_decode(raw))
    session.drained()
    return found


async def settle(rounds: int = 20) -> None:
    """Let spawned work and what it triggers run to completion."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def callback_of(name: str, async_id: int) -> Callable[[ffi_pb2.FfiEvent], bool]:
    """Matches the callback event of async request `name` with this async id."""
    field_name = REQUESTS[name].callback
    assert field_name is not None, f"{name} is not async"

    def matches(event: ffi_pb2.FfiEvent) -> bool:
        return (
            event.WhichOneof("message") == field_name
            and getattr(event, field_name).async_id == async_id
        )

    return matches


async def call_async(
    runtime: EngineRuntime,
    session: Session,
    request: ffi_pb2.FfiRequest,
    memory: Memory | None = None,
) -> Any:
    """Run an async request and wait for its callback: the callback message."""
    name = request.WhichOneof("message")
    assert name is not None
    response = run(runtime, session, request, memory)
    received = await next_event(session, callback_of(name, response.async_id))
    return getattr(received.event, REQUESTS[name].callback or "")


def room_event(kind: str) -> Callable[[ffi_pb2.FfiEvent], bool]:
    """Matches a room event of this kind (`participant_connected`, `track_subscribed`...)."""
    return lambda e: (
        e.WhichOneof("message") == "room_event" and e.room_event.WhichOneof("message") == kind
    )


def token(identity: str, room: str, **grants: Any) -> str:
    """An access token for the engine's development key pair (devkey / secret)."""
    now = int(time.time())
    claims = {
        "iss": "devkey",
        "sub": identity,
        "exp": now + 600,
        "nbf": now - 10,
        "video": {"roomJoin": True, "room": room, **grants},
    }
    return jwt.encode(claims, "secret", algorithm="HS256")
