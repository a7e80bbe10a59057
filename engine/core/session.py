"""One client process attached to the engine: its event stream, logs and lifetime.

A session is its client's alone: its id is random (63 bits) and every call on it must also
show its token (128 random bits, told only to the client that opened it), so knowing or
guessing another's id gets nothing. Its events can be taken once.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable, Collection, Iterable

from lkemu.proto import engine_pb2, ffi_pb2

from ..wire import shared_blobs
from .memory import Buffer, forget_session, write_shared
from .protocol import encode

_SHARED_NAMES_CHECK = 64
TOKEN_BYTES = 16


def new_session_id(taken: Collection[int]) -> int:
    """A random id, never 0 (which means "no session" or "all sessions") nor one in use."""
    while True:
        candidate = secrets.randbits(63)
        if candidate and candidate not in taken:
            return candidate


class Session:
    def __init__(self, session_id: int, capture_logs: bool, sdk: str, sdk_version: str) -> None:
        self.id = session_id
        self.capture_logs = capture_logs
        self.sdk = sdk
        self.sdk_version = sdk_version
        self.token = secrets.token_bytes(TOKEN_BYTES)
        # Set when its event stream is taken: there is one, and it is its client's.
        self.events_taken = False
        # None is the end-of-stream marker for the Events call.
        self.events: asyncio.Queue[engine_pb2.EngineEvent | None] = asyncio.Queue()
        # After dispose the native core has no callback any more: events are dropped.
        self.disposed = False
        self.closed = False
        # Called once when the client has read the backlog down (virtual-clock backpressure).
        self._drain_callbacks: list[Callable[[], None]] = []
        # Large outputs go through /dev/shm once the client proved it sees the same one.
        self.shared_memory = False
        self._shared_names: set[str] = set()
        # Blob names both ways carry it: a session cannot make the engine take another's.
        self.blob_tag = shared_blobs.new_tag()

    def owned_by(self, token: bytes) -> bool:
        """Whether `token` is this session's (in constant time: no timing hints)."""
        return hmac.compare_digest(self.token, token)

    @property
    def share(self) -> Callable[..., str] | None:
        """How Memory puts a large output in shared memory for this client, if it can."""
        return self._write_shared if self.shared_memory else None

    def _write_shared(self, data: Buffer, reusable: bool = False) -> str:
        name = write_shared(data, self.blob_tag, reusable)
        self._shared_names.add(name)
        if len(self._shared_names) > _SHARED_NAMES_CHECK:
            # The client removes what it reads; forget those, keep what may still be unread.
            self._shared_names = {n for n in self._shared_names if shared_blobs.exists(n)}
        return name

    def backlog(self) -> int:
        """Events emitted and not yet sent to the client."""
        return self.events.qsize()

    def call_when_drained(self, callback: Callable[[], None]) -> None:
        self._drain_callbacks.append(callback)

    def drained(self) -> None:
        """The event stream sent what was queued: wake whoever waits for room."""
        callbacks, self._drain_callbacks = self._drain_callbacks, []
        for callback in callbacks:
            callback()

    def emit(
        self,
        event: ffi_pb2.FfiEvent,
        outputs: Iterable[engine_pb2.Blob] = (),
        *,
        force: bool = False,
    ) -> None:
        if self.closed or (self.disposed and not force):
            return
        self.events.put_nowait(engine_pb2.EngineEvent(event=encode(event), outputs=outputs))

    def emit_prepared(self, event: engine_pb2.EngineEvent) -> None:
        """emit() for an event already in the engine's envelope (its outputs built in place,
        not copied in: a stream's frames, 50 to 100 a second each)."""
        if self.closed or self.disposed:
            return
        self.events.put_nowait(event)

    def log(self, level: int, message: str, target: str = "lkemu") -> None:
        """A log record as the native core sends it when logs are captured (LogBatch)."""
        if not self.capture_logs:
            return
        event = ffi_pb2.FfiEvent()
        event.logs.records.add(level=level, target=target, message=message)
        self.emit(event)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            for name in self._shared_names:  # written for this client, never read
                shared_blobs.discard(name)
            self._shared_names.clear()
            forget_session(self.blob_tag)
            self.events.put_nowait(None)
            self.drained()
