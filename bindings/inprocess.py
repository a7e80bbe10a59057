"""The engine in the client's own process, on the client's own event loop.

For simulated time (lkemu.bindings.simulated_time) the engine and its client must share one
clock, and nothing may happen behind the loop's back: so the engine's runtime lives here and
runs its work as tasks of the loop the client's requests come from. A request is a function
call (the same dispatch as the engine process, with the same blobs in and out, so results
are byte for byte those of a served engine), and events reach the SDK's callback from a task
of that loop, in order, with no thread in between.

One engine per event loop: pytest-asyncio gives each test a loop of its own, and so each
test gets a fresh engine (its rooms, handles and tasks end with the loop). Handles of
engines that ended are gone: dropping one succeeds quietly, as after a served engine's exit.
Each engine hands out handles from its own range, so a late drop (an SDK object collected
during a later test) never hits another engine's handle.

Rooms live in this process only: a job process or another program reaches other rooms. For
rooms shared between processes, use a served engine (real or virtual clock).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lkemu.engine.core import dispatch
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.proto import engine_pb2

from .connection import EngineUnavailable
from .control import ControlRefused, EngineControl
from .simulated_time import SimulatedTimeLoop, route_clocks

logger = logging.getLogger("lkemu.bindings")

# Each engine's handles start at its generation times this (below the local lane's 2**48).
_GENERATION_SPAN = 1 << 32
_MAX_GENERATIONS = (1 << 48) // _GENERATION_SPAN - 1
# A request from another thread than the engine's loop waits this long for its answer.
_CROSS_THREAD_TIMEOUT_S = 30.0

EventSink = Callable[[engine_pb2.EngineEvent], None]


def _execute(
    runtime: EngineRuntime, session: Session, data: bytes, inputs: Iterable[engine_pb2.Blob]
) -> engine_pb2.FfiReply:
    """One request, as the served engine runs it: the same dispatch, blobs in and out."""
    call = engine_pb2.FfiCall(session_id=session.id, request=data, inputs=inputs)
    return dispatch.execute(runtime, session, call)


def _process_wide(store: object) -> bool:
    return bool(getattr(type(store), "PROCESS_WIDE", False))


class _LoopEngine:
    """One engine, bound to one event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        generation: int,
        session_options: tuple[bool, str, str],
        sink: EventSink,
        standing: EngineRuntime,
    ) -> None:
        self.loop = loop
        self.generation = generation
        self.runtime = EngineRuntime(clock="simulated", first_handle=generation * _GENERATION_SPAN)
        for store in standing.stores():
            if _process_wide(store):
                self.runtime.adopt(store)
        self.session: Session = self.runtime.open_session(*session_options)
        self._sink = sink
        self.retired = False
        self._pump = loop.create_task(self._pump_events(), name="lkemu-inprocess-events")

    def owns(self, handle: int) -> bool:
        return handle // _GENERATION_SPAN == self.generation

    async def _pump_events(self) -> None:
        """The session's events to the client, in order; the backlog is read down at once
        (the sink returns when the SDK has queued the event), as the served Events call."""
        queue = self.session.events
        while True:
            event = await queue.get()
            if event is None:
                return
            self._deliver(event)
            while not queue.empty():
                more = queue.get_nowait()
                if more is None:
                    return
                self._deliver(more)
            self.session.drained()

    def _deliver(self, event: engine_pb2.EngineEvent) -> None:
        try:
            self._sink(event)
        except Exception:  # the client's callback must never stop the pump
            logger.exception("lkemu: an in-process engine event could not be delivered")

    def execute(self, data: bytes, inputs: Iterable[engine_pb2.Blob]) -> engine_pb2.FfiReply:
        return _execute(self.runtime, self.session, data, inputs)

    def drop(self, handle: int) -> bool:
        return self.runtime.drop_handle(self.session.id, handle)

    def retire(self) -> None:
        """The loop is closing: release everything (its tasks were cancelled already)."""
        if self.retired:
            return
        self.retired = True
        self._pump.cancel()
        with contextlib.suppress(Exception):  # objects closing on a loop that is closing
            self.runtime.close_session(self.session.id)
        for store in self.runtime.stores():
            if not _process_wide(store):
                with contextlib.suppress(Exception):
                    store.stop()


class InProcessEngine:
    """What EngineBackend needs of an engine connection, answered by an engine in this
    process (one per event loop, made on the loop's first request)."""

    address = "in-process"
    clock = "simulated"
    shared_memory = False  # blobs stay inline: nothing crosses a process boundary
    blob_tag = ""

    def __init__(self) -> None:
        self.lost: str | None = None
        self.closed = False
        self.session_id = 1
        self._options: tuple[bool, str, str] = (False, "python", "unknown")
        self._sink: EventSink | None = None
        self._engine: _LoopEngine | None = None
        self._generations = 0
        self._lock = threading.Lock()
        # Requests made with no loop running (a plugin registered at import, say) run here,
        # on handles of generation 0; what is process-wide natively (filter plugins) is
        # shared from here with every loop's engine.
        self._standing = EngineRuntime(clock="simulated", first_handle=1)
        self._standing_session: Session | None = None

    # -- the connection's interface (lkemu.bindings.backend) --------------------------------

    def open_session(self, capture_logs: bool, sdk: str, sdk_version: str) -> int:
        self._options = (capture_logs, sdk, sdk_version)
        # Its events (a log, say) have no loop to go to: nobody reads them.
        self._standing_session = self._standing.open_session(False, sdk, sdk_version)
        return self.session_id

    def deliver_events_to(self, sink: EventSink) -> None:
        """Events go to `sink`, called on the engine's loop (there is no event stream)."""
        self._sink = sink

    def request(self, data: bytes, inputs: Iterable[engine_pb2.Blob] = ()) -> engine_pb2.FfiReply:
        self._check()
        engine, here = self._engine_for_caller()
        if engine is None:
            return self._execute_standing(data, inputs)
        if here:
            return engine.execute(data, inputs)
        # Another thread: the request runs on the engine's loop, in order with its work.
        blobs = list(inputs)
        done: concurrent.futures.Future[engine_pb2.FfiReply] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(engine.execute(data, blobs))
            except BaseException as error:  # pragma: no cover - execute answers every failure
                done.set_exception(error)

        engine.loop.call_soon_threadsafe(run)
        try:
            return done.result(_CROSS_THREAD_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            raise EngineUnavailable(
                f"the in-process lkemu engine's event loop did not run a request within "
                f"{_CROSS_THREAD_TIMEOUT_S:g} s (is it blocked, or waiting on this thread?)"
            ) from None

    def drop_handle(self, handle: int) -> bool:
        if 0 < handle < _GENERATION_SPAN and self._standing_session is not None:
            with self._lock:
                return self._standing.drop_handle(self._standing_session.id, handle)
        engine = self._engine
        if self.closed or engine is None or engine.retired or not engine.owns(handle):
            return True  # its engine ended, and everything it held with it
        if _running_loop() is engine.loop:
            return engine.drop(handle)
        if engine.loop.is_closed():
            return True
        # A collector in another thread: dropped on the engine's loop, soon. The SDK
        # asserts the result; a handle it holds does exist.
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            engine.loop.call_soon_threadsafe(engine.drop, handle)
        return True

    def event_batches(self) -> Iterator[list[engine_pb2.EngineEvent]]:
        return iter(())  # events are pushed to the sink instead

    def close_session(self) -> int:
        engine = self._engine
        if engine is None or engine.retired:
            return 0
        released = 0
        if _running_loop() is engine.loop or not engine.loop.is_running():
            released = engine.runtime.close_session(engine.session.id)
        return released

    def close(self) -> None:
        self.closed = True

    # -- one engine per loop ----------------------------------------------------------------

    def _check(self) -> None:
        if self.closed:
            raise EngineUnavailable("this connection to the lkemu engine was closed")

    def _execute_standing(
        self, data: bytes, inputs: Iterable[engine_pb2.Blob]
    ) -> engine_pb2.FfiReply:
        session = self._standing_session
        if session is None:
            raise EngineUnavailable("the in-process engine has no session yet")
        with self._lock:
            return _execute(self._standing, session, data, inputs)

    def _engine_for_caller(self) -> tuple[_LoopEngine | None, bool]:
        """The engine of the caller's running loop (made on its first request), and whether
        the caller is on that loop; else that of a loop running in another thread; else
        None: no loop runs, and the request runs on the standing runtime (what needs a
        loop, a room or a stream, then fails saying so)."""
        loop = _running_loop()
        with self._lock:
            engine = self._engine
            if loop is not None:
                if engine is None or engine.loop is not loop:
                    engine = self._start(loop)
                return engine, True
            if engine is not None and not engine.retired and engine.loop.is_running():
                return engine, False
        return None, False

    def _start(self, loop: asyncio.AbstractEventLoop) -> _LoopEngine:
        if self._engine is not None:
            self._engine.retire()
        self._generations += 1
        if self._generations > _MAX_GENERATIONS:
            raise EngineUnavailable(
                f"this process made {_MAX_GENERATIONS} in-process engines (one per event "
                "loop): their handle ranges are used up"
            )
        if self._sink is None:
            raise EngineUnavailable("the in-process engine has no event callback yet")
        engine = _LoopEngine(loop, self._generations, self._options, self._sink, self._standing)
        if isinstance(loop, SimulatedTimeLoop):
            loop.call_on_close(engine.retire)
            route_clocks()  # livekit modules imported since the loop was made
        self._engine = engine
        return engine


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def wants_in_process_engine() -> bool:
    """LKEMU_CLOCK=simulated, with no LKEMU_ADDRESS naming a served engine to use."""
    return (
        os.environ.get("LKEMU_CLOCK", "") == "simulated"
        and not os.environ.get("LKEMU_ADDRESS", "").strip()
    )


class _Aborted(Exception):
    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


class _Context:
    """What the control service's methods use of a gRPC context: abort."""

    async def abort(self, code: Any, details: str) -> None:
        raise _Aborted(details)


class InProcessControl(EngineControl):
    """The control service of the in-process engine of the running loop (simulated time):
    the same methods as a served engine's, called directly. A method that would have to
    wait on the engine's own work (perform_rpc, send_text from a played participant) cannot
    block the loop that does that work: it is refused, saying so."""

    def __init__(self, engine: InProcessEngine) -> None:
        self.address = engine.address
        self._engine = engine

    def _call(self, method: str, request: Any) -> Any:
        from lkemu.engine.core.server import EngineControlService

        loop_engine, here = self._engine._engine_for_caller()
        if loop_engine is None or not here:
            raise EngineUnavailable(
                "the in-process engine's control service is used from its event loop: "
                "call it in a coroutine of the test"
            )
        service = EngineControlService(loop_engine.runtime)
        work = getattr(service, method)(request, _Context())
        try:
            work.send(None)
        except StopIteration as done:
            return done.value
        except _Aborted as aborted:
            raise ControlRefused(method, aborted.details) from None
        work.close()
        raise ControlRefused(
            method,
            "waits for the engine's own work, which runs on the very loop that would wait: "
            "on simulated time, use the SDK from a participant of the test instead",
        )

    def close(self) -> None:
        pass


def sdk_control() -> InProcessControl:
    """The control service of the engine livekit.rtc runs on in this process, under the
    drop-in on simulated time (the SDK's FfiClient is made if it was not yet)."""
    from livekit.rtc._ffi_client import FfiClient

    from .dropin import installed_library

    library = installed_library()
    if library is None:
        raise EngineUnavailable("lkemu's drop-in is not installed in this process")
    FfiClient.instance  # noqa: B018 - initialises the emulated library
    connection = library.backend.connection
    if not isinstance(connection, InProcessEngine):
        raise EngineUnavailable("livekit.rtc runs on a served engine here: use EngineControl")
    return InProcessControl(connection)
