"""The wire layer: lkemu's gRPC services over the engine runtime.

Everything runs on one asyncio loop, so engine state needs no locks. The server binds to
loopback or a Unix socket only.

Both are open to every local process, so the engine serves only those that show its secret
(engine/wire/secret.py): a server interceptor refuses any other gRPC call at once with
UNAUTHENTICATED, saying where the secret is (the health service stays open). A Unix socket
is made 0600 in a directory only its user may enter (0700), created if missing and refused
if open to others. Sessions are their clients' own (engine/core/session.py): each call on
one shows its token, and a wrong token is answered as an unknown session.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import hmac
import ipaddress
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from lkemu import __version__
from lkemu.proto import capture_pb2, engine_pb2, engine_pb2_grpc

from ..media import capture as capture_control
from ..media import platform_audio as audio_control
from ..rooms import control as room_control
from ..rooms import simulcast
from ..wire import secret as engine_secret
from ..wire import shared_blobs
from ..wire.limits import GRPC_OPTIONS
from . import dispatch
from .fastlane import FastLane
from .runtime import EngineRuntime
from .session import Session
from .spec import PROTOCOL_VERSION, REQUESTS

logger = logging.getLogger("lkemu.engine")

MAX_EVENTS_PER_BATCH = 256
T = TypeVar("T")

SERVICE_NAMES = ("lkemu.engine.FfiEngine", "lkemu.engine.EngineControl")
# Readiness probes need no secret: the health service tells nothing and changes nothing.
OPEN_SERVICE_PREFIX = "/grpc.health.v1.Health/"


class AddressError(ValueError):
    pass


def check_local_address(address: str) -> str:
    """Accept `unix:PATH` or a loopback host:port; refuse anything reachable from outside."""
    if address.startswith("unix:"):
        return address
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise AddressError(f"address must be HOST:PORT or unix:PATH, got {address!r}")
    if int(port) > 65535:
        raise AddressError(f"port must be 0 to 65535, got {port}")
    bare = host.strip("[]")
    if bare != "localhost":
        try:
            ip = ipaddress.ip_address(bare)
        except ValueError as error:
            raise AddressError(f"not a loopback address: {host!r}") from error
        if not ip.is_loopback:
            raise AddressError(f"lkemu serves on loopback only, not {host}")
    return address


class SecretCheck(grpc.aio.ServerInterceptor):
    """Serve only calls that carry the engine's secret; refuse the others at once."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Any],
        details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICE_PREFIX):
            return handler
        given = [
            value
            for key, value in details.invocation_metadata or ()
            if key == engine_secret.METADATA_KEY
        ]
        if not given:
            reason = "this call carries no secret"
        elif hmac.compare_digest(_as_bytes(given[0]), self._secret):
            return handler
        else:
            reason = "wrong secret (another engine's, or a stale file?)"
        return _refusal(handler, f"lkemu engine: {reason}; {engine_secret.HOW_TO_GET_IT}")


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _refusal(handler: grpc.RpcMethodHandler, message: str) -> grpc.RpcMethodHandler:
    """A handler of the same shape as `handler` that aborts with UNAUTHENTICATED."""

    async def refuse(request: object, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    async def refuse_stream(
        request: object, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[None]:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)
        yield  # a generator, as a streaming handler must be

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse_stream)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse_stream)
    return grpc.unary_unary_rpc_method_handler(refuse)


class FfiEngineService(engine_pb2_grpc.FfiEngineServicer):
    def __init__(self, runtime: EngineRuntime, fast_lane: str = "") -> None:
        self.runtime = runtime
        self.fast_lane = fast_lane

    def _session(self, session_id: int, token: bytes) -> Session | None:
        """The session, if `token` is its own: another client's is as good as unknown."""
        session = self.runtime.sessions.get(session_id)
        return session if session is not None and session.owned_by(token) else None

    async def OpenSession(
        self, request: engine_pb2.OpenSessionRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.OpenSessionResponse:
        session = self.runtime.open_session(request.capture_logs, request.sdk, request.sdk_version)
        session.shared_memory = _sees_probe(request)
        logger.info("session %d opened (%s %s, pid %d, shared memory %s)", session.id,
                    request.sdk, request.sdk_version, request.client_pid,
                    "on" if session.shared_memory else "off")  # fmt: skip
        return engine_pb2.OpenSessionResponse(
            session_id=session.id,
            engine_version=__version__,
            clock=self.runtime.clock,
            fast_lane=self.fast_lane,
            shared_memory=session.shared_memory,
            blob_tag=session.blob_tag,
            session_token=session.token,
        )

    async def Request(
        self, request: engine_pb2.FfiCall, context: grpc.aio.ServicerContext
    ) -> engine_pb2.FfiReply:
        session = self._session(request.session_id, request.session_token)
        if session is None:
            return engine_pb2.FfiReply(
                error=f"no session {request.session_id} for this client: open one first "
                "(or it was closed)",
                error_kind=engine_pb2.NO_SESSION,
            )
        return dispatch.execute(self.runtime, session, request)

    async def DropHandle(
        self, request: engine_pb2.DropHandleRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.DropHandleResponse:
        if self._session(request.session_id, request.session_token) is None:
            return engine_pb2.DropHandleResponse(existed=False)
        existed = self.runtime.drop_handle(request.session_id, request.handle)
        return engine_pb2.DropHandleResponse(existed=existed)

    async def Events(
        self, request: engine_pb2.EventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[engine_pb2.EventBatch]:
        session = self._session(request.session_id, request.session_token)
        if session is None:
            await context.abort(
                grpc.StatusCode.NOT_FOUND, f"no session {request.session_id} for this client"
            )
            return
        if session.events_taken:
            # A second reader would split the events, and its end would close the session.
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"the events of session {session.id} are already being read",
            )
            return
        session.events_taken = True
        queue = session.events
        try:
            while True:
                event = await queue.get()
                if event is None:
                    return
                batch = engine_pb2.EventBatch()
                batch.events.append(event)
                ended = False
                while not queue.empty() and len(batch.events) < MAX_EVENTS_PER_BATCH:
                    more = queue.get_nowait()
                    if more is None:
                        ended = True
                        break
                    batch.events.append(more)
                yield batch
                session.drained()
                if ended:
                    return
        finally:
            # The stream ends when the client goes away: nothing it owned survives it.
            released = self.runtime.close_session(session.id)
            if released:
                logger.info("session %d gone, %d handles released", session.id, released)

    async def CloseSession(
        self, request: engine_pb2.CloseSessionRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.CloseSessionResponse:
        if self._session(request.session_id, request.session_token) is None:
            return engine_pb2.CloseSessionResponse(released_handles=0)
        released = self.runtime.close_session(request.session_id)
        return engine_pb2.CloseSessionResponse(released_handles=released)


class EngineControlService(engine_pb2_grpc.EngineControlServicer):
    def __init__(self, runtime: EngineRuntime) -> None:
        self.runtime = runtime

    async def Info(
        self, request: engine_pb2.InfoRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.EngineInfo:
        rows = [(row.name, row.status, row.missing) for row in dispatch.coverage()]
        return engine_pb2.EngineInfo(
            engine_version=__version__,
            protocol_version=PROTOCOL_VERSION,
            clock=self.runtime.clock,
            sessions=len(self.runtime.sessions),
            implemented_requests=[name for name, state, _ in rows if state != "not implemented"],
            unimplemented_requests=[name for name, state, _ in rows if state == "not implemented"],
            partial_requests={name: missing for name, state, missing in rows if state == "partial"},
            pid=os.getpid(),
        )

    async def CountHandles(
        self, request: engine_pb2.HandleCountsRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.HandleCounts:
        counts = self.runtime.handles.count(request.session_id)
        return engine_pb2.HandleCounts(total=sum(counts.values()), by_type=dict(counts))

    # Rooms (engine/rooms/control.py): a refused request aborts with its reason.

    async def _run(self, context: grpc.aio.ServicerContext, work: Callable[[], T]) -> T:
        try:
            return work()
        except room_control.ControlError as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise  # abort raises; this keeps type checkers informed

    async def ListRooms(
        self, request: engine_pb2.ListRoomsRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.ListRoomsReply:
        return room_control.list_rooms(self.runtime)

    async def ListParticipants(
        self, request: engine_pb2.ListParticipantsRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.ListParticipantsReply:
        return await self._run(
            context, lambda: room_control.list_participants(self.runtime, request.room)
        )

    async def InjectParticipant(
        self, request: engine_pb2.InjectParticipantRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.InjectParticipantReply:
        return await self._run(
            context, lambda: room_control.inject_participant(self.runtime, request)
        )

    async def RemoveParticipant(
        self, request: engine_pb2.RemoveParticipantRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.RemoveParticipantReply:
        await self._run(
            context,
            lambda: room_control.remove_participant(
                self.runtime, request.room, request.identity, request.reason
            ),
        )
        return engine_pb2.RemoveParticipantReply()

    async def CloseRoom(
        self, request: engine_pb2.CloseRoomRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.CloseRoomReply:
        count = await self._run(
            context, lambda: room_control.close_room(self.runtime, request.room)
        )
        return engine_pb2.CloseRoomReply(disconnected=count)

    async def UpdateRoomMetadata(
        self, request: engine_pb2.UpdateRoomMetadataRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.UpdateRoomMetadataReply:
        await self._run(
            context,
            lambda: room_control.update_room_metadata(self.runtime, request.room, request.metadata),
        )
        return engine_pb2.UpdateRoomMetadataReply()

    async def SetConnectionQuality(
        self, request: engine_pb2.SetConnectionQualityRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SetConnectionQualityReply:
        await self._run(
            context,
            lambda: room_control.set_connection_quality(
                self.runtime, request.room, request.identity, request.quality
            ),
        )
        return engine_pb2.SetConnectionQualityReply()

    async def SimulateReconnect(
        self, request: engine_pb2.SimulateReconnectRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SimulateReconnectReply:
        await self._run(
            context,
            lambda: room_control.simulate_reconnect(self.runtime, request.room, request.identity),
        )
        return engine_pb2.SimulateReconnectReply()

    async def SetNetworkConditions(
        self, request: engine_pb2.SetNetworkConditionsRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SetNetworkConditionsReply:
        await self._run(context, lambda: room_control.set_network_conditions(self.runtime, request))
        return engine_pb2.SetNetworkConditionsReply()

    async def CutNetwork(
        self, request: engine_pb2.CutNetworkRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.CutNetworkReply:
        await self._run(
            context,
            lambda: room_control.cut_network(
                self.runtime, request.room, request.identity, request.seconds
            ),
        )
        return engine_pb2.CutNetworkReply()

    async def RestoreNetwork(
        self, request: engine_pb2.RestoreNetworkRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.RestoreNetworkReply:
        await self._run(
            context,
            lambda: room_control.restore_network(self.runtime, request.room, request.identity),
        )
        return engine_pb2.RestoreNetworkReply()

    async def InjectRequestFault(
        self, request: engine_pb2.InjectRequestFaultRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.InjectRequestFaultReply:
        spec = REQUESTS.get(request.request_name)
        if spec is None or spec.callback is None:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"{request.request_name!r} is not an async request kind",
            )
        message = request.message or "fault injected by the control service"
        self.runtime.faults.add(request.request_name, max(1, request.times), message)
        return engine_pb2.InjectRequestFaultReply()

    async def SetRpcReplies(
        self, request: engine_pb2.SetRpcRepliesRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SetRpcRepliesReply:
        await self._run(context, lambda: room_control.set_rpc_replies(self.runtime, request))
        return engine_pb2.SetRpcRepliesReply()

    async def _run_async(
        self, context: grpc.aio.ServicerContext, work: Coroutine[Any, Any, T]
    ) -> T:
        try:
            return await work
        except room_control.ControlError as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise

    async def PerformRpc(
        self, request: engine_pb2.ControlPerformRpcRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.ControlPerformRpcReply:
        return await self._run_async(context, room_control.perform_rpc(self.runtime, request))

    async def SendText(
        self, request: engine_pb2.ControlSendTextRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.ControlSendTextReply:
        return await self._run_async(context, room_control.send_text(self.runtime, request))

    async def SetDataBandwidth(
        self, request: engine_pb2.SetDataBandwidthRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SetDataBandwidthReply:
        await self._run(context, lambda: room_control.set_data_bandwidth(self.runtime, request))
        return engine_pb2.SetDataBandwidthReply()

    # Platform audio's virtual devices and capture faults (engine/media).

    async def SetAudioDevices(
        self, request: engine_pb2.SetAudioDevicesRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SetAudioDevicesReply:
        try:
            return audio_control.set_audio_devices(self.runtime, request)
        except audio_control.DeviceConfigError as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise

    async def GetPlayoutAudio(
        self, request: engine_pb2.GetPlayoutAudioRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.GetPlayoutAudioReply:
        try:
            return audio_control.get_playout_audio(self.runtime, request)
        except audio_control.DeviceConfigError as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise

    async def FailCapture(
        self, request: engine_pb2.FailCaptureRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.FailCaptureReply:
        if request.kind not in capture_pb2.CaptureErrorKind.values():
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, f"{request.kind} is not a CaptureErrorKind"
            )
        kind = cast(capture_pb2.CaptureErrorKind, request.kind)
        failed = self.runtime.area(capture_control.Captures).fail(
            request.capture_handle, kind, request.message or "fault injected by the control service"
        )
        return engine_pb2.FailCaptureReply(failed=failed)

    async def SendEncoderFeedback(
        self, request: engine_pb2.SendEncoderFeedbackRequest, context: grpc.aio.ServicerContext
    ) -> engine_pb2.SendEncoderFeedbackReply:
        try:
            sid = simulcast.send_encoder_feedback(self.runtime, request)
        except simulcast.FeedbackRefused as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise
        return engine_pb2.SendEncoderFeedbackReply(track_sid=sid)


def _unix_leftovers(path: str) -> tuple[str, ...]:
    """The files an engine on Unix socket `path` makes: the sockets and the secret."""
    return (path, path + ".fast", engine_secret.default_secret_path(f"unix:{path}"))


def _claim_unix_path(address: str) -> None:
    """The socket's directory must be this user's alone (made 0700 if missing). A socket
    path in use by a live engine is refused; a dead engine's is removed."""
    path = engine_secret.unix_path(address)
    try:
        engine_secret.ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    except OSError as error:
        raise AddressError(f"cannot serve on {address}: {error}") from None
    if not os.path.exists(path):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:  # nobody answers: a stale socket of a dead engine
        for leftover in _unix_leftovers(path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
        return
    finally:
        probe.close()
    raise AddressError(f"{address} is in use by a running engine")


def _store_secret(bound: str, secret: str, secret_file: str | None) -> str:
    """Write the secret where clients of `bound` look for it (or to `secret_file`); its path.
    AddressError if it cannot be written privately."""
    path = secret_file or engine_secret.default_secret_path(bound)
    try:
        if not secret_file and not bound.startswith("unix:"):
            engine_secret.ensure_private_dir(os.path.dirname(path))
        engine_secret.write_secret(path, secret)
    except OSError as error:
        raise AddressError(f"cannot keep the engine's secret: {error}") from None
    return path


TRIM_EVERY_S = 5.0


def _malloc_trim() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


async def _give_memory_back(runtime: EngineRuntime) -> None:
    """Once clients have gone, give the memory their sessions held back to the system.
    Freed memory otherwise stays in glibc's heaps: after 15 minutes of the fuzzer's clients
    coming and going, the engine's RSS was 157 MB over its start with 4,550 Python objects
    left, 27 MB of it returned by a trim at the end. malloc_trim runs in a thread: ctypes
    releases the GIL, so the loop goes on meanwhile."""
    loop = asyncio.get_running_loop()
    seen = runtime.closed_sessions
    while True:
        await asyncio.sleep(TRIM_EVERY_S)
        if runtime.closed_sessions != seen:
            seen = runtime.closed_sessions
            await loop.run_in_executor(None, _malloc_trim)


async def serve(
    address: str,
    clock: str = "real",
    parent_pid: int | None = None,
    secret_file: str | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or until the parent process is gone, if given).
    AddressError if the address is not local, or in use, or its directory (a Unix socket's)
    or the secret file cannot be kept private."""
    check_local_address(address)
    if address.startswith("unix:"):
        _claim_unix_path(address)
    runtime = EngineRuntime(clock=clock)
    secret = engine_secret.new_secret()
    # Without this gRPC lets a second server share a port in use (SO_REUSEPORT), and the
    # clients of both would be dealt out between two engines.
    server = grpc.aio.server(
        options=[*GRPC_OPTIONS, ("grpc.so_reuseport", 0)], interceptors=[SecretCheck(secret)]
    )
    service = FfiEngineService(runtime)
    engine_pb2_grpc.add_FfiEngineServicer_to_server(service, server)
    engine_pb2_grpc.add_EngineControlServicer_to_server(EngineControlService(runtime), server)
    health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as error:  # gRPC's "Failed to bind"
        raise AddressError(f"cannot serve on {address}: in use ({error})") from None
    bound = address if address.startswith("unix:") else f"{address.rpartition(':')[0]}:{port}"
    if bound.startswith("unix:"):
        # Its directory already keeps others out; this keeps them out wherever it moves.
        os.chmod(engine_secret.unix_path(bound), 0o600)
    try:
        secret_path = _store_secret(bound, secret, secret_file)
    except AddressError:
        await server.stop(grace=None)
        raise
    await server.start()
    fast_lane = FastLane(runtime, secret)
    service.fast_lane = await fast_lane.start(bound)
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    watchdog = loop.create_task(_watch_parent(parent_pid, stop)) if parent_pid else None
    trimmer = loop.create_task(_give_memory_back(runtime))

    # Everything made so far (modules, NumPy, SciPy, gRPC: ~85,000 objects) lives as long
    # as the engine: kept out of the garbage collector's passes, a full one takes
    # microseconds instead of ~45 ms of the loop, a pause every client waited out (the
    # fuzzer's loop monitor caught them in the middle of requests).
    gc.freeze()
    # The first line on stdout is the contract with whoever spawned us.
    print(f"lkemu engine serving on {bound} (clock {clock}, pid {os.getpid()}), "
          f"secret in {secret_path}", flush=True)  # fmt: skip
    await stop.wait()
    if watchdog is not None:
        watchdog.cancel()
    trimmer.cancel()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    await runtime.shutdown()
    await fast_lane.stop()
    await server.stop(grace=1.0)
    engine_secret.remove_secret(secret_path, secret)
    if address.startswith("unix:"):
        path = engine_secret.unix_path(address)
        for leftover in (path, path + ".fast"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        folder = os.path.dirname(path)
        if os.path.basename(folder).startswith("lkemu-"):
            # The folder an embedded engine's spawner made: its client may be gone (killed)
            # and will not remove it.
            with contextlib.suppress(OSError):
                os.rmdir(folder)
    print("lkemu engine stopped", file=sys.stderr, flush=True)


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    # An embedded engine must not outlive the process that spawned it, even after kill -9.
    while True:
        await asyncio.sleep(0.5)
        if os.getppid() != parent_pid:
            stop.set()
            return


def _sees_probe(request: engine_pb2.OpenSessionRequest) -> bool:
    """Whether the client's probe file reads back here: the same /dev/shm on both sides."""
    if not request.shared_probe or not request.shared_token:
        return False
    try:
        return bytes(shared_blobs.take(request.shared_probe)) == request.shared_token
    except (OSError, ValueError):
        return False
