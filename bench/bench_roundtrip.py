"""Request round trip: a request that creates an object, and the drop of its handle.

The native figure is the SDK's own FfiClient over liblivekit_ffi in this process. lkemu's
are its own FfiClient: `new_audio_resampler` answered by the local lane (in this process, as
native), and `new_video_source` answered by the engine subprocess over the fast lane (a
framed Unix socket: one round trip for the request, one for the drop; a video source is
used because an audio source on the real clock also joins the 10 ms ticker).
"""

from __future__ import annotations

import pytest

from lkemu.bindings import FfiClient
from lkemu.proto import ffi_pb2


@pytest.mark.benchmark(group="request+drop new_audio_resampler")
def test_request_and_drop_lkemu(benchmark, lkemu_client: FfiClient) -> None:  # type: ignore[no-untyped-def]
    request = ffi_pb2.FfiRequest()
    request.new_audio_resampler.SetInParent()

    def cycle() -> None:
        response = lkemu_client.request(request)
        lkemu_client.drop_handle(response.new_audio_resampler.resampler.handle.id)

    benchmark(cycle)


@pytest.mark.benchmark(group="request+drop new_audio_resampler")
def test_request_and_drop_native(benchmark, native_rtc) -> None:  # type: ignore[no-untyped-def]
    from livekit.rtc._ffi_client import FfiClient as NativeClient
    from livekit.rtc._ffi_client import FfiHandle as NativeHandle
    from livekit.rtc._proto import ffi_pb2 as native_ffi

    request = native_ffi.FfiRequest()
    request.new_audio_resampler.SetInParent()
    client = NativeClient.instance

    def cycle() -> None:
        response = client.request(request)
        NativeHandle(response.new_audio_resampler.resampler.handle.id).dispose()

    benchmark(cycle)


@pytest.mark.benchmark(group="engine call floor")
def test_engine_info_call_lkemu(benchmark, lkemu_client: FfiClient) -> None:  # type: ignore[no-untyped-def]
    """The cost of one gRPC unary call to the engine, whatever the request."""
    benchmark(lkemu_client.control.info)


@pytest.mark.benchmark(group="request+drop through the engine (new_video_source)")
def test_request_and_drop_through_the_engine_lkemu(  # type: ignore[no-untyped-def]
    benchmark, lkemu_client: FfiClient
) -> None:
    request = ffi_pb2.FfiRequest()
    request.new_video_source.resolution.width = 640
    request.new_video_source.resolution.height = 480

    def cycle() -> None:
        response = lkemu_client.request(request)
        lkemu_client.drop_handle(response.new_video_source.source.handle.id)

    benchmark(cycle)
