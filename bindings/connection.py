"""A client's link to one engine: its session, requests, handle drops and event stream."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import grpc

from lkemu.engine.wire import shared_blobs
from lkemu.proto import engine_pb2, engine_pb2_grpc

# Must match the engine's limits: video frames exceed gRPC's 4 MB default.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]

_GONE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


class EngineUnavailable(RuntimeError):
    """The engine cannot be reached: it never started, died, or was stopped."""


class ControlRefused(RuntimeError):
    """The engine's control service refused a request; the message says why."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: {reason}")
        self.method, self.reason = method, reason


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


_HEADER = struct.Struct("<IB")
_HELLO, _CALL, _DROP = 1, 2, 3


class FastLane:
    """Blocking framed socket for requests and drops (see lkemu.engine.core.fastlane)."""

    def __init__(self, address: str, session_id: int) -> None:
        if address.startswith("unix:"):
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._socket.connect(address.removeprefix("unix:").removeprefix("//"))
        else:
            host, _, port = address.rpartition(":")
            self._socket = socket.create_connection((host.strip("[]"), int(port)))
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._socket.makefile("rb")
        self._lock = threading.Lock()
        self._socket.sendall(_HEADER.pack(9, _HELLO) + struct.pack("<Q", session_id))

    def exchange(self, kind: int, payload: bytes) -> bytes:
        with self._lock:
            self._socket.sendall(_HEADER.pack(len(payload) + 1, kind) + payload)
            header = self._reader.read(_HEADER.size)
            if len(header) < _HEADER.size:
                raise ConnectionError("the engine closed the fast lane")
            length, _ = _HEADER.unpack(header)
            body = self._reader.read(length - 1)
            if len(body) < length - 1:
                raise ConnectionError("the engine closed the fast lane")
            return body

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._reader.close()
        self._socket.close()


class EngineConnection:
    def __init__(self, address: str, channel: grpc.Channel) -> None:
        self.address = address
        self._channel = channel
        self._engine = engine_pb2_grpc.FfiEngineStub(channel)
        self._control = engine_pb2_grpc.EngineControlStub(channel)
        self.session_id = 0
        self.clock = ""
        # Set once the engine is known to be gone, so later calls fail at once.
        self.lost: str | None = None
        self._fast: FastLane | None = None
        # Large blobs travel as files under /dev/shm (lkemu.engine.wire.shared_blobs).
        self.shared_memory = False

    @classmethod
    def connect(cls, address: str, timeout: float = 10.0) -> EngineConnection:
        channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        connection = cls(address, channel)
        # One call that waits for the channel, rather than channel_ready_future, whose
        # connectivity watcher makes every channel.close() wait ~200 ms.
        try:
            connection._control.Info(engine_pb2.InfoRequest(), wait_for_ready=True, timeout=timeout)
        except grpc.RpcError:
            channel.close()
            raise EngineUnavailable(
                f"no lkemu engine answered at {address} within {timeout:g} s"
            ) from None
        return connection

    def _gone(self, error: grpc.RpcError) -> EngineUnavailable:
        code = error.code() if isinstance(error, grpc.Call) else None
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        if code in _GONE or code is None:
            self.lost = self.lost or f"the lkemu engine at {self.address} is gone ({details})"
            return EngineUnavailable(self.lost)
        return EngineUnavailable(f"engine call failed: {code}: {details}")

    def _check(self) -> None:
        if self.lost is not None:
            raise EngineUnavailable(self.lost)

    def open_session(self, capture_logs: bool, sdk: str, sdk_version: str) -> int:
        self._check()
        request = engine_pb2.OpenSessionRequest(
            capture_logs=capture_logs, sdk=sdk, sdk_version=sdk_version, client_pid=os.getpid()
        )
        probe = _shared_memory_probe(request)
        try:
            opened = self._engine.OpenSession(request)
        except grpc.RpcError as error:
            raise self._gone(error) from None
        finally:
            if probe:
                shared_blobs.discard(probe)  # read (and removed) by the engine, or not
        self.session_id = opened.session_id
        self.clock = opened.clock
        self.shared_memory = opened.shared_memory
        if opened.fast_lane and os.environ.get("LKEMU_FAST_LANE", "1") != "0":
            try:
                self._fast = FastLane(opened.fast_lane, self.session_id)
            except OSError:
                self._fast = None  # gRPC alone still works
        return self.session_id

    def _lane_lost(self, error: Exception) -> EngineUnavailable:
        self.lost = self.lost or f"the lkemu engine at {self.address} is gone ({error})"
        return EngineUnavailable(self.lost)

    def request(self, data: bytes, inputs: Iterable[engine_pb2.Blob] = ()) -> engine_pb2.FfiReply:
        self._check()
        call = engine_pb2.FfiCall(session_id=self.session_id, request=data, inputs=inputs)
        try:
            if self._fast is not None:
                try:
                    answer = self._fast.exchange(_CALL, call.SerializeToString())
                except (OSError, ValueError) as error:
                    raise self._lane_lost(error) from None
                return engine_pb2.FfiReply.FromString(answer)
            try:
                return self._engine.Request(call)
            except grpc.RpcError as error:
                raise self._gone(error) from None
        except EngineUnavailable:
            for blob in call.inputs:  # nobody will read them now
                if blob.shared_name:
                    shared_blobs.discard(blob.shared_name)
            raise

    def drop_handle(self, handle: int) -> bool:
        self._check()
        request = engine_pb2.DropHandleRequest(session_id=self.session_id, handle=handle)
        if self._fast is not None:
            try:
                answer = self._fast.exchange(_DROP, request.SerializeToString())
            except (OSError, ValueError) as error:
                raise self._lane_lost(error) from None
            return bool(engine_pb2.DropHandleResponse.FromString(answer).existed)
        try:
            return bool(self._engine.DropHandle(request).existed)
        except grpc.RpcError as error:
            raise self._gone(error) from None

    def events(self) -> Iterator[engine_pb2.EngineEvent]:
        """The session's events, one by one."""
        for batch in self.event_batches():
            yield from batch

    def event_batches(self) -> Iterator[list[engine_pb2.EngineEvent]]:
        """The session's events as the engine sent them, in bursts, until the session
        closes; marks the engine lost if the stream is cut."""
        stream = self._engine.Events(engine_pb2.EventsRequest(session_id=self.session_id))
        self._events_call = stream
        try:
            for batch in stream:
                yield list(batch.events)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.CANCELLED:
                return  # we cancelled it ourselves on close
            self._gone(error)

    def close_session(self) -> int:
        if self.lost is not None or not self.session_id:
            return 0
        try:
            closed = self._engine.CloseSession(
                engine_pb2.CloseSessionRequest(session_id=self.session_id), timeout=5
            )
        except (grpc.RpcError, ValueError):  # ValueError: the channel is already closed
            return 0
        return int(closed.released_handles)

    def info(self) -> engine_pb2.EngineInfo:
        self._check()
        try:
            return self._control.Info(engine_pb2.InfoRequest())
        except grpc.RpcError as error:
            raise self._gone(error) from None

    def count_handles(self, session_id: int = 0) -> engine_pb2.HandleCounts:
        self._check()
        try:
            return self._control.CountHandles(engine_pb2.HandleCountsRequest(session_id=session_id))
        except grpc.RpcError as error:
            raise self._gone(error) from None

    # Rooms, as a server's RoomService sees them (engine/room_control.py).

    def _control_call(self, method: str, request: Any) -> Any:
        self._check()
        try:
            return getattr(self._control, method)(request)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                raise ControlRefused(method, str(error.details())) from None
            raise self._gone(error) from None

    def list_rooms(self) -> list[engine_pb2.RoomSummary]:
        return list(self._control_call("ListRooms", engine_pb2.ListRoomsRequest()).rooms)

    def list_participants(self, room: str) -> list[engine_pb2.ParticipantSummary]:
        request = engine_pb2.ListParticipantsRequest(room=room)
        return list(self._control_call("ListParticipants", request).participants)

    def inject_participant(
        self,
        room: str,
        identity: str,
        *,
        wav: bytes | None = None,
        signal: engine_pb2.GeneratedSignal | None = None,
        name: str = "",
        metadata: str = "",
        loop: bool = False,
        start_immediately: bool = False,
    ) -> engine_pb2.InjectParticipantReply:
        """A participant the engine plays, publishing `wav` (16-bit PCM WAV bytes) or a
        generated `signal` as its microphone; by default it starts on its first subscriber."""
        request = engine_pb2.InjectParticipantRequest(
            room=room,
            identity=identity,
            name=name,
            metadata=metadata,
            loop=loop,
            start_immediately=start_immediately,
        )
        if wav is not None:
            request.wav = wav
        if signal is not None:
            request.signal.CopyFrom(signal)
        return self._control_call("InjectParticipant", request)

    def remove_participant(self, room: str, identity: str, reason: int = 0) -> None:
        request = engine_pb2.RemoveParticipantRequest(room=room, identity=identity, reason=reason)
        self._control_call("RemoveParticipant", request)

    def close_room(self, room: str) -> int:
        request = engine_pb2.CloseRoomRequest(room=room)
        return int(self._control_call("CloseRoom", request).disconnected)

    def update_room_metadata(self, room: str, metadata: str) -> None:
        request = engine_pb2.UpdateRoomMetadataRequest(room=room, metadata=metadata)
        self._control_call("UpdateRoomMetadata", request)

    def set_connection_quality(self, room: str, identity: str, quality: int) -> None:
        request = engine_pb2.SetConnectionQualityRequest(
            room=room, identity=identity, quality=quality
        )
        self._control_call("SetConnectionQuality", request)

    def simulate_reconnect(self, room: str, identity: str) -> None:
        request = engine_pb2.SimulateReconnectRequest(room=room, identity=identity)
        self._control_call("SimulateReconnect", request)

    def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
            self._fast = None
        events = getattr(self, "_events_call", None)
        if events is not None:
            events.cancel()
        self._channel.close()


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
