"""FfiClient, FfiHandle and the event queue, as the livekit SDK has them, over an engine.

    from lkemu.bindings import FfiClient
    response = FfiClient.instance.request(request)

Differences from the SDK, on purpose: a failed request raises `FfiRequestError` with the
engine's message (the SDK asserts), and a lost engine raises `EngineUnavailable` at once.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

from lkemu import __version__
from lkemu.proto import ffi_pb2

from .backend import EngineBackend, Incoming
from .connection import EngineConnection, FfiRequestError
from .control import EngineControl
from .inprocess import InProcessControl, InProcessEngine
from .local_lane import LocalLane
from .pointers import ClientMemory

logger = logging.getLogger("lkemu.bindings")

INVALID_HANDLE = 0
T = TypeVar("T")

_live_handles: weakref.WeakSet[FfiHandle] = weakref.WeakSet()

# This process's id, kept up to date across fork(): os.getpid() is a system call (glibc no
# longer caches it), and every request and drop asks whether the client is still its own.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


class FfiHandle:
    """An owned engine object; dropped once, on dispose() or garbage collection."""

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self._disposed = False
        _live_handles.add(self)

    def __del__(self) -> None:
        self.dispose()

    @property
    def disposed(self) -> bool:
        return self._disposed

    def mark_consumed(self) -> None:
        """The engine took this handle (a request that consumes it): do not drop it again."""
        self._disposed = True

    def dispose(self) -> None:
        if self.handle == INVALID_HANDLE or self._disposed:
            return
        self._disposed = True
        client = FfiClient._instance
        if client is None or client._pid != _pid or client._closed:
            return
        client.drop_handle(self.handle)

    def __repr__(self) -> str:
        return f"FfiHandle({self.handle})"


class EventQueue(asyncio.Queue[T]):
    async def wait_for(self, predicate: Callable[[T], bool]) -> T:
        """Wait for the first item that matches, dropping those that come before it."""
        while True:
            item = await self.get()
            if predicate(item):
                return item


class FfiQueue(Generic[T]):
    """Fans events out to asyncio queues, each on its own loop, optionally filtered."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._subscribers: list[
            tuple[EventQueue[T], asyncio.AbstractEventLoop, Callable[[T], bool] | None]
        ] = []

    def put(self, item: T) -> None:
        self.put_many([item])

    def put_many(self, items: list[T]) -> None:
        """Deliver a burst with one wake-up per subscriber instead of one per item."""
        with self._lock:
            subscribers = list(self._subscribers)
        for queue, loop, filter_fn in subscribers:
            wanted = [item for item in items if _accepts(filter_fn, item)]
            if not wanted:
                continue
            try:
                loop.call_soon_threadsafe(_put_all, queue, wanted)
            except RuntimeError:
                # The subscriber's loop is closed without unsubscribing: its loss, not ours.
                logger.debug("dropping events for a closed loop")

    def subscribe(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        filter_fn: Callable[[T], bool] | None = None,
    ) -> EventQueue[T]:
        with self._lock:
            queue: EventQueue[T] = EventQueue()
            if loop is None:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    loop = asyncio.get_event_loop_policy().get_event_loop()
            self._subscribers.append((queue, loop, filter_fn))
            return queue

    def unsubscribe(self, queue: EventQueue[T]) -> None:
        with self._lock:
            for index, (subscribed, _, _) in enumerate(self._subscribers):
                if subscribed is queue:
                    self._subscribers.pop(index)
                    break


def _accepts(filter_fn: Callable[[T], bool] | None, item: T) -> bool:
    if filter_fn is None:
        return True
    try:
        return bool(filter_fn(item))
    except Exception:
        return True  # a broken filter delivers rather than loses the event


def _put_all(queue: EventQueue[T], items: list[T]) -> None:
    for item in items:
        queue.put_nowait(item)


_LOG_LEVELS = {
    ffi_pb2.LOG_ERROR: logging.ERROR,
    ffi_pb2.LOG_WARN: logging.WARNING,
    ffi_pb2.LOG_INFO: logging.INFO,
    ffi_pb2.LOG_DEBUG: logging.DEBUG,
}


class _ClassProperty:
    def __init__(self, getter: Callable[[Any], Any]) -> None:
        self._getter = getter

    def __get__(self, instance: object, owner: type) -> Any:
        return self._getter(owner)


class FfiClient:
    _instance: FfiClient | None = None
    _instance_lock = threading.Lock()

    def __init__(
        self,
        address: str | None = None,
        capture_logs: bool = True,
        *,
        local_lane: bool | None = None,
    ) -> None:
        """`local_lane`: run process-local requests here (see lkemu.bindings.local_lane);
        default: on unless LKEMU_LOCAL_LANE=0."""
        self._pid = os.getpid()
        self._closed = False
        self._queue: FfiQueue[ffi_pb2.FfiEvent] = FfiQueue()
        self._backend = EngineBackend(
            address,
            capture_logs=capture_logs,
            sdk="lkemu-bindings",
            sdk_version=__version__,
            local_lane=local_lane,
        )
        self._control: EngineControl | None = None
        connection = self._backend.connection
        self._events: threading.Thread | None = None
        if isinstance(connection, InProcessEngine):
            # Simulated time: the engine runs on the caller's loop and calls back from it.
            backend = self._backend
            connection.deliver_events_to(
                lambda engine_event: self._deliver([backend.incoming(engine_event)])
            )
        else:
            self._events = threading.Thread(
                target=self._pump_events, name="lkemu-events", daemon=True
            )
            self._events.start()
        atexit.register(self.close)

    @_ClassProperty
    def instance(cls) -> FfiClient:
        current = cls._instance
        if current is not None and current._pid == _pid and current._usable():
            return current
        with cls._instance_lock:
            current = cls._instance
            if current is not None and current._pid == _pid and not current._usable():
                current.close()  # its engine is gone: start over on a live one
                cls._instance = None
            if cls._instance is None or cls._instance._pid != _pid:
                cls._instance = FfiClient()
            return cls._instance

    def _usable(self) -> bool:
        return not self._closed and self._backend.connection.lost is None

    @property
    def queue(self) -> FfiQueue[ffi_pb2.FfiEvent]:
        return self._queue

    @property
    def connection(self) -> EngineConnection:
        """The connection to a served engine (not on simulated time: see `in_process`)."""
        connection = self._backend.connection
        if isinstance(connection, InProcessEngine):
            raise TypeError("this client's engine runs in this process (simulated time)")
        return connection

    @property
    def in_process(self) -> bool:
        """Whether the engine runs in this process, on the caller's loop (simulated time)."""
        return isinstance(self._backend.connection, InProcessEngine)

    @property
    def memory(self) -> ClientMemory:
        return self._backend.memory

    @property
    def local(self) -> LocalLane | None:
        return self._backend.local

    @property
    def control(self) -> EngineControl:
        """The engine's control service, on this client's channel."""
        if self._control is None:
            connection = self._backend.connection
            if isinstance(connection, InProcessEngine):
                self._control = InProcessControl(connection)
            else:
                self._control = EngineControl(connection.address, connection.channel,
                                              owns_channel=False)  # fmt: skip
        return self._control

    def request(self, req: Message) -> ffi_pb2.FfiResponse:
        if self._pid != _pid:
            raise RuntimeError("an lkemu FfiClient cannot be used across fork()")
        if not isinstance(req, ffi_pb2.FfiRequest):
            # A request built with another copy of the protocol (livekit.rtc's): same wire.
            req = ffi_pb2.FfiRequest.FromString(req.SerializeToString())
        # Partial, like the native decoder (prost), which takes missing required fields as zero.
        reply = self._backend.request(req, req.SerializePartialToString())
        if reply.failed:
            raise FfiRequestError(reply.name, reply.error, reply.error_kind)
        return reply.message()

    def drop_handle(self, handle: int) -> bool:
        return self._backend.drop(handle)

    def _pump_events(self) -> None:
        for batch in self._backend.events(on_lost_event=logger.error):
            self._deliver(batch)

    def _deliver(self, batch: list[Incoming]) -> None:
        ready = []
        for incoming in batch:
            event = incoming.message()
            which = event.WhichOneof("message")
            if which == "logs":
                self._log(event)
            elif which == "panic":
                logger.critical("engine panic: %s", event.panic.message)
            else:
                ready.append(event)
        if ready:
            self._queue.put_many(ready)

    @staticmethod
    def _log(event: ffi_pb2.FfiEvent) -> None:
        for record in event.logs.records:
            level = _LOG_LEVELS.get(record.level)
            if record.target == "livekit_ffi::cabi":
                # A failed request: FfiRequestError already carries this message.
                level = logging.DEBUG
            if level is not None:
                logger.log(level, "%s - %s", record.target, record.message)

    def close(self) -> None:
        """End the session: the engine releases every handle this client still holds."""
        if self._closed or self._pid != _pid:
            return
        self._closed = True
        self._backend.close()
        if FfiClient._instance is self:
            FfiClient._instance = None
