"""Capture sources (engine/media/capture.py, engine/video/patterns.py): native's lifecycle
(livekit-ffi's pattern_capture_lifecycle, rewritten), configuration errors with native's
texts, frames at the frame rate into the source's tracks (on simulated time, the real
clock's pacing), the terminal event with each CaptureErrorKind, and the build without the
capture feature that the PyPI wheels are."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from lkemu.bindings.simulated_time import SimulatedTimeLoop
from lkemu.engine.core import dispatch
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.media import capture
from lkemu.engine.media.capture import Captures
from lkemu.engine.video import patterns
from lkemu.proto import capture_pb2, video_frame_pb2

from .conftest import call_async, next_event, open_session, queued_events, request_of, run, settle

KIND = capture_pb2.CaptureErrorKind


def _pattern(width: int = 64, height: int = 48, fps: int = 30, pattern: int = 0) -> dict[str, Any]:
    return {
        "pattern": {
            "resolution": {"width": width, "height": height},
            "framerate_fps": fps,
            "pattern": pattern,
        }
    }


async def _new(runtime: EngineRuntime, session: Session, **config: Any) -> Any:
    return await call_async(runtime, session, request_of("new_capture_source", **config))


async def _source(runtime: EngineRuntime, session: Session, **config: Any) -> Any:
    done = await _new(runtime, session, **(config or _pattern()))
    assert done.WhichOneof("message") == "source", done
    return done.source


def _start(runtime: EngineRuntime, session: Session, handle: int) -> str | None:
    response = run(runtime, session, request_of("start_capture", capture_handle=handle))
    return response.error if response.HasField("error") else None


def _stop(runtime: EngineRuntime, session: Session, handle: int) -> None:
    response = run(runtime, session, request_of("stop_capture", capture_handle=handle))
    assert not response.HasField("error")


async def _ended(session: Session, handle: int) -> Any:
    received = await next_event(
        session,
        lambda e: (
            e.HasField("capture_source_event") and e.capture_source_event.capture_handle == handle
        ),
    )
    return received.event.capture_source_event


async def test_a_pattern_source_and_its_video_source(
    runtime: EngineRuntime, session: Session
) -> None:
    source = await _source(runtime, session, **_pattern(1280, 720, 30))
    info = source.info
    assert info.kind == capture_pb2.CAPTURE_SOURCE_PIXEL
    assert (info.resolution.width, info.resolution.height) == (1280, 720)
    assert not info.HasField("codec")
    options = info.recommended_publish_options
    assert (options.video_codec, options.simulcast) == (video_frame_pb2.VP8, True)
    assert not options.HasField("video_encoder")
    assert info.video_source.info.type == video_frame_pb2.VIDEO_SOURCE_NATIVE
    # Two handles the client owns: the video source first, then the capture source.
    assert 0 < info.video_source.handle.id < source.handle.id
    counts = runtime.handles.count(session.id)
    assert (counts["VideoSource"], counts["CaptureSource"]) == (1, 1)


async def test_the_lifecycle_of_a_capture(runtime: EngineRuntime, session: Session) -> None:
    handle = (await _source(runtime, session)).handle.id
    # Stopping before starting is allowed; the pump then stops at once when started.
    _stop(runtime, session, handle)
    assert _start(runtime, session, handle) is None
    assert _start(runtime, session, handle) == "capture is already started"
    ended = await _ended(session, handle)
    assert ended.WhichOneof("message") == "finished"
    assert (ended.finished.frames_captured, ended.finished.exit) == (
        0,
        capture_pb2.CAPTURE_EXIT_STOPPED,
    )
    assert _start(runtime, session, handle) == "capture has already finished"
    _stop(runtime, session, handle)  # stopping a finished capture is a no-op
    await settle()
    assert not [r for r in queued_events(session) if r.event.HasField("capture_source_event")]


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({}, "invalid request: missing capture source config"),
        (_pattern(0, 48), "invalid request: pattern source resolution must be non-zero"),
        (_pattern(64, 0), "invalid request: pattern source resolution must be non-zero"),
        (_pattern(fps=0), "invalid request: pattern source frame rate must be non-zero"),
        (
            {"clock": {"resolution": {"width": 0, "height": 9}, "framerate_fps": 1}},
            "invalid request: clock source resolution must be non-zero",
        ),
        (
            {"clock": {"resolution": {"width": 9, "height": 9}, "framerate_fps": 0}},
            "invalid request: clock source frame rate must be non-zero",
        ),
        (
            {"gstreamer": {"pipeline": "videotestsrc ! x264enc ! appsink name=lk_appsink"}},
            "invalid request: capture source is not enabled in this build",
        ),
        (_pattern(8193, 8), "invalid request: resolution: lkemu draws pattern sources up to"),
        (_pattern(4096, 2161), "invalid request: resolution: lkemu draws pattern sources up to"),
        (_pattern(fps=1001), "invalid request: framerate_fps: lkemu draws pattern sources at"),
    ],
)
async def test_bad_configurations_fail_in_the_callback(
    runtime: EngineRuntime, session: Session, config: dict[str, Any], error: str
) -> None:
    done = await _new(runtime, session, **config)
    assert done.WhichOneof("message") == "error"
    assert done.error.startswith(error)
    assert not runtime.handles.count(session.id)


async def test_capture_handles_are_checked(runtime: EngineRuntime, session: Session) -> None:
    video = (await _source(runtime, session)).info.video_source.handle.id
    for kind in ("start_capture", "stop_capture"):
        for handle, message in (
            (0, "handle is invalid"),
            (4242, "handle not found"),
            (video, "handle is not a livekit_ffi::room_apis::server::capture::FfiCaptureSource"),
        ):
            with pytest.raises(dispatch.RequestFailed) as failed:
                run(runtime, session, request_of(kind, capture_handle=handle))
            assert failed.value.message.endswith(message)


async def test_the_wheels_build_without_the_capture_feature(
    runtime: EngineRuntime, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(capture.FEATURE_ENV, "0")
    for request in (
        request_of("new_capture_source", **_pattern()),
        request_of("new_capture_source"),
        request_of("start_capture", capture_handle=0),
        request_of("stop_capture", capture_handle=0),
    ):
        with pytest.raises(dispatch.RequestFailed) as failed:
            run(runtime, session, request)
        # measured with livekit 1.2.1's wheel: refused at once, whatever the request holds
        assert failed.value.message.endswith("livekit-ffi was built without the 'capture' feature")


def _frames_on_simulated_time(clock: str, seconds: float, fps: int) -> list[Any]:
    """A pattern captured for `seconds` (simulated time) into a video stream on a track of
    its video source: the stream's frame events."""
    loop = SimulatedTimeLoop()

    async def scenario() -> list[Any]:
        runtime = EngineRuntime(clock=clock)
        session = open_session(runtime)
        source = await _source(runtime, session, **_pattern(320, 240, fps))
        request = request_of(
            "create_video_track", name="screen", source_handle=source.info.video_source.handle.id
        )
        track = run(runtime, session, request).track.handle.id
        request = request_of(
            "new_video_stream", track_handle=track, type=video_frame_pb2.VIDEO_STREAM_NATIVE
        )
        run(runtime, session, request)
        assert _start(runtime, session, source.handle.id) is None
        await asyncio.sleep(seconds)
        _stop(runtime, session, source.handle.id)
        ended = await _ended(session, source.handle.id)
        frames = [r for r in queued_events(session) if r.event.HasField("video_stream_event")]
        assert ended.finished.frames_captured == len(frames)
        await runtime.shutdown()
        return frames

    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.close()


@pytest.mark.parametrize("clock", ["simulated", "virtual"])
def test_frames_come_at_the_frame_rate_with_their_counter(clock: str) -> None:
    frames = _frames_on_simulated_time(clock, 1.0, 30)
    # 1 s at 30 fps: frames 0 to 30 (the 31st is due at exactly 1 s, as the stop).
    assert 30 <= len(frames) <= 31
    counters, stamps = [], []
    for received in frames:
        frame = received.event.video_stream_event.frame_received
        info = frame.buffer.info
        assert (info.type, info.width, info.height) == (video_frame_pb2.I420, 320, 240)
        luma = np.frombuffer(received.blob(info.components[0].data_ptr), np.uint8)
        counters.append(patterns.read_counter(luma[: 240 * 320].reshape(240, 320)))
        stamps.append(frame.timestamp_us)
    assert counters == list(range(len(frames)))
    if clock == "virtual":  # frame n at n / fps s, exactly
        assert stamps == [round(n * 1_000_000 / 30) for n in range(len(frames))]
    else:  # re-stamped with the (simulated) monotonic clock, 1/30 s apart
        gaps = np.diff(stamps)
        assert np.all(np.abs(gaps - 33_333) <= 1)


async def test_a_failing_capture_tells_its_kind(runtime: EngineRuntime, session: Session) -> None:
    expected = {
        KIND.CAPTURE_ERROR_KIND_SOURCE: "capture source failed: camera unplugged",
        KIND.CAPTURE_ERROR_KIND_RTC: "capture source rejected the frame",
        KIND.CAPTURE_ERROR_KIND_PANICKED: "pump panicked: camera unplugged",
    }
    for kind, text in expected.items():
        handle = (await _source(runtime, session, **_pattern(fps=1000))).handle.id
        assert _start(runtime, session, handle) is None
        await asyncio.sleep(0.01)
        assert runtime.area(Captures).fail(handle, kind, "camera unplugged") == 1
        ended = await _ended(session, handle)
        assert ended.WhichOneof("message") == "error"
        assert (ended.error.error, ended.error.kind) == (text, kind)
        assert _start(runtime, session, handle) == "capture has already finished"
    assert runtime.area(Captures).fail(0, KIND.CAPTURE_ERROR_KIND_RTC, "") == 0  # none running


async def test_dropping_a_running_capture_stops_it(
    runtime: EngineRuntime, session: Session
) -> None:
    handle = (await _source(runtime, session, **_pattern(fps=1000))).handle.id
    assert _start(runtime, session, handle) is None
    await asyncio.sleep(0.02)
    assert runtime.drop_handle(session.id, handle)
    ended = await _ended(session, handle)  # the event trails the drop, as native's
    assert ended.finished.exit == capture_pb2.CAPTURE_EXIT_STOPPED
    assert ended.finished.frames_captured > 0


def test_the_patterns_look_as_native_describes_them() -> None:
    gradient = patterns.gradient(64, 36, 0.0)
    assert gradient.planes is not None
    y, u, v = (int(p[0, 0]) for p in gradient.planes)
    # livekit-capture's own test: RGB (255, 68, 47) at the top left, (121, 91, 211) in I420
    assert abs(y - 121) <= 5 and abs(u - 91) <= 6 and abs(v - 211) <= 6
    later = patterns.gradient(64, 36, 1.0)
    assert later.planes is not None and not np.array_equal(later.planes[0], gradient.planes[0])
    logo = patterns.logo(64, 36, 0.0)
    assert logo.planes is not None
    assert logo.planes[0][0, 0] <= 20 and np.count_nonzero(logo.planes[0] > 60) > 5
    clock = patterns.clock(320, 180, 12, 34, 56, 789)
    assert clock.planes is not None
    assert clock.planes[0][0, 0] <= 20 and np.count_nonzero(clock.planes[0] > 100) > 20


@pytest.mark.parametrize(("width", "height"), [(64, 36), (320, 240), (1280, 720), (37, 21)])
def test_the_counter_reads_back(width: int, height: int) -> None:
    for index in (0, 7, 123456, 1_000_042):
        image = patterns.gradient(width, height, index / 30)
        patterns.draw_counter(image, index)
        assert image.planes is not None
        assert patterns.read_counter(image.planes[0]) == index % 1_000_000
    assert patterns.read_counter(patterns.blank(8, 8).planes[0]) is None  # type: ignore[index]
