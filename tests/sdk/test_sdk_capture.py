"""Capture sources reaching a subscriber, through the SDK's own FFI client.

livekit.rtc has no Python API for capture sources yet, but its protocol does (livekit
1.1.21 on): this test sends the protocol's requests with the SDK's FfiClient and uses the
public API for the rest (a LocalVideoTrack on the capture's video source, publishing,
a subscriber's VideoStream). livekit's PyPI wheels are built without the capture feature:
natively the test skips with native's refusal; lkemu runs the pattern source.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import numpy as np
import pytest
from livekit import rtc
from livekit.rtc._ffi_client import FfiClient
from livekit.rtc._proto import ffi_pb2

from lkemu.bindings import EngineControl
from lkemu.engine.video.patterns import read_counter
from tests.helpers import make_token
from tests.sdk.sdk_support import requires

HAS_CAPTURE = "new_capture_source" in ffi_pb2.FfiRequest.DESCRIPTOR.fields_by_name

pytestmark = [requires(HAS_CAPTURE, "capture sources in its protocol")]

WIDTH, HEIGHT, FPS = 320, 240, 30


async def _new_capture_source() -> Any:
    """The OwnedCaptureSource of a 320x240 gradient at 30 fps."""
    request = ffi_pb2.FfiRequest()
    pattern = request.new_capture_source.pattern
    pattern.resolution.width, pattern.resolution.height = WIDTH, HEIGHT
    pattern.framerate_fps = FPS
    cast(Any, pattern).pattern = 0  # PATTERN_GRADIENT (capture_pb2 is missing before 1.1.20)
    queue = FfiClient.instance.queue.subscribe()
    try:
        try:
            response = FfiClient.instance.request(request)
        except AssertionError:  # the SDK's answer to a refused request (handle 0)
            pytest.skip("livekit-ffi was built without the 'capture' feature")
        async_id = response.new_capture_source.async_id
        event = await asyncio.wait_for(
            queue.wait_for(
                lambda e: (
                    e.WhichOneof("message") == "new_capture_source"
                    and e.new_capture_source.async_id == async_id
                )
            ),
            5,
        )
    finally:
        FfiClient.instance.queue.unsubscribe(queue)
    assert event.new_capture_source.WhichOneof("message") == "source", event
    return event.new_capture_source.source


def _capture_request(kind: str, handle: int) -> Any:
    request = ffi_pb2.FfiRequest()
    getattr(request, kind).capture_handle = handle
    return getattr(FfiClient.instance.request(request), kind)


async def test_a_pattern_source_reaches_a_subscriber() -> None:
    source = await _new_capture_source()
    assert (source.info.resolution.width, source.info.resolution.height) == (WIDTH, HEIGHT)
    room_name = f"cap-{uuid.uuid4().hex[:8]}"
    viewer, presenter = rtc.Room(), rtc.Room()
    subscribed: asyncio.Queue[rtc.Track] = asyncio.Queue()
    viewer.on("track_subscribed", lambda track, *_: subscribed.put_nowait(track))
    await viewer.connect("ws://lkemu", make_token("viewer", room_name))
    await presenter.connect("ws://lkemu", make_token("presenter", room_name))

    request = ffi_pb2.FfiRequest()
    request.create_video_track.name = "screen"
    request.create_video_track.source_handle = source.info.video_source.handle.id
    track = rtc.LocalVideoTrack(FfiClient.instance.request(request).create_video_track.track)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_SCREENSHARE)
    await presenter.local_participant.publish_track(track, options)
    remote = await asyncio.wait_for(subscribed.get(), 5)
    stream = rtc.VideoStream(remote)

    events = FfiClient.instance.queue.subscribe()
    handle = source.handle.id
    assert not _capture_request("start_capture", handle).HasField("error")
    counters = []
    async for event in stream:
        frame = event.frame.convert(rtc.VideoBufferType.I420)
        assert (frame.width, frame.height) == (WIDTH, HEIGHT)
        luma = np.frombuffer(frame.data, dtype=np.uint8)[: WIDTH * HEIGHT]
        counters.append(read_counter(luma.reshape(HEIGHT, WIDTH)))
        if len(counters) == 10:
            break
    # Frames in order, each with the counter the pattern drew into it (none lost here).
    first = counters[0]
    assert first is not None and counters == list(range(first, first + 10))

    assert not _capture_request("stop_capture", handle).HasField("error")
    ended = await asyncio.wait_for(
        events.wait_for(
            lambda e: (
                e.WhichOneof("message") == "capture_source_event"
                and e.capture_source_event.capture_handle == handle
            )
        ),
        5,
    )
    FfiClient.instance.queue.unsubscribe(events)
    assert ended.capture_source_event.WhichOneof("message") == "finished"
    assert ended.capture_source_event.finished.frames_captured >= 10
    assert _capture_request("start_capture", handle).error == "capture has already finished"

    await stream.aclose()
    await presenter.disconnect()
    await viewer.disconnect()


@pytest.mark.lkemu_only
async def test_a_failing_capture_ends_with_its_kind(lkemu_control: EngineControl) -> None:
    source = await _new_capture_source()
    handle = source.handle.id
    events = FfiClient.instance.queue.subscribe()
    assert not _capture_request("start_capture", handle).HasField("error")
    assert lkemu_control.fail_capture(handle, kind=1, message="encoder gone") == 1  # RTC
    ended = await asyncio.wait_for(
        events.wait_for(
            lambda e: (
                e.WhichOneof("message") == "capture_source_event"
                and e.capture_source_event.capture_handle == handle
            )
        ),
        5,
    )
    FfiClient.instance.queue.unsubscribe(events)
    outcome = ended.capture_source_event
    assert outcome.WhichOneof("message") == "error"
    assert outcome.error.error == "capture source rejected the frame"
    if "kind" in outcome.error.DESCRIPTOR.fields_by_name:  # livekit >= 1.2.0
        assert outcome.error.kind == 1
    assert lkemu_control.fail_capture(handle) == 0  # it is not running any more
