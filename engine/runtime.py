"""The engine's shared state: handles, sessions, background tasks and the clock."""

from __future__ import annotations

import asyncio
import itertools
import logging
import traceback
from collections.abc import Coroutine
from typing import Any

from lkemu.proto import ffi_pb2

from .clock import MediaClock
from .handles import HandleTable
from .session import Session

logger = logging.getLogger("lkemu.engine")


class EngineRuntime:
    def __init__(self, clock: str = "real", first_handle: int = 1) -> None:
        self.clock = clock
        self.media_clock = MediaClock(clock)
        self.handles = HandleTable(first_handle)
        self.sessions: dict[int, Session] = {}
        self._session_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        # Simulated rooms by name, shared by every session (engine/rooms.py).
        self.rooms: dict[str, Any] = {}
        # Audio filter plugins by module id (engine/audio_filter.py).
        self.audio_filters: dict[str, Any] = {}
        # Participants the engine plays, by (room, identity) (engine/room_control.py).
        self.injected: dict[tuple[str, str], Any] = {}

    def open_session(self, capture_logs: bool, sdk: str, sdk_version: str) -> Session:
        session = Session(next(self._session_ids), capture_logs, sdk, sdk_version)
        self.sessions[session.id] = session
        return session

    def close_session(self, session_id: int) -> int:
        """Release everything a session holds; returns how many handles were dropped."""
        session = self.sessions.pop(session_id, None)
        if session is None:
            return 0
        released = self.handles.release_session(session_id)
        session.close()
        return released

    def drop_handle(self, session_id: int, handle: int) -> bool:
        existed = self.handles.drop(handle, session_id)
        session = self.sessions.get(session_id)
        if not existed and session is not None:
            session.log(ffi_pb2.LOG_WARN, f"Attempted to drop unknown FFI handle: {handle}")
        return existed

    def spawn(self, session: Session, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run background work for a session (the async half of a request)."""
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
        for injected in self.injected.values():
            injected.stop()
        self.injected.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
