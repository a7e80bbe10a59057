"""How the fuzzer reaches an engine: through lkemu's own `FfiClient`, or through the drop-in
(the real `livekit.rtc` SDK of .venv, whose `FfiClient.instance.request` gets the requests,
and whose emulated library gets the ones the SDK's request would refuse to send).

Both answer a request with an `Outcome` and collect the session's events without an event
loop: the client's event queue is subscribed with a collector that keeps what it is given.
An INTERNAL error is counted wherever it shows: a reply of that kind, or a log or callback
that says "internal error" (the async half of a request, or the local lane in the drop-in).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

from google.protobuf.message import Message

from lkemu.proto import engine_pb2, ffi_pb2

from .generate import Sample

# What lkemu says when it fails itself (engine/core/call.py, dispatch.py, runtime.py); native
# texts may say "internal error" too (a server's), which is no bug of lkemu's.
INTERNAL_MARKERS = ("lkemu internal error", "lkemu: background task failed")


@dataclass
class Outcome:
    ok: bool
    response: ffi_pb2.FfiResponse | None
    error: str
    internal: bool
    seconds: float


class Transport(Protocol):
    name: str
    session_id: int

    def send(self, sample: Sample) -> Outcome: ...

    def drop(self, handle: int) -> bool: ...

    def take_events(self) -> list[Message]: ...

    def take_internal_logs(self) -> list[str]: ...

    def close(self) -> None: ...


class _Collector:
    """Stands in for an event loop in an event queue's subscriber list: whatever the queue
    would schedule, it keeps (a list of events, or one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Any] = []

    def call_soon_threadsafe(self, _function: Any, *args: Any) -> None:
        item = args[-1]
        with self._lock:
            if isinstance(item, list):
                self._items.extend(item)
            else:
                self._items.append(item)

    def take(self) -> list[Any]:
        with self._lock:
            items, self._items = self._items, []
        return items


class _InternalLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._lock2 = threading.Lock()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(marker in message for marker in INTERNAL_MARKERS):
            with self._lock2:
                self.messages.append(message)

    def take(self) -> list[str]:
        with self._lock2:
            taken, self.messages = self.messages, []
        return taken


def _quiet_logger(name: str) -> _InternalLogs:
    """Collect a logger's records (the internal errors among them) instead of printing them:
    a fuzzer's refused requests log by the thousand."""
    logger = logging.getLogger(name)
    for handler in logger.handlers:
        if isinstance(handler, _InternalLogs):
            return handler  # one per process, shared by its clients
    collector = _InternalLogs()
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return collector


class FfiTransport:
    """lkemu's FfiClient, with the local lane on or off."""

    def __init__(self, address: str, local_lane: bool) -> None:
        from lkemu.bindings import FfiClient

        self.name = "ffi-local" if local_lane else "ffi-engine"
        self._logs = _quiet_logger("lkemu.bindings")
        self.client = FfiClient(address=address, local_lane=local_lane)
        self._events = _Collector()
        self.client.queue.subscribe(loop=cast(Any, self._events))
        self.session_id = self.client.connection.session_id

    def send(self, sample: Sample) -> Outcome:
        from lkemu.bindings import FfiRequestError

        started = time.perf_counter()
        try:
            if sample.message is not None:
                response = self.client.request(sample.message)
                return Outcome(True, response, "", False, time.perf_counter() - started)
            reply = self.client.connection.request(sample.payload)
            seconds = time.perf_counter() - started
            if reply.handle == 0:
                internal = reply.error_kind == engine_pb2.INTERNAL
                return Outcome(False, None, reply.error, internal, seconds)
            return Outcome(True, ffi_pb2.FfiResponse.FromString(reply.response), "", False, seconds)
        except FfiRequestError as error:
            seconds = time.perf_counter() - started
            return Outcome(False, None, str(error), error.kind == engine_pb2.INTERNAL, seconds)

    def drop(self, handle: int) -> bool:
        return self.client.drop_handle(handle)

    def take_events(self) -> list[Message]:
        return cast(list[Message], self._events.take())

    def take_internal_logs(self) -> list[str]:
        return self._logs.take()

    def close(self) -> None:
        self.client.close()


class DropinTransport:
    """The SDK of .venv on the drop-in: its FfiClient.instance.request for requests it can
    send (all required fields set), its library's livekit_ffi_request for the others (raw
    bytes, missing fields), as the SDK itself would call it. One per process: the SDK's
    client is a singleton, so a new session means a new process."""

    def __init__(self, address: str) -> None:
        import lkemu

        lkemu.install(address)
        from livekit.rtc import _ffi_client
        from livekit.rtc._proto import ffi_pb2 as sdk_ffi

        self.name = "dropin"
        self._sdk_ffi = sdk_ffi
        self._logs = _quiet_logger("livekit")
        self._client = _ffi_client.FfiClient.instance
        self._library = self._client._ffi_lib
        self._events = _Collector()
        self._client.queue.subscribe(loop=cast(Any, self._events))
        from lkemu.bindings.dropin import installed_library

        installed = installed_library()
        assert installed is not None
        self.session_id = installed.backend.connection.session_id

    def send(self, sample: Sample) -> Outcome:
        started = time.perf_counter()
        sdk_request = None
        if sample.message is not None and sample.message.IsInitialized():
            try:
                sdk_request = self._sdk_ffi.FfiRequest.FromString(sample.payload)
            except Exception:
                sdk_request = None
        if sdk_request is not None:
            try:
                sdk_response = self._client.request(sdk_request)
            except AssertionError:  # handle 0: the error is in the log event
                return Outcome(False, None, "refused", False, time.perf_counter() - started)
            seconds = time.perf_counter() - started
            response = ffi_pb2.FfiResponse.FromString(sdk_response.SerializeToString())
            return Outcome(True, response, "", False, seconds)
        data = sample.payload
        pointer = ctypes.POINTER(ctypes.c_ubyte)()
        length = ctypes.c_size_t()
        buffer = ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(ctypes.c_ubyte))
        handle = self._library.livekit_ffi_request(
            buffer, len(data), ctypes.byref(pointer), ctypes.byref(length)
        )
        seconds = time.perf_counter() - started
        if not handle:
            return Outcome(False, None, "refused", False, seconds)
        response = ffi_pb2.FfiResponse.FromString(ctypes.string_at(pointer, length.value))
        self._library.livekit_ffi_drop_handle(handle)
        return Outcome(True, response, "", False, seconds)

    def drop(self, handle: int) -> bool:
        return bool(self._library.livekit_ffi_drop_handle(handle))

    def take_events(self) -> list[Message]:
        return cast(list[Message], self._events.take())

    def take_internal_logs(self) -> list[str]:
        return self._logs.take()

    def close(self) -> None:
        self._library.livekit_ffi_dispose()
