"""The context of one request in flight (`Call`), and the one way a request's async half
runs and answers (`Call.answer_later`).

As native: an async request returns its async id at once; the result comes later as the
callback event named in the request table (engine/core/spec.py), with that id. Whatever
the work does, the callback goes out: a refusal (FfiError) and a bug in lkemu alike set the
callback's error, so no SDK call waits forever on a task that died.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import Message

from lkemu.proto import ffi_pb2, handle_pb2

from .errors import FfiError
from .memory import Memory
from .runtime import EngineRuntime
from .session import Session
from .spec import REQUESTS

logger = logging.getLogger("lkemu.engine")

T = TypeVar("T")
D = TypeVar("D")

# What runs after the callback is sent (room events that follow a connect, say).
FollowUp = Callable[[], None]
# The async half of a request: fills the callback message (a fresh one, async id aside),
# raises FfiError to refuse, and may return what to do once the callback is out.
AsyncWork = Callable[[Any], Coroutine[Any, Any, FollowUp | None]]


def field_or(message: Message, name: str, default: D) -> Any:
    """An optional field's value, or `default` when the caller left it unset."""
    return getattr(message, name) if message.HasField(name) else default


@dataclass(slots=True)
class Call:
    """One request in flight: the context every handler gets."""

    runtime: EngineRuntime
    session: Session
    memory: Memory
    name: str = ""  # the request kind (set by dispatch)
    # What the async half hands out travels with its callback event (answer_later).
    callback_memory: Memory | None = None

    def get(self, handle: int, kind: type[T]) -> T:
        return self.runtime.handles.get(handle, kind, self.session.id)

    def take(self, handle: int, kind: type[T]) -> T:
        return self.runtime.handles.take(handle, kind, self.session.id)

    def own(self, value: object) -> handle_pb2.FfiOwnedHandle:
        """Store a new object for this session and return its owned handle."""
        return handle_pb2.FfiOwnedHandle(id=self.runtime.handles.store(value, self.session.id))

    def async_id(self, request: Message) -> int:
        """The client's `request_async_id` if it chose one, else a fresh id (as native)."""
        fields = request.DESCRIPTOR.fields_by_name
        if "request_async_id" in fields and request.HasField("request_async_id"):
            return int(request.request_async_id)  # type: ignore[attr-defined]
        return self.runtime.handles.next_id()

    def answer_later(self, request: Message, work: AsyncWork) -> int:
        """Start the async half of this request; returns the async id for the response."""
        spec = REQUESTS[self.name]
        if spec.callback is None:
            raise TypeError(f"{self.name} is not an async request")
        async_id = self.async_id(request)
        self.runtime.spawn(self.session, self._answer(spec.callback, async_id, work))
        return async_id

    async def _answer(self, callback_field: str, async_id: int, work: AsyncWork) -> None:
        event = ffi_pb2.FfiEvent()
        callback = getattr(event, callback_field)
        self.callback_memory = Memory(share=self.session.share)
        follow_up = None
        try:
            self.runtime.faults.check(self.name)
            follow_up = await work(callback)
        except asyncio.CancelledError:
            raise  # the engine or the session is going away: nobody is waiting
        except FfiError as error:
            if not _set_error(callback, str(error)):
                self.session.log(ffi_pb2.LOG_ERROR, f"{self.name} failed: {error}")
        except Exception as error:  # a bug in lkemu: answer all the same, then report it
            message = f"lkemu internal error in {self.name}: {error!r}"
            logger.error("%s\n%s", message, traceback.format_exc())
            self.session.log(ffi_pb2.LOG_ERROR, message)
            _set_error(callback, message)
        callback.async_id = async_id
        self.session.emit(event, self.callback_memory.outputs)
        if follow_up is not None:
            follow_up()


# The code an RPC callback carries for a failure that is lkemu's own (APPLICATION_ERROR).
RPC_APPLICATION_ERROR = 1500


def _set_error(callback: Message, message: str) -> bool:
    """A failed callback carries its error and nothing else: a string, a StreamError's
    description or an RpcError's message, whichever the callback has. Some callbacks
    (disconnect's, dispose's) have no error field: False, and the log says what went wrong."""
    field = callback.DESCRIPTOR.fields_by_name.get("error")
    if field is None:
        return False
    callback.Clear()
    holder: Any = callback
    if field.message_type is None:
        holder.error = message
    elif "description" in field.message_type.fields_by_name:  # StreamError
        holder.error.description = message
    else:  # RpcError
        holder.error.code, holder.error.message = RPC_APPLICATION_ERROR, message
    return True
