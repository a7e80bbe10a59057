"""RPC between participants: register_rpc_method, unregister_rpc_method, perform_rpc,
rpc_method_invocation_response, and the rpc_method_invocation event.

As the native core (livekit's room/rpc client.rs and server.rs, livekit-ffi's
participant.rs, for livekit 1.2.1):
- The callee's side acks a request as soon as it arrives, registered method or not; the
  caller fails with 1501 CONNECTION_TIMEOUT when no ack comes within
  `max_round_trip_latency` (7 s by default), then waits the full `response_timeout`
  (15 s by default) from the ack before 1502 RESPONSE_TIMEOUT.
- Nothing checks that the destination exists: a server drops a packet for an unknown
  identity (or the sender's own), so such a call ends in 1501 after max_round_trip_latency.
  1401 RECIPIENT_NOT_FOUND is defined but never produced.
- Between 1.2.1 peers (client protocol 2) requests and responses travel as data streams,
  with no size limit; to a participant of protocol 0 (unknown, or an older client) they
  are v1 packets, and a payload over 15360 bytes fails at once with 1402.
- A method the callee has not registered is answered 1400 by its core: the callee's
  application never hears of it.
- The callee is told `max(response_timeout - max_round_trip_latency, 1 s)` as its own
  deadline; the invocation id comes from the handle counter; an answer for an invocation
  that is unknown or already answered is "No caller found". The callee's core applies no
  timeout of its own, and a callee that leaves after the ack leaves its caller to 1502.

Timeouts run on the engine's loop (wall time on both clocks for now).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from lkemu.proto import ffi_pb2, rpc_pb2

from ..core.call import Call, field_or
from ..core.registry import handles
from .model import Member, RoomView, local_view, participant_view

DEFAULT_RESPONSE_TIMEOUT_MS = 15_000
DEFAULT_MAX_ROUND_TRIP_LATENCY_MS = 7_000
MIN_EFFECTIVE_TIMEOUT_MS = 1_000
MAX_V1_PAYLOAD_BYTES = 15_360

UNSUPPORTED_METHOD = 1400
REQUEST_PAYLOAD_TOO_LARGE = 1402
CONNECTION_TIMEOUT = 1501
RESPONSE_TIMEOUT = 1502
SEND_FAILED = 1505
MESSAGES = {
    UNSUPPORTED_METHOD: "Method not supported at destination",
    REQUEST_PAYLOAD_TOO_LARGE: "Request payload too large",
    CONNECTION_TIMEOUT: "Connection timeout",
    RESPONSE_TIMEOUT: "Response timeout",
    SEND_FAILED: "Failed to send",
}
# RpcError::new truncates on the caller's side.
MAX_MESSAGE_BYTES = 256
MAX_DATA_BYTES = 15_360


@dataclass
class RpcOutcome:
    """What a caller gets: a payload, or an error's code, message and data."""

    payload: str = ""
    code: int = 0
    message: str = ""
    data: str | None = None
    failed: bool = False  # an error (its code may be anything, 0 included)

    @classmethod
    def built_in(cls, code: int, data: str | None = None) -> RpcOutcome:
        return cls(code=code, message=MESSAGES[code], data=data, failed=True)


def _truncate(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


class RpcEndpoint:
    """One view's RPC state: its registered methods and the invocations it owes answers."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        # method -> the local participant handle it was registered with
        self.methods: dict[str, int] = {}
        self.pending: dict[int, asyncio.Future[RpcOutcome]] = {}
        # What a participant the engine plays answers (it has no application to ask).
        self.canned: dict[str, RpcOutcome] = {}

    def set_canned(self, replies: dict[str, RpcOutcome]) -> None:
        self.canned = dict(replies)
        self.methods = {method: 0 for method in replies}

    def invoke(
        self, caller: str, method: str, payload: str, timeout_ms: int
    ) -> asyncio.Future[RpcOutcome]:
        """Tell this view's application of a call; the future resolves with its answer."""
        runtime = self.view.runtime
        invocation_id = runtime.handles.next_id()
        waiter: asyncio.Future[RpcOutcome] = asyncio.get_running_loop().create_future()
        if self.view.session is None:  # played by the engine: its canned reply
            waiter.set_result(self.canned[method])
            return waiter
        self.pending[invocation_id] = waiter
        event = ffi_pb2.FfiEvent()
        invocation = event.rpc_method_invocation
        invocation.local_participant_handle = self.methods[method]
        invocation.invocation_id = invocation_id
        invocation.method = method
        invocation.request_id = str(uuid.uuid4())
        invocation.caller_identity = caller
        invocation.payload = payload
        invocation.response_timeout_ms = timeout_ms
        if self.view.session is not None:
            self.view.session.emit(event)
        return waiter

    def answer(self, invocation_id: int, outcome: RpcOutcome) -> bool:
        """Deliver an answer; False if nothing waits for it ("No caller found")."""
        waiter = self.pending.pop(invocation_id, None)
        if waiter is None:
            return False
        # A callee that left cannot send it any more: the caller times out (as native).
        if not waiter.done() and self.view.connected_member is not None:
            waiter.set_result(outcome)
        return True

    def peer_left(self, identity: str) -> None:
        pass

    def closed(self) -> None:
        # The invocations stay known (native keeps its waiters for the room's life), so a
        # late answer is not "No caller found"; answer() sends nothing from here on.
        pass


def _local_member(call: Call, handle: int) -> tuple[RoomView, Member | None]:
    view = local_view(call, handle)
    return view, view.connected_member


@handles("register_rpc_method")
def on_register_rpc_method(
    call: Call, request: rpc_pb2.RegisterRpcMethodRequest
) -> rpc_pb2.RegisterRpcMethodResponse:
    view, member = _local_member(call, request.local_participant_handle)
    if member is not None:  # native: a silent no-op without a session
        view.state(RpcEndpoint).methods[request.method] = request.local_participant_handle
    return rpc_pb2.RegisterRpcMethodResponse()


@handles("unregister_rpc_method")
def on_unregister_rpc_method(
    call: Call, request: rpc_pb2.UnregisterRpcMethodRequest
) -> rpc_pb2.UnregisterRpcMethodResponse:
    view, member = _local_member(call, request.local_participant_handle)
    if member is not None:
        view.state(RpcEndpoint).methods.pop(request.method, None)
    return rpc_pb2.UnregisterRpcMethodResponse()


async def perform(
    view: RoomView,
    caller: Member | None,
    destination: str,
    method: str,
    payload: str,
    response_timeout_ms: int = DEFAULT_RESPONSE_TIMEOUT_MS,
    max_round_trip_latency_ms: int = DEFAULT_MAX_ROUND_TRIP_LATENCY_MS,
) -> RpcOutcome:
    """One call from `caller`, as its core runs it."""
    if caller is None or view.connected_member is not caller:
        return RpcOutcome.built_in(SEND_FAILED, "Not connected")
    callee = view.room.members.get(destination)
    if callee is caller:
        callee = None  # a server never delivers a packet to its sender
    protocol = callee.client_protocol if callee is not None else 0
    if protocol < 1 and len(payload.encode()) > MAX_V1_PAYLOAD_BYTES:
        return RpcOutcome.built_in(REQUEST_PAYLOAD_TOO_LARGE)
    if callee is None:
        await asyncio.sleep(max_round_trip_latency_ms / 1000)  # no ack ever comes
        return RpcOutcome.built_in(CONNECTION_TIMEOUT)
    endpoint = callee.view.state(RpcEndpoint)  # it acks now, registered or not
    if method not in endpoint.methods:
        return RpcOutcome.built_in(UNSUPPORTED_METHOD)
    effective_ms = max(response_timeout_ms - max_round_trip_latency_ms, MIN_EFFECTIVE_TIMEOUT_MS)
    waiter = endpoint.invoke(caller.identity, method, payload, effective_ms)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + response_timeout_ms / 1000
    try:
        outcome = await asyncio.wait_for(asyncio.shield(waiter), response_timeout_ms / 1000)
    except TimeoutError:
        waiter.cancel()
        return RpcOutcome.built_in(RESPONSE_TIMEOUT)
    if view.connected_member is not caller:
        # The caller left: the answer cannot reach it, and its own timer ends the call.
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        return RpcOutcome.built_in(RESPONSE_TIMEOUT)
    if outcome.failed:  # truncated on the caller's side, as RpcError::new does
        outcome = RpcOutcome(
            code=outcome.code,
            message=_truncate(outcome.message, MAX_MESSAGE_BYTES),
            data=_truncate(outcome.data or "", MAX_DATA_BYTES),
            failed=True,
        )
    return outcome


@handles("perform_rpc")
def on_perform_rpc(call: Call, request: rpc_pb2.PerformRpcRequest) -> rpc_pb2.PerformRpcResponse:
    view, caller = _local_member(call, request.local_participant_handle)
    destination, method, payload = request.destination_identity, request.method, request.payload
    response_timeout = field_or(request, "response_timeout_ms", DEFAULT_RESPONSE_TIMEOUT_MS)
    max_latency = field_or(request, "max_round_trip_latency_ms", DEFAULT_MAX_ROUND_TRIP_LATENCY_MS)

    async def run(callback: Any) -> None:
        outcome = await perform(
            view, caller, destination, method, payload, response_timeout, max_latency
        )
        if outcome.failed:
            callback.error.code = outcome.code
            callback.error.message = outcome.message
            if outcome.data is not None:
                callback.error.data = outcome.data
        else:
            callback.payload = outcome.payload

    return rpc_pb2.PerformRpcResponse(async_id=call.answer_later(request, run))


@handles("rpc_method_invocation_response")
def on_rpc_method_invocation_response(
    call: Call, request: rpc_pb2.RpcMethodInvocationResponseRequest
) -> rpc_pb2.RpcMethodInvocationResponseResponse:
    # Native checks only that the handle names a participant: the waiters are the room's.
    view = participant_view(call, request.local_participant_handle)
    if request.HasField("error"):  # native: the error wins over a payload
        error = request.error
        outcome = RpcOutcome(code=error.code, message=error.message, data=error.data, failed=True)
    else:
        outcome = RpcOutcome(payload=request.payload)
    if not view.state(RpcEndpoint).answer(request.invocation_id, outcome):
        return rpc_pb2.RpcMethodInvocationResponseResponse(error="No caller found")
    return rpc_pb2.RpcMethodInvocationResponseResponse()
