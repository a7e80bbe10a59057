"""Capture sources: new_capture_source, start_capture, stop_capture, CaptureSourceEvent.

What livekit-ffi 1.2.1 does with its `capture` feature (livekit-capture; the server module
livekit-ffi/src/server/capture.rs): a capture source owns a producer and the pump that
feeds its frames into an RTC video source, so no frame crosses the FFI. The protocol's
sources are a GStreamer pipeline (encoded), a test pattern and a wall clock (pixels). There
is no screen or window enumeration in the protocol.

- new_capture_source is async. Its callback carries an OwnedCaptureSource: the capture
  handle and its info (kind PIXEL, the resolution, the recommended publish options, VP8
  with simulcast for a pixel source, and an OwnedVideoSource, a NATIVE video source the
  client owns and passes to create_video_track). A bad configuration fails in the callback
  with FfiError::InvalidRequest's text: "invalid request: missing capture source config",
  "invalid request: pattern source resolution must be non-zero", "... frame rate must be
  non-zero", "invalid request: invalid pattern", and the same for the clock source.
- start_capture starts the pump (a second start answers "capture is already started", a
  start after the end "capture has already finished", in the response's error). The
  capture runs until stop_capture (which may come before the start: the pump then stops at
  once), or until its handle is dropped, and ends with exactly one CaptureSourceEvent:
  `finished` with the frames captured and CAPTURE_EXIT_STOPPED, or `error` with its
  CaptureErrorKind (SOURCE: "capture source failed: ...", RTC: "capture source rejected the
  frame", PANICKED: "pump panicked: ..."; livekit-capture's PumpError texts).
- Frames come at framerate_fps on the engine's loop clock (real, and simulated time); frame
  n's timestamp is n / fps seconds from the first (native's frame pacer), re-stamped with the
  monotonic clock on the real clock as every captured frame is (media/video_source.py). On
  the virtual clock video has no consumer to pace it, so frames still come at the frame
  rate, keeping their exact n / fps timestamps. What the frames look like: video/patterns.py.

Where lkemu differs: GStreamer is not emulated (a gstreamer config fails as a build without
that source: "invalid request: capture source is not enabled in this build"); the pattern
and clock are drawn on the CPU (native renders on a GPU and fails without one: lkemu never
does); the gradient and logo carry a frame counter. Where native takes any size and rate,
lkemu refuses, naming the field, frames over 8192 pixels a side (wgpu's default texture
limit) or 4096x2160 pixels in all, and more than 1000 frames a second. The control service
makes a running capture fail with a chosen kind (`fail_capture`), since a drawn pattern
never fails by itself.

The livekit 1.2.1 wheels on PyPI (and 1.1.21's) are built without the `capture` feature:
they answer every capture request at once with "livekit-ffi was built without the 'capture'
feature". LKEMU_CAPTURE=0 in the engine's environment makes lkemu answer exactly so.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
from collections.abc import Callable
from typing import Any

from lkemu.proto import capture_pb2, ffi_pb2, video_frame_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest, Refused
from ..core.registry import handles
from ..core.runtime import EngineRuntime
from ..core.session import Session
from ..video import patterns
from ..video.layout import VideoImage
from .sinks import CapturedFrame
from .video_source import VideoSource

FEATURE_ENV = "LKEMU_CAPTURE"
WITHOUT_FEATURE = "livekit-ffi was built without the 'capture' feature"
MAX_SIDE = 8192
# lkemu's bounds, where native takes any number (and draws on a GPU): a frame up to 4096x2160
# pixels (drawn on the CPU, a 4K frame takes tens of ms), up to 1000 frames a second.
MAX_PIXELS = 4096 * 2160
MAX_FPS = 1000
# A pump that falls this far behind its schedule starts a new one instead of bursting.
MAX_LAG_S = 1.0

Renderer = Callable[[int, float], VideoImage]  # (frame index, seconds since the first)


def feature_enabled() -> bool:
    return os.environ.get(FEATURE_ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def _require_feature() -> None:
    if not feature_enabled():
        raise InvalidRequest(WITHOUT_FEATURE)


class CaptureFault(Exception):
    """A failure the control service injected into a running capture."""

    def __init__(self, kind: capture_pb2.CaptureErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def fault_text(kind: capture_pb2.CaptureErrorKind, message: str) -> str:
    """The error text livekit-capture's PumpError gives for each kind."""
    if kind == capture_pb2.CAPTURE_ERROR_KIND_RTC:
        return "capture source rejected the frame"
    if kind == capture_pb2.CAPTURE_ERROR_KIND_PANICKED:
        return f"pump panicked: {message}"
    return f"capture source failed: {message}"


IDLE, RUNNING, FINISHED = "idle", "running", "finished"


class CaptureSource:
    """What a capture handle names: a producer, its pump, and the video source it feeds."""

    native_type_name = "livekit_ffi::room_apis::server::capture::FfiCaptureSource"

    def __init__(
        self,
        runtime: EngineRuntime,
        session: Session,
        video_source: VideoSource,
        fps: int,
        render: Renderer,
    ) -> None:
        self.runtime, self.session = runtime, session
        self.video_source = video_source
        self.fps = fps
        self.render = render
        self.handle = 0
        self.state = IDLE
        self.stopped = False  # the stop signal, usable in every state (as native's PumpStop)
        self.frames_captured = 0
        self.fault: CaptureFault | None = None
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    def start(self) -> str | None:
        """Start the pump; the error text if it cannot."""
        if self.state == RUNNING:
            return "capture is already started"
        if self.state == FINISHED:
            return "capture has already finished"
        self.state = RUNNING
        self.runtime.area(Captures).running[self.handle] = self
        self._pump = asyncio.get_running_loop().create_task(self._run())
        return None

    def stop(self) -> None:
        self.stopped = True
        self._wake.set()

    def inject(self, fault: CaptureFault) -> None:
        self.fault = fault
        self._wake.set()

    def close(self) -> None:
        """The handle was dropped: a running capture stops (its event may trail the drop)."""
        self.stop()

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless a stop or a fault comes first."""
        self._wake.clear()
        if self.stopped or self.fault is not None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _run(self) -> None:
        event = ffi_pb2.FfiEvent()
        outcome = event.capture_source_event
        outcome.capture_handle = self.handle
        try:
            await self._pump_frames()
        except CaptureFault as fault:
            outcome.error.error = fault_text(fault.kind, str(fault))
            outcome.error.kind = fault.kind
        except asyncio.CancelledError:
            raise  # the engine is stopping: nobody is left to tell
        except Exception as error:  # a bug in lkemu's producer: as a panic of native's pump
            outcome.error.error = fault_text(capture_pb2.CAPTURE_ERROR_KIND_PANICKED, repr(error))
            outcome.error.kind = capture_pb2.CAPTURE_ERROR_KIND_PANICKED
        else:
            outcome.finished.frames_captured = self.frames_captured
            outcome.finished.exit = capture_pb2.CAPTURE_EXIT_STOPPED
        finally:
            self.state = FINISHED
            self.runtime.area(Captures).running.pop(self.handle, None)
        self.session.emit(event)

    async def _pump_frames(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.runtime.media_clock
        began = loop.time()
        index = 0  # frames since `began`
        while True:
            if self.stopped:
                return
            due = began + index / self.fps
            lag = loop.time() - due
            if lag < 0:
                await self._pause(-lag)
                continue  # (check the stop and the fault again)
            if self.fault is not None:
                raise self.fault
            number = self.frames_captured
            seconds = number / self.fps
            # Drawn in a thread: a 4096x2160 frame takes 80-160 ms of CPU, which on the
            # loop would delay every other client's requests (the fuzzer found 120 ms);
            # NumPy lets the loop run meanwhile.
            image = await loop.run_in_executor(None, self.render, number, seconds)
            if self.stopped:
                return
            stamp = round(seconds * 1_000_000) if clock.virtual else clock.now_us()
            self.video_source.capture(
                CapturedFrame(image, stamp, video_frame_pb2.VIDEO_ROTATION_0, None)
            )
            self.frames_captured += 1
            index += 1
            if lag > MAX_LAG_S:  # far behind (a stalled machine): a new schedule from now
                began, index = loop.time(), 0
            await asyncio.sleep(0)


class Captures:
    """The engine's running captures by handle (runtime.area(Captures)), for the control
    service's faults; stopping the engine stops them."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.running: dict[int, CaptureSource] = {}

    def fail(self, handle: int, kind: capture_pb2.CaptureErrorKind, message: str) -> int:
        """Make running captures fail (one by handle, or all with handle 0): how many."""
        targets = [c for h, c in self.running.items() if handle in (0, h)]
        for capture in targets:
            capture.inject(CaptureFault(kind, message))
        return len(targets)

    def stop(self) -> None:
        for capture in list(self.running.values()):
            capture.stop()
            if capture._pump is not None:
                capture._pump.cancel()
        self.running.clear()


def _check_resolution(
    source_name: str, resolution: video_frame_pb2.VideoSourceResolution, fps: int
) -> None:
    if resolution.width == 0 or resolution.height == 0:
        raise Refused(f"invalid request: {source_name} source resolution must be non-zero")
    if fps == 0:
        raise Refused(f"invalid request: {source_name} source frame rate must be non-zero")
    width, height = resolution.width, resolution.height
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise Refused(
            f"invalid request: resolution: lkemu draws {source_name} sources up to {MAX_SIDE} "
            f"pixels a side and {MAX_PIXELS} pixels a frame, not {width}x{height}"
        )
    if fps > MAX_FPS:
        raise Refused(
            f"invalid request: framerate_fps: lkemu draws {source_name} sources at up to "
            f"{MAX_FPS} frames a second, not {fps}"
        )


def _pattern_renderer(config: capture_pb2.PatternVideoSourceConfig) -> Renderer:
    if config.pattern not in capture_pb2.Pattern.values():
        raise Refused("invalid request: invalid pattern")
    width, height = config.resolution.width, config.resolution.height
    draw = patterns.logo if config.pattern == capture_pb2.PATTERN_LOGO else patterns.gradient

    def render(index: int, seconds: float) -> VideoImage:
        image = draw(width, height, seconds)
        patterns.draw_counter(image, index)
        return image

    return render


def _clock_renderer(config: capture_pb2.ClockVideoSourceConfig, runtime: EngineRuntime) -> Renderer:
    width, height = config.resolution.width, config.resolution.height
    virtual = runtime.media_clock.virtual
    first = datetime.datetime.now()

    def render(index: int, seconds: float) -> VideoImage:
        # The local time once per frame (after the pacing sleep, as native samples it); on
        # the virtual clock the first frame's time plus the frame's own timestamp.
        now = first + datetime.timedelta(seconds=seconds) if virtual else datetime.datetime.now()
        return patterns.clock(
            width, height, now.hour, now.minute, now.second, now.microsecond // 1000
        )

    return render


@handles("new_capture_source")
def on_new_capture_source(
    call: Call, request: capture_pb2.NewCaptureSourceRequest
) -> capture_pb2.NewCaptureSourceResponse:
    _require_feature()
    session, runtime = call.session, call.runtime

    async def create(callback: Any) -> None:
        which = request.WhichOneof("config")
        if which is None:
            raise Refused("invalid request: missing capture source config")
        if which == "gstreamer":
            raise Refused("invalid request: capture source is not enabled in this build")
        config = request.pattern if which == "pattern" else request.clock
        _check_resolution(which, config.resolution, config.framerate_fps)
        if which == "pattern":
            render = _pattern_renderer(request.pattern)
        else:
            render = _clock_renderer(request.clock, runtime)
        width, height = config.resolution.width, config.resolution.height
        video_source = VideoSource(width, height, False)
        capture = CaptureSource(runtime, session, video_source, config.framerate_fps, render)
        source_handle = runtime.handles.store(video_source, session.id)
        capture.handle = runtime.handles.store(capture, session.id)
        owned = callback.source
        owned.handle.id = capture.handle
        info = owned.info
        info.kind = capture_pb2.CAPTURE_SOURCE_PIXEL
        info.resolution.width, info.resolution.height = width, height
        info.recommended_publish_options.video_codec = video_frame_pb2.VP8
        info.recommended_publish_options.simulcast = True
        info.video_source.handle.id = source_handle
        info.video_source.info.type = video_frame_pb2.VIDEO_SOURCE_NATIVE

    return capture_pb2.NewCaptureSourceResponse(async_id=call.answer_later(request, create))


@handles("start_capture")
def on_start_capture(
    call: Call, request: capture_pb2.StartCaptureRequest
) -> capture_pb2.StartCaptureResponse:
    _require_feature()
    capture = call.get(request.capture_handle, CaptureSource)
    response = capture_pb2.StartCaptureResponse()
    error = capture.start()
    if error is not None:
        response.error = error
    return response


@handles("stop_capture")
def on_stop_capture(
    call: Call, request: capture_pb2.StopCaptureRequest
) -> capture_pb2.StopCaptureResponse:
    _require_feature()
    call.get(request.capture_handle, CaptureSource).stop()
    return capture_pb2.StopCaptureResponse()
