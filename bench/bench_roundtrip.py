"""Request round trip: a request that creates an object, and the drop of its handle.

The native figure is the SDK's own FfiClient over liblivekit_ffi in this process; the lkemu
figure is lkemu's FfiClient over gRPC to an engine subprocess.
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
