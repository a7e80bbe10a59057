"""The engine's shared state: handles, sessions, background tasks, the clock, and one typed
store per area of the protocol that needs engine-wide state (rooms, filter plugins).

Core knows no area: an area defines its store class (anything with `stop()` and a
constructor taking the runtime) and asks `runtime.area(ItsStore)` for the engine's one
instance. Shutdown stops every store that was made.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar, cast

from lkemu.proto import ffi_pb2

from .clock import MediaClock
from .handles import HandleTable
from .session import Session, new_session_id

logger = logging.getLogger("lkemu.engine")


class AreaStore(Protocol):
    """Engine-wide state of one area: made on first use, stopped at shutdown."""

    def stop(self) -> None: ...


S = TypeVar("S", bound=AreaStore)


class InjectedFault(RuntimeError):
    """A failure the control service asked for, raised inside a request's async work."""


class RequestFaults:
    """Async work the control service told to fail (engine_pb2.InjectRequestFault): the
    next `times` requests of a kind raise InjectedFault instead of doing their work."""

    def __init__(self) -> None:
        self._pending: dict[str, list[str]] = {}

    def add(self, request_name: str, times: int, message: str) -> None:
        self._pending.setdefault(request_name, []).extend([message] * times)

    def check(self, request_name: str) -> None:
        pending = self._pending.get(request_name)
        if pending:
            message = pending.pop(0)
            if not pending:
                del self._pending[request_name]
            raise InjectedFault(message)

    def clear(self) -> None:
        self._pending.clear()


class EngineRuntime:
    def __init__(self, clock: str = "real", first_handle: int = 1) -> None:
        self.clock = clock
        self.media_clock = MediaClock(clock)
        self.handles = HandleTable(first_handle)
        self.sessions: dict[int, Session] = {}
        self.closed_sessions = 0  # how many have closed (the server trims memory after)
        self.faults = RequestFaults()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._areas: dict[type, AreaStore] = {}

    def area(self, kind: type[S]) -> S:
        """The engine's one store of type `kind` (made on first use)."""
        store = self._areas.get(kind)
        if store is None:
            store = self._areas[kind] = cast(Any, kind)(self)
        return cast(S, store)

    def adopt(self, store: AreaStore) -> None:
        """Use `store` (another runtime's) as this runtime's store of its kind: state that
        is process-wide natively, for engines that share a process (lkemu.bindings.inprocess)."""
        self._areas[type(store)] = store

    def stores(self) -> list[AreaStore]:
        return list(self._areas.values())

    def open_session(self, capture_logs: bool, sdk: str, sdk_version: str) -> Session:
        session = Session(new_session_id(self.sessions), capture_logs, sdk, sdk_version)
        self.sessions[session.id] = session
        return session

    def close_session(self, session_id: int) -> int:
        """Release everything a session holds; returns how many handles were dropped."""
        session = self.sessions.pop(session_id, None)
        if session is None:
            return 0
        released = self.handles.release_session(session_id)
        session.close()
        self.closed_sessions += 1
        return released

    def drop_handle(self, session_id: int, handle: int) -> bool:
        existed = self.handles.drop(handle, session_id)
        session = self.sessions.get(session_id)
        if not existed and session is not None:
            session.log(ffi_pb2.LOG_WARN, f"Attempted to drop unknown FFI handle: {handle}")
        return existed

    def spawn(self, session: Session, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run background work for a session. Requests' async halves go through
        Call.answer_later, which answers even when the work fails; this only logs."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._task_done(session, t))
        return task

    def _task_done(self, session: Session, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        assert error is not None
        # Where the native core would panic (and the SDK would SIGTERM its own process), lkemu
        # reports the failure as an error log and keeps serving: a bug report beats a kill.
        detail = "".join(traceback.format_exception(error))
        logger.error("background task failed: %s", detail)
        session.log(ffi_pb2.LOG_ERROR, f"lkemu: background task failed: {error!r}")

    async def shutdown(self) -> None:
        for session_id in list(self.sessions):
            self.close_session(session_id)
        for store in list(self._areas.values()):
            store.stop()
        self._areas.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
