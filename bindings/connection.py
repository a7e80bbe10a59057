"""A client's link to one engine: its session, requests, handle drops and event stream.

Requests and drops take the fast lane (engine/wire/framing.py) when the engine offers it,
else gRPC; so do events, on a connection of their own. The control service is
lkemu.bindings.control.

Every gRPC call shows the engine's secret (lkemu.bindings.credentials finds it) and every
call on the session its token; the fast lane shows both once, in its hello. A refusal
(EngineRefused) comes at once and says why.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
from collections.abc import Iterable, Iterator
from typing import cast

import grpc

from lkemu.engine.wire import shared_blobs
from lkemu.engine.wire.framing import (
    ERROR,
    EVENTS,
    EVENTS_END,
    HANDLE,
    HELLO,
    RAW_ANSWER,
    RAW_ANSWERED,
    RAW_CALL,
    TRACKED_CALL,
    TRACKED_DROP,
    UNANSWERED_DROP,
    SocketFrames,
    frame,
    hello,
    parse_handle_report,
    read_frame_blocking,
    send_frame,
)
from lkemu.engine.wire.limits import GRPC_OPTIONS
from lkemu.proto import engine_pb2, engine_pb2_grpc

from .credentials import FoundSecret, find_secret

_GONE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


class EngineUnavailable(RuntimeError):
    """The engine cannot be reached: it never started, died, was stopped, or did not answer
    within the request deadline."""


class EngineRefused(EngineUnavailable):
    """The engine refused this client: no secret, a wrong one, or a session not its own.
    The message has the engine's reason and where this client looked for the secret."""


REQUEST_TIMEOUT_ENV = "LKEMU_REQUEST_TIMEOUT"
DEFAULT_REQUEST_TIMEOUT_S = 30.0


def request_timeout() -> float:
    """How long a request or drop waits for the engine's answer (LKEMU_REQUEST_TIMEOUT)."""
    try:
        value = float(os.environ.get(REQUEST_TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT_S))
    except ValueError:
        return DEFAULT_REQUEST_TIMEOUT_S
    return value if value > 0 else DEFAULT_REQUEST_TIMEOUT_S


class FfiRequestError(RuntimeError):
    """The engine refused a request (the native core would have returned handle 0)."""

    def __init__(self, request_name: str, message: str, kind: int) -> None:
        super().__init__(message)
        self.request_name = request_name
        self.kind = kind
        self.kind_name = engine_pb2.ErrorKind.Name(kind)

    @property
    def not_implemented(self) -> bool:
        return self.kind == engine_pb2.NOT_IMPLEMENTED


def engine_gone(error: grpc.RpcError) -> bool:
    """Whether a failed gRPC call means the engine is gone (not just that call failed)."""
    return not isinstance(error, grpc.Call) or error.code() in _GONE


def refused(address: str, reason: str, secret: FoundSecret) -> EngineRefused:
    return EngineRefused(
        f"the lkemu engine at {address} refused this client: {reason} "
        f"(secret looked for in: {secret.source})"
    )


def unavailable(
    address: str, error: grpc.RpcError, secret: FoundSecret | None = None
) -> EngineUnavailable:
    """The EngineUnavailable a failed gRPC call means (EngineRefused for a refusal)."""
    if not isinstance(error, grpc.Call):
        return EngineUnavailable(f"the lkemu engine at {address} is gone ({error})")
    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
        return refused(address, str(error.details()), secret or FoundSecret("", "nowhere"))
    if engine_gone(error):
        return EngineUnavailable(f"the lkemu engine at {address} is gone ({error.details()})")
    return EngineUnavailable(f"engine call failed: {error.code()}: {error.details()}")


class FastLane:
    """Blocking framed socket for requests and drops (served by lkemu.engine.core.fastlane).

    One exchange at a time. Calls and drops the client cannot answer itself are
    TRACKED_CALL / TRACKED_DROP frames, whose answers report the handles the engine gave
    this session since the last answer (engine/wire/framing.py); a drop of a handle known
    alive is answered here, `True` as the engine would, and sent as an UNANSWERED_DROP: a
    request and the drop of its handle cost one round trip. The frame reaches the engine
    before anything sent after it, so no later request sees the handle.

    A drop asked for while this thread is inside an exchange (the garbage collector running
    an SDK handle's __del__ in the middle of a call) cannot interleave its frames with that
    call's: it is sent once the call's answer is read."""

    def __init__(
        self, address: str, session_id: int, session_token: bytes, secret: str, timeout: float
    ) -> None:
        # A frozen engine must not freeze its clients: no answer by then is an error.
        self._socket, frames = open_lane(address, session_id, session_token, secret, timeout)
        _kernel_deadline(self._socket, timeout)
        # Answers are waited for in poll(POLLIN), not in recv (framing.SocketFrames), with
        # the request deadline.
        self._poll = select.poll()
        self._poll.register(self._socket, select.POLLIN)
        self._timeout_ms = int(timeout * 1000)
        frames.wait = self._wait_readable
        self._frames = frames
        self._lock = threading.Lock()
        # Whether this thread is in (or entering, or leaving) an exchange: per thread, set
        # before the lock is taken and cleared after it is released, so a finalizer that
        # runs anywhere in between defers its drop instead of waiting on its own thread.
        self._inside = threading.local()
        self._deferred: list[int] = []  # drops asked for from inside an exchange
        self._broken: Exception | None = None  # a deferred drop's failure, for the next call
        # Handles the engine holds for this session, as its reports told (a subset: handles
        # given before the lane opened, or not reported yet, are not in it).
        self._alive: set[int] = set()
        self._generation: int | None = None  # the engine's removal count at the last report

    def _wait_readable(self) -> None:
        if not self._poll.poll(self._timeout_ms):
            raise TimeoutError("no answer from the engine in time")

    def busy_here(self) -> bool:
        """Whether this thread is inside an exchange (so it must not start another)."""
        return bool(getattr(self._inside, "active", False))

    def defer_drop(self, handle: int) -> None:
        self._deferred.append(handle)

    def call(self, payload: bytes, kind: int = TRACKED_CALL) -> memoryview:
        """A serialized FfiCall's FfiReply; with RAW_CALL, an encoded FfiRequest's answer
        (engine/wire/framing.py)."""
        inside = self._inside
        inside.active = True
        try:
            with self._lock:
                if self._broken is not None or self._deferred:
                    self._before()
                answer = self._tracked(kind, payload)
                if self._deferred:
                    self._after()
                return answer
        except BlockingIOError:  # the kernel's deadline (SO_RCVTIMEO / SO_SNDTIMEO) passed
            raise TimeoutError("no answer from the engine in time") from None
        finally:
            inside.active = False

    def drop(self, handle: int) -> bool:
        """Whether the engine held `handle` for this session (it no longer does)."""
        inside = self._inside
        inside.active = True
        try:
            with self._lock:
                if self._broken is not None or self._deferred:
                    self._before()
                existed = self._drop(handle)
                if self._deferred:
                    self._after()
                return existed
        except BlockingIOError:
            raise TimeoutError("no answer from the engine in time") from None
        finally:
            inside.active = False

    def _before(self) -> None:
        if self._broken is not None:
            raise self._broken
        self._flush()

    def _after(self) -> None:
        try:
            self._flush()
        except (OSError, ValueError) as error:
            # This call has its answer; the lane is out of step for the next one.
            self._broken = error

    def _flush(self) -> None:
        while self._deferred:
            self._drop(self._deferred.pop(0))

    def _drop(self, handle: int) -> bool:
        if handle in self._alive:
            self._alive.discard(handle)
            self._socket.sendall(frame(UNANSWERED_DROP, HANDLE.pack(handle)))
            return True
        return bool(self._tracked(TRACKED_DROP, HANDLE.pack(handle))[0])

    def _tracked(self, kind: int, payload: bytes) -> memoryview:
        """One round trip; the answer after its handle report, which is taken in."""
        send_frame(self._socket, kind, payload)
        answer = memoryview(read_frame_blocking(self._frames)[1])
        handles, generation, start = parse_handle_report(answer)
        if generation != self._generation:
            if self._generation is not None:
                self._alive.clear()  # the engine removed handles by itself: forget them all
            self._generation = generation
        self._alive.update(handles)
        return answer[start:]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()


def _kernel_deadline(lane: socket.socket, timeout: float) -> None:
    """Blocking mode with the deadline kept by the kernel (SO_SNDTIMEO; SO_RCVTIMEO too,
    though answers are waited for in poll first): one send system call per frame. With a
    Python-level timeout each send and receive is a poll, then the call (then another when
    the answer is not there yet): 8 system calls a request and drop instead of 4. A call
    past the deadline fails with EAGAIN (BlockingIOError)."""
    seconds = int(timeout)
    value = struct.pack("@ll", seconds, int((timeout - seconds) * 1_000_000))
    try:
        lane.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        lane.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    except OSError:
        return  # the Python-level timeout stays
    lane.settimeout(None)


class LaneRefused(Exception):
    """The engine answered the fast lane's hello with an error frame: its reason."""


def open_lane(
    address: str, session_id: int, session_token: bytes, secret: str, timeout: float | None
) -> tuple[socket.socket, SocketFrames]:
    """A fast-lane connection past its hello (LaneRefused with the engine's reason)."""
    if address.startswith("unix:"):
        lane = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lane.settimeout(timeout)
        lane.connect(address.removeprefix("unix:").removeprefix("//"))
    else:
        host, _, port = address.rpartition(":")
        lane = socket.create_connection((host.strip("[]"), int(port)), timeout)
        lane.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    frames = SocketFrames(lane)
    try:
        lane.sendall(hello(session_id, session_token, secret))
        kind, answer = read_frame_blocking(frames)
    except BaseException:
        lane.close()
        raise
    if kind != HELLO:
        lane.close()
        reason = answer.decode(errors="replace") if kind == ERROR else f"frame kind {kind}"
        raise LaneRefused(reason)
    return lane, frames


def fast_lane_events() -> bool:
    """Events over the fast lane unless LKEMU_FAST_EVENTS=0 (then gRPC's Events call). Its
    sender once held the engine's loop 0.4-0.7 s a step under the fuzzer (a session whose
    events never ran dry); it now yields after each burst, as gRPC's stream does, and the
    fuzzer's minute passes either way."""
    return os.environ.get("LKEMU_FAST_EVENTS", "1") != "0"


class EngineConnection:
    def __init__(
        self, address: str, channel: grpc.Channel, secret: FoundSecret | None = None
    ) -> None:
        self.address = address
        self.channel = channel
        self._engine = engine_pb2_grpc.FfiEngineStub(channel)
        self.secret = secret if secret is not None else find_secret(address)
        self._metadata = self.secret.metadata()
        self.session_id = 0
        self.session_token = b""
        self.clock = ""
        # Set once the engine is known to be gone, so later calls fail at once.
        self.lost: str | None = None
        self.closed = False
        self.timeout = request_timeout()  # read once: requests are the hot path
        self._fast: FastLane | None = None
        self._fast_address = ""
        self._events_call: grpc.Future | None = None
        self._events_lane: socket.socket | None = None
        # Large blobs travel as files under /dev/shm (lkemu.engine.wire.shared_blobs), named
        # with this session's tag.
        self.shared_memory = False
        self.blob_tag = ""

    @classmethod
    def connect(
        cls, address: str, timeout: float = 10.0, secret: FoundSecret | None = None
    ) -> EngineConnection:
        """A connection to the engine at `address`, waited for up to `timeout`; EngineRefused
        at once if it does not take this client's secret (`secret`, else found)."""
        from .control import EngineControl

        secret = secret if secret is not None else find_secret(address)
        channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        EngineControl(address, channel, owns_channel=True, secret=secret).wait_ready(timeout)
        return cls(address, channel, secret)

    def _gone(self, error: Exception) -> EngineUnavailable:
        """Mark the engine lost (later calls fail at once), unless only this call failed."""
        if isinstance(error, grpc.RpcError):
            if not engine_gone(error):
                return unavailable(self.address, error, self.secret)
            lost = str(unavailable(self.address, error))
        else:  # the fast lane's socket
            lost = f"the lkemu engine at {self.address} is gone ({error})"
        self.lost = self.lost or lost
        return EngineUnavailable(self.lost)

    def _timed_out(self) -> EngineUnavailable:
        # The lane is out of step once an answer is late: later calls fail at once.
        self.lost = self.lost or (
            f"the lkemu engine at {self.address} did not answer within "
            f"{self.timeout:g} s ({REQUEST_TIMEOUT_ENV}); is it stopped or frozen?"
        )
        return EngineUnavailable(self.lost)

    def _check(self) -> None:
        if self.lost is not None:
            raise EngineUnavailable(self.lost)
        if self.closed:
            raise EngineUnavailable("this connection to the lkemu engine was closed")

    def open_session(self, capture_logs: bool, sdk: str, sdk_version: str) -> int:
        self._check()
        request = engine_pb2.OpenSessionRequest(
            capture_logs=capture_logs, sdk=sdk, sdk_version=sdk_version, client_pid=os.getpid()
        )
        probe = _shared_memory_probe(request)
        try:
            opened = self._engine.OpenSession(request, metadata=self._metadata)
        except grpc.RpcError as error:
            raise self._gone(error) from None
        finally:
            if probe:
                shared_blobs.discard(probe)  # read (and removed) by the engine, or not
        self.session_id = opened.session_id
        self.session_token = opened.session_token
        self.clock = opened.clock
        self.shared_memory = opened.shared_memory
        self.blob_tag = opened.blob_tag
        if opened.fast_lane and os.environ.get("LKEMU_FAST_LANE", "1") != "0":
            try:
                self._fast = FastLane(
                    opened.fast_lane,
                    self.session_id,
                    self.session_token,
                    self.secret.value,
                    self.timeout,
                )
            except LaneRefused as refusal:
                raise refused(self.address, str(refusal), self.secret) from None
            except OSError:
                self._fast = None  # gRPC alone still works
            else:
                self._fast_address = opened.fast_lane
        return self.session_id

    def request_plain(self, data: bytes) -> tuple[int, bytes] | engine_pb2.FfiReply:
        """A request that names no client memory: its handle and encoded response if it
        succeeded (and hands out no memory), else its whole reply. On the fast lane its
        bytes cross as they are (RAW_CALL), one round trip."""
        fast = self._fast
        if fast is None:
            return self.request(data)
        self._check()
        try:
            answer = fast.call(data, RAW_CALL)
        except TimeoutError:
            raise self._timed_out() from None
        except (OSError, ValueError) as error:
            raise self._gone(error) from None
        if answer[0] == RAW_ANSWERED:
            handle = RAW_ANSWER.unpack_from(answer)[1]
            return handle, bytes(answer[RAW_ANSWER.size :])
        return engine_pb2.FfiReply.FromString(answer[1:])  # type: ignore[arg-type]

    def request(self, data: bytes, inputs: Iterable[engine_pb2.Blob] = ()) -> engine_pb2.FfiReply:
        self._check()
        call = engine_pb2.FfiCall(session_id=self.session_id, request=data, inputs=inputs)
        try:
            if self._fast is not None:
                try:
                    answer = self._fast.call(call.SerializeToString())
                except TimeoutError:
                    raise self._timed_out() from None
                except (OSError, ValueError) as error:
                    raise self._gone(error) from None
                return engine_pb2.FfiReply.FromString(cast(bytes, answer))  # (any buffer parses)
            call.session_token = self.session_token  # the fast lane has it from its hello
            try:
                return self._engine.Request(call, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as error:
                raise self._gone(error) from None
            except ValueError as error:  # the channel was closed
                raise self._gone(error) from None
        except EngineUnavailable:
            for blob in call.inputs:  # nobody will read them now
                if blob.shared_name:
                    shared_blobs.discard(blob.shared_name)
            raise

    def drop_handle(self, handle: int) -> bool:
        self._check()
        fast = self._fast
        if fast is not None:
            if fast.busy_here():
                # Reentered from inside a call (a handle's __del__ run by the collector): the
                # drop follows that call. Whether the handle existed is not known yet: the
                # SDK asserts a drop's result, and a handle it holds does exist.
                fast.defer_drop(handle)
                return True
            try:
                return fast.drop(handle)
            except TimeoutError:
                raise self._timed_out() from None
            except (OSError, ValueError) as error:
                raise self._gone(error) from None
        request = engine_pb2.DropHandleRequest(
            session_id=self.session_id, handle=handle, session_token=self.session_token
        )
        try:
            answer = self._engine.DropHandle(request, timeout=self.timeout, metadata=self._metadata)
            return bool(answer.existed)
        except (grpc.RpcError, ValueError) as error:  # ValueError: the channel was closed
            raise self._gone(error) from None

    def event_batches(self) -> Iterator[list[engine_pb2.EngineEvent]]:
        """The session's events as the engine sent them, in bursts, until the session
        closes; marks the engine lost if the stream is cut. On the fast lane where the
        engine has one, else on gRPC's Events call."""
        if self._fast_address and not self.closed and fast_lane_events():
            try:
                lane, frames = open_lane(
                    self._fast_address, self.session_id, self.session_token,
                    self.secret.value, self.timeout,
                )  # fmt: skip
            except (OSError, LaneRefused):
                pass  # gRPC's stream still works
            else:
                self._events_lane = lane
                yield from self._lane_batches(lane, frames)
                return
        request = engine_pb2.EventsRequest(
            session_id=self.session_id, session_token=self.session_token
        )
        try:
            stream = self._engine.Events(request, metadata=self._metadata)
        except ValueError:  # "Cannot invoke RPC: Channel closed!": closed as the pump started
            if self.closed:
                return
            raise
        self._events_call = stream
        try:
            for batch in stream:
                yield list(batch.events)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.CANCELLED:
                return  # we cancelled it ourselves on close
            self._gone(error)

    def _lane_batches(
        self, lane: socket.socket, frames: SocketFrames
    ) -> Iterator[list[engine_pb2.EngineEvent]]:
        try:
            lane.sendall(frame(EVENTS, b""))
            lane.settimeout(None)  # events may be minutes apart
            while True:
                kind, payload = read_frame_blocking(frames)
                if kind == EVENTS:
                    yield list(engine_pb2.EventBatch.FromString(payload).events)
                elif kind == EVENTS_END:
                    return  # the session ended
                else:
                    reason = payload.decode(errors="replace") if kind == ERROR else str(kind)
                    raise ConnectionError(f"the event stream was refused: {reason}")
        except (OSError, ValueError) as error:
            if not self.closed:  # else we closed it ourselves
                self._gone(error)
        finally:
            lane.close()

    def close_session(self) -> int:
        if self.lost is not None or not self.session_id:
            return 0
        try:
            request = engine_pb2.CloseSessionRequest(
                session_id=self.session_id, session_token=self.session_token
            )
            closed = self._engine.CloseSession(request, timeout=5, metadata=self._metadata)
        except (grpc.RpcError, ValueError):  # ValueError: the channel is already closed
            return 0
        return int(closed.released_handles)

    def close(self) -> None:
        # Whatever comes after (an SDK handle's __del__ at exit, say) fails quietly at once.
        self.closed = True
        if self._fast is not None:
            self._fast.close()
            self._fast = None
        if self._events_call is not None:
            self._events_call.cancel()
        if self._events_lane is not None:
            with contextlib.suppress(OSError):
                self._events_lane.shutdown(socket.SHUT_RDWR)
        self.channel.close()


def _shared_memory_probe(request: engine_pb2.OpenSessionRequest) -> str:
    """Write a probe for the engine to read back (see engine.proto); its name, or ""."""
    if os.environ.get("LKEMU_SHARED_MEMORY", "1") == "0" or not shared_blobs.available():
        return ""
    token = os.urandom(16)
    try:
        name = shared_blobs.write(token)
    except OSError:
        return ""
    request.shared_probe, request.shared_token = name, token
    return name
