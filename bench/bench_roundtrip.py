"""Request round trips: a request that creates an object, and the drop of its handle.

The native figures are the SDK's own FfiClient over liblivekit_ffi in this process. lkemu's
are its own FfiClient:
- `new_audio_resampler` is answered by the local lane, in this process, as native answers it;
- `new_video_source` is answered by the engine subprocess over the fast lane (a framed Unix
  socket: one round trip for the request, whose answer reports the new handle; the drop of
  a handle the client knows alive is answered by the client and sent without waiting). A
  video source is used because an audio source on the real clock also joins the 10 ms
  ticker. Natively the same request is a call into the library in this process.
- `info` on the control service is one gRPC unary call: what a request would cost without
  the fast lane.
"""

from __future__ import annotations

import pytest
from report import RowReporter, median_us

from lkemu.bindings import FfiClient
from lkemu.proto import ffi_pb2, video_frame_pb2

LOCAL_ROW = "request + drop of its handle (`new_audio_resampler`, local lane)"
ENGINE_ROW = "request + drop through the engine (`new_video_source`, fast lane: one round trip)"
GRPC_ROW = "one gRPC unary call to the engine (the control service's `info`)"
README_ROWS = [LOCAL_ROW, ENGINE_ROW, GRPC_ROW]


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
