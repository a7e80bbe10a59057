"""The drop-in backend: the real, unmodified `livekit.rtc` SDK over an lkemu engine.

`install()` swaps the SDK's loader of `liblivekit_ffi` for `EmulatedLibrary`, an object with
the library's four C entry points. The SDK's own FfiClient, FfiHandle and event callback
then run as they are: requests go to the engine, events come back through the SDK's
callback, failed requests answer handle 0 with an error log, exactly the native contract.
The native library is never loaded.

The SDK may be any livekit version from 1.0.23 to lkemu's own (1.2.1): requests, responses
and events whose wire format differs between the SDK's protocol and lkemu's are translated
(lkemu.bindings.versions); the others pass untouched. Other versions are refused at install.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lkemu.proto import ffi_pb2

from .backend import EngineBackend
from .connection import EngineUnavailable
from .inprocess import InProcessEngine, wants_in_process_engine
from .simulated_time import use_simulated_time
from .versions import (
    ProtocolAdapter,
    TranslationError,
    UnsupportedSdkVersion,
    check_supported,
    installed_sdk_version,
)

INVALID_HANDLE = 0
NATIVE_LIBRARY_NAMES = ("liblivekit_ffi", "livekit_ffi.dll")


class DropInError(RuntimeError):
    pass


def native_library_loaded() -> bool:
    """Whether this process has mapped liblivekit_ffi (Linux: /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            return any(name in line for line in maps for name in NATIVE_LIBRARY_NAMES)
    except OSError:
        return False


class _EntryPoint:
    """A callable that accepts the `argtypes`/`restype` the SDK sets on C functions."""

    def __init__(self, function: Any) -> None:
        self._function = function
        self.argtypes: list[Any] | None = None
        self.restype: Any = None

    def __call__(self, *args: Any) -> Any:
        return self._function(*args)


def _set_pointer(out: Any, address: int) -> None:
    # `out` is ctypes.byref(pointer_variable): write the address into that variable.
    target = out._obj if hasattr(out, "_obj") else out
    ctypes.c_void_p.from_address(ctypes.addressof(target)).value = address


def _set_size(out: Any, size: int) -> None:
    target = out._obj if hasattr(out, "_obj") else out
    target.value = size


class EmulatedLibrary:
    """Stands in for the ctypes.CDLL of liblivekit_ffi."""

    def __init__(self, address: str | None = None, adapter: ProtocolAdapter | None = None) -> None:
        self._address = address
        # Set when the SDK speaks another version of the protocol than lkemu's.
        self.adapter = adapter
        self._backend: EngineBackend | None = None
        self._callback: Any = None
        self._capture_logs = False
        # Response bytes stay valid until their handle is dropped, as in the native core.
        self._responses: dict[int, ctypes.Array[ctypes.c_char]] = {}
        self._lock = threading.Lock()
        self._events: threading.Thread | None = None
        self._disposed = False
        self.livekit_ffi_initialize = _EntryPoint(self._initialize)
        self.livekit_ffi_request = _EntryPoint(self._request)
        self.livekit_ffi_drop_handle = _EntryPoint(self._drop_handle)
        self.livekit_ffi_dispose = _EntryPoint(self._dispose)

    @property
    def backend(self) -> EngineBackend:
        if self._backend is None:
            raise DropInError("livekit_ffi_initialize was not called")
        return self._backend

    def _initialize(
        self, callback: Any, capture_logs: bool, sdk: bytes, sdk_version: bytes
    ) -> None:
        self._callback = callback
        self._capture_logs = bool(capture_logs)
        self._backend = EngineBackend(
            self._address,
            capture_logs=bool(capture_logs),
            sdk=_text(sdk) or "python",
            sdk_version=_text(sdk_version) or "unknown",
        )
        connection = self._backend.connection
        if isinstance(connection, InProcessEngine):
            # The engine runs on the client's loop and calls back from it: no thread.
            backend = self._backend
            connection.deliver_events_to(
                lambda engine_event: self._deliver(backend.incoming(engine_event).payload())
            )
            return
        self._events = threading.Thread(target=self._pump_events, name="lkemu-events", daemon=True)
        self._events.start()

    def _request(self, data: Any, length: int, response_out: Any, size_out: Any) -> int:
        raw = ctypes.string_at(data, int(length))
        request: ffi_pb2.FfiRequest | None = None
        adapter = self.adapter
        if adapter is not None:
            try:
                raw, request = adapter.request(raw)
            except Exception as error:
                self._log_error(_translation_failure("request", error))
                return INVALID_HANDLE
        if request is None:
            try:
                request = ffi_pb2.FfiRequest.FromString(raw)
            except Exception:
                request = None  # undecodable: the engine says so, as native would
        try:
            reply = self.backend.request(request, raw)
        except EngineUnavailable as error:
            self._log_error(str(error))
            return INVALID_HANDLE
        if reply.failed:
            if not reply.logged and self._capture_logs:
                self._log_error(reply.error, target="livekit_ffi::cabi")
            return INVALID_HANDLE
        payload = reply.payload()
        if adapter is not None:
            try:
                payload = adapter.response(payload)
            except Exception as error:
                self._log_error(_translation_failure(f"{reply.name} response", error))
                return INVALID_HANDLE
        buffer = ctypes.create_string_buffer(payload, len(payload))
        with self._lock:
            self._responses[reply.handle] = buffer
        _set_pointer(response_out, ctypes.addressof(buffer))
        _set_size(size_out, len(payload))
        return int(reply.handle)

    def _drop_handle(self, handle: Any) -> bool:
        handle_id = int(getattr(handle, "value", handle))
        with self._lock:
            if self._responses.pop(handle_id, None) is not None:
                return True
        if self._disposed:
            return True  # dispose released every handle (livekit < 1.1 asserts on drops)
        return self.backend.drop(handle_id)

    def _dispose(self) -> None:
        if self._backend is None:
            return
        self._disposed = True
        self._backend.close()
        with self._lock:
            self._responses.clear()

    def _pump_events(self) -> None:
        backend = self.backend
        for batch in backend.events(on_lost_event=self._log_error):
            for incoming in batch:
                self._deliver(incoming.payload())
        if backend.connection.lost:
            self._log_error(backend.connection.lost)

    def _deliver(self, payload: bytes) -> None:
        if self.adapter is not None:
            try:
                translated = self.adapter.event(payload)
            except Exception as error:
                print(f"lkemu: {_translation_failure('event', error)}", file=sys.stderr)
                return
            if translated is None:
                return  # the SDK's version has no such event: its core never sent one
            payload = translated
        buffer = (ctypes.c_uint8 * max(1, len(payload))).from_buffer_copy(payload or b"\0")
        try:
            self._callback(ctypes.cast(buffer, ctypes.POINTER(ctypes.c_uint8)), len(payload))
        except Exception as error:  # the SDK's callback must never kill the pump
            print(f"lkemu: event callback failed: {error!r}", file=sys.stderr)

    def _log_error(self, message: str, target: str = "lkemu") -> None:
        event = ffi_pb2.FfiEvent()
        event.logs.records.add(level=ffi_pb2.LOG_ERROR, target=target, message=message)
        if self._callback is not None:
            self._deliver(event.SerializeToString())


def _translation_failure(what: str, error: Exception) -> str:
    if isinstance(error, TranslationError):
        return str(error)
    return f"lkemu could not translate a {what} between protocols: {error!r}"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


_installed: EmulatedLibrary | None = None


def install(address: str | None = None) -> None:
    """Make `livekit.rtc` use an lkemu engine; call before anything of livekit.rtc is used.

    The engine is `address`, else LKEMU_ADDRESS, else a private embedded engine; with
    LKEMU_CLOCK=simulated (and neither), an engine on each event loop, whose time is
    simulated (lkemu.bindings.simulated_time, lkemu.bindings.inprocess). The SDK
    must be a livekit version lkemu speaks (lkemu.bindings.versions): others are refused
    here, naming the supported range.
    """
    global _installed
    if native_library_loaded():
        raise DropInError(
            "livekit.rtc was already initialised with its native library in this process; "
            "call lkemu.install() before using livekit.rtc (or use `lkemu run` / pytest --lkemu)"
        )
    version = installed_sdk_version()
    if version is None:
        raise DropInError("livekit.rtc is not installed: pip install livekit")
    try:
        check_supported(version)
    except UnsupportedSdkVersion as error:
        raise DropInError(str(error)) from None
    library = _installed or EmulatedLibrary(address)
    try:
        # livekit < 1.1 loads its library when livekit.rtc is imported: that load gets ours.
        with _native_library_replaced_by(library):
            from livekit.rtc import _ffi_client
    except ImportError as error:
        raise DropInError(f"livekit.rtc is not installed: {error}") from error
    if _ffi_client.FfiClient._instance is not None:
        raise DropInError("livekit.rtc's FfiClient already exists: install lkemu before it")
    if _installed is not None:
        return
    from livekit.rtc._proto import ffi_pb2 as sdk_protocol

    library.adapter = ProtocolAdapter.for_sdk(sdk_protocol, version)

    def load_emulated_library() -> EmulatedLibrary:
        return library

    _ffi_client.get_ffi_lib = load_emulated_library  # type: ignore[assignment]
    _installed = library
    if address is None and wants_in_process_engine():
        use_simulated_time()  # every event loop from now on: the engine runs on it
    os.environ.setdefault("LKEMU_DROPIN", "1")


@contextmanager
def _native_library_replaced_by(library: EmulatedLibrary) -> Iterator[None]:
    """While livekit.rtc is imported, `ctypes.CDLL(<liblivekit_ffi>)` returns `library`."""
    real = ctypes.CDLL

    class Loader(real):  # type: ignore[valid-type,misc]
        def __new__(cls, name: Any, *args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__")
            base = os.path.basename(str(name or ""))
            if caller == "livekit.rtc._ffi_client" or any(
                native in base for native in NATIVE_LIBRARY_NAMES
            ):
                return library  # not a Loader: CDLL.__init__ does not run
            return super().__new__(cls)

    ctypes.CDLL = Loader  # type: ignore[misc]
    try:
        yield
    finally:
        ctypes.CDLL = real  # type: ignore[misc]


def installed_library() -> EmulatedLibrary | None:
    return _installed
