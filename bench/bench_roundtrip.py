"""Request round trips: a request that creates an object, and the drop of its handle.

The native figures are the SDK's own FfiClient over liblivekit_ffi in this process. lkemu's
are its own FfiClient:
- `new_audio_resampler` is answered by the local lane, in this process, as native answers it;
- `new_video_source` is answered by the engine subprocess over the fast lane (a framed Unix
  socket: one round trip for the request, its bytes sent as they are (RAW_CALL: it names no
  client memory), whose answer reports the new handle; the drop of a handle the client
  knows alive is answered by the client and sent without waiting). A video source is used
  because an audio source on the real clock also joins the 10 ms ticker. Natively the same
  request is a call into the library in this process.
- `info` on the control service is one gRPC unary call: what a request would cost without
  the fast lane.
- the floor under any round trip between two Python processes here: 20 bytes there and back
  over a socket pair, to a blocking server and to an asyncio.BufferedProtocol server (how
  the engine serves the fast lane).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from report import RowReporter, median_us

from lkemu.bindings import FfiClient
from lkemu.proto import ffi_pb2, video_frame_pb2

LOCAL_ROW = "request + drop of its handle (`new_audio_resampler`, local lane)"
ENGINE_ROW = "request + drop through the engine (`new_video_source`, fast lane: one round trip)"
GRPC_ROW = "one gRPC unary call to the engine (the control service's `info`)"
FLOOR_ROW = (
    "floor: 20 bytes there and back between two Python processes, blocking server / asyncio server"
)
README_ROWS = [LOCAL_ROW, ENGINE_ROW, GRPC_ROW, FLOOR_ROW]
SERVERS = ["blocking", "asyncio"]


def _native_cycle(kind: str):  # type: ignore[no-untyped-def]
    """One request of `kind` and the drop of its handle, through the SDK's FfiClient."""
    from livekit.rtc._ffi_client import FfiClient as NativeClient
    from livekit.rtc._ffi_client import FfiHandle as NativeHandle
    from livekit.rtc._proto import ffi_pb2 as native_ffi
    from livekit.rtc._proto import video_frame_pb2 as native_video

    request = native_ffi.FfiRequest()
    if kind == "new_video_source":
        request.new_video_source.type = native_video.VIDEO_SOURCE_NATIVE
        request.new_video_source.resolution.width = 640
        request.new_video_source.resolution.height = 480
    else:
        getattr(request, kind).SetInParent()
    client = NativeClient.instance
    field = "source" if kind == "new_video_source" else "resampler"

    def cycle() -> None:
        response = client.request(request)
        NativeHandle(getattr(getattr(response, kind), field).handle.id).dispose()

    return cycle


@pytest.mark.benchmark(group="request+drop new_audio_resampler")
def test_request_and_drop_lkemu(
    benchmark, lkemu_client: FfiClient, bench_report: RowReporter
) -> None:  # type: ignore[no-untyped-def]
    request = ffi_pb2.FfiRequest()
    request.new_audio_resampler.SetInParent()

    def cycle() -> None:
        response = lkemu_client.request(request)
        lkemu_client.drop_handle(response.new_audio_resampler.resampler.handle.id)

    benchmark(cycle)
    bench_report(LOCAL_ROW, "lkemu", median_us(benchmark), unit="us")


@pytest.mark.benchmark(group="request+drop new_audio_resampler")
def test_request_and_drop_native(benchmark, native_rtc, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    benchmark(_native_cycle("new_audio_resampler"))
    bench_report(LOCAL_ROW, "native", median_us(benchmark), unit="us")


@pytest.mark.benchmark(group="request+drop new_video_source")
def test_request_and_drop_through_the_engine_lkemu(  # type: ignore[no-untyped-def]
    benchmark, lkemu_client: FfiClient, bench_report: RowReporter
) -> None:
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
    request.new_video_source.resolution.width = 640
    request.new_video_source.resolution.height = 480

    def cycle() -> None:
        response = lkemu_client.request(request)
        lkemu_client.drop_handle(response.new_video_source.source.handle.id)

    benchmark(cycle)
    bench_report(ENGINE_ROW, "lkemu", median_us(benchmark), unit="us")


@pytest.mark.benchmark(group="request+drop new_video_source")
def test_request_and_drop_video_source_native(
    benchmark, native_rtc, bench_report: RowReporter
) -> None:  # type: ignore[no-untyped-def]
    benchmark(_native_cycle("new_video_source"))
    bench_report(ENGINE_ROW, "native", median_us(benchmark), unit="us")
    bench_report.note(ENGINE_ROW, "native", "in process: there is no engine")


@pytest.mark.benchmark(group="engine call floor")
def test_engine_info_call_lkemu(
    benchmark, lkemu_client: FfiClient, bench_report: RowReporter
) -> None:  # type: ignore[no-untyped-def]
    """The cost of one gRPC unary call to the engine, whatever the request."""
    benchmark(lkemu_client.control.info)
    bench_report(GRPC_ROW, "lkemu", median_us(benchmark), unit="us")


ECHO = textwrap.dedent(
    """
    import asyncio, socket, sys
    sock = socket.socket(fileno=int(sys.argv[1]))
    if sys.argv[2] == "blocking":
        while sock.recv(64):
            sock.sendall(b"y" * 20)
        raise SystemExit
    class Echo(asyncio.BufferedProtocol):
        def __init__(self, done):
            self.buffer, self.done = bytearray(65536), done
        def connection_made(self, transport):
            self.transport = transport
        def get_buffer(self, sizehint):
            return self.buffer
        def buffer_updated(self, nbytes):
            self.transport.write(b"y" * 20)
        def connection_lost(self, exc):
            self.done.set_result(None)
    async def serve():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        await loop.connect_accepted_socket(lambda: Echo(done), sock=sock)
        await done
    asyncio.run(serve())
    """
)


@pytest.fixture(params=SERVERS)
def echo_peer(request: pytest.FixtureRequest) -> Iterator[tuple[str, socket.socket]]:
    """A process answering each message on a socket with 20 bytes, and our end of it."""
    ours, theirs = socket.socketpair()
    child = subprocess.Popen(
        [sys.executable, "-c", ECHO, str(theirs.fileno()), request.param],
        pass_fds=[theirs.fileno()],
    )
    theirs.close()
    ours.sendall(b"x")  # started: its first answer
    ours.recv(64)
    yield request.param, ours
    ours.close()
    child.wait(10)


def test_round_trip_floor(benchmark, echo_peer, bench_report: RowReporter) -> None:  # type: ignore[no-untyped-def]
    server, sock = echo_peer
    answer = bytearray(64)

    def ping() -> None:
        sock.sendall(b"x" * 20)
        sock.recv_into(answer)

    benchmark.group = "round trip floor"
    benchmark(ping)
    bench_report(FLOOR_ROW, "lkemu", median_us(benchmark), unit="us", part=SERVERS.index(server))
    bench_report.note(FLOOR_ROW, "native", "no process boundary")
