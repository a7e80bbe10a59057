"""Capture sources across the releases the drop-in speaks (engine/media/capture.py).

Capture came in livekit 1.1.20 with pattern and clock sources and a CaptureError of one
field; 1.2.0 added the GStreamer source and the required CaptureError.kind. What lkemu
sends (1.2.1's messages) must read in 1.1.20/1.1.21 as their cores' own messages did,
and what their SDKs send must reach lkemu whole; older releases never hear of capture.
"""

from __future__ import annotations

import pytest

from lkemu.proto import capture_pb2, ffi_pb2
from tests.versions.protocols import adapter, message

EARLY = ("1.1.20", "1.1.21")  # capture without CaptureError.kind


def _failed(kind: int = capture_pb2.CAPTURE_ERROR_KIND_RTC) -> bytes:
    event = ffi_pb2.FfiEvent()
    outcome = event.capture_source_event
    outcome.capture_handle = 7
    outcome.error.error = "capture source rejected the frame"
    outcome.error.kind = kind  # type: ignore[assignment]
    return event.SerializeToString()


@pytest.mark.parametrize("version", EARLY)
def test_a_capture_error_reaches_an_sdk_without_its_kind(version: str) -> None:
    sent = _failed()
    passed = adapter(version).event(sent)
    assert passed is not None
    received = message(version, "FfiEvent").FromString(passed)
    outcome = received.capture_source_event
    assert outcome.capture_handle == 7
    assert outcome.error.error == "capture source rejected the frame"
    assert "kind" not in outcome.error.DESCRIPTOR.fields_by_name  # that release has none
    assert received.IsInitialized()  # all its required fields are there


@pytest.mark.parametrize("version", EARLY)
def test_an_sdk_of_1_1_2x_asks_for_a_pattern_source_as_it_meant(version: str) -> None:
    theirs = message(version, "FfiRequest")()
    pattern = theirs.new_capture_source.pattern
    pattern.resolution.width, pattern.resolution.height = 640, 360
    pattern.framerate_fps = 15
    pattern.pattern = 1  # PATTERN_LOGO
    theirs.new_capture_source.request_async_id = 9
    data, _ = adapter(version).request(theirs.SerializeToString())
    ours = ffi_pb2.FfiRequest.FromString(data)
    request = ours.new_capture_source
    assert request.WhichOneof("config") == "pattern"
    assert (request.pattern.resolution.width, request.pattern.resolution.height) == (640, 360)
    assert (request.pattern.framerate_fps, request.pattern.pattern) == (
        15,
        capture_pb2.PATTERN_LOGO,
    )
    assert request.request_async_id == 9


def test_releases_before_capture_never_hear_of_it() -> None:
    assert adapter("1.1.19").event(_failed()) is None


def test_1_2_0_reads_the_kind() -> None:
    passed = adapter("1.2.0").event(_failed(capture_pb2.CAPTURE_ERROR_KIND_PANICKED))
    assert passed is not None
    received = message("1.2.0", "FfiEvent").FromString(passed)
    assert received.capture_source_event.error.kind == capture_pb2.CAPTURE_ERROR_KIND_PANICKED
