"""gRPC calls whose deadline does not read time.time().

gRPC's Python layer turns a call's `timeout` into a deadline from time.time() at the call
(grpc/_channel.py). A test that patches time.time (livekit-agents' `virtual_time` tests,
freezegun, time-machine) then hands every such call a deadline in the past: it fails at
once, and a first use of livekit.rtc inside such a test failed to connect ("no lkemu engine
answered ... within 10 s" in no time). The native core reads no Python clock. So the
bindings wait for these calls themselves, on a threading.Event, whose wait the OS times
(a monotonic clock no Python patch reaches).
"""

from __future__ import annotations

import threading
from typing import Any

import grpc


class DeadlineExceeded(grpc.RpcError):
    """The call did not end within its timeout (as gRPC's DEADLINE_EXCEEDED)."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.DEADLINE_EXCEEDED

    def details(self) -> str:
        return "Deadline Exceeded"


def unary_within(method: Any, request: Any, timeout: float, **options: Any) -> Any:
    """`method(request, **options)` (a unary gRPC stub method), waited for at most
    `timeout` seconds of real time; DeadlineExceeded (and the call cancelled) past it."""
    future = method.future(request, **options)
    finished = threading.Event()
    future.add_done_callback(lambda _: finished.set())
    if not finished.wait(timeout):
        future.cancel()
        raise DeadlineExceeded()
    return future.result()
