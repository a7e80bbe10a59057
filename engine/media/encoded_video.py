"""Encoded video: new_video_source of type VIDEO_SOURCE_ENCODED, capture_encoded_video_frame
and take_encoded_video_source_feedback.

As livekit-ffi's video_source.rs runs them (read from its source and checked against
native livekit 1.2.1):
- An encoded source is made like a native one (any resolution, 0x0 included); a track
  made from it is an ordinary video track. Raw frames are refused on it ("raw frames
  require a native video source"), and encoded frames and feedback on a native source
  ("encoded frames require an encoded video source", "encoded feedback requires an encoded
  video source"). Handle 0 is "handle is invalid", as for every handle.
- capture_encoded_video_frame checks, in this order, the source's type, a non-zero size
  ("encoded frame dimensions must be non-zero"), a non-null payload pointer ("encoded frame
  payload pointer must be non-null") and the codec and frame type values ("unknown encoded
  video codec", "unknown encoded frame type"), copies the payload and answers
  accepted=true: the source takes every frame, an empty one included; what the encoder
  later drops is not the caller's answer. Timestamps are re-stamped as raw frames' are
  (engine/media/video_source.py), metadata kept, an empty one dropped.
- What a track's sinks receive (webrtc-sys EncodedVideoFrameBuffer): the frame as a
  native buffer that cannot be decoded: a local stream converts it to a black I420 frame
  of the frame's own size (Y 0, U and V 128, as measured natively), every captured frame,
  with no metadata. lkemu hands out the same.
- Published with the pre-encoded backend, a track's sender runs a pass-through encoder
  (webrtc-sys passthrough_video_encoder.cpp), one per published track: a frame of another
  codec than the publication's, or an empty one, is dropped there; when WebRTC wants a key
  frame (a new encoder's first frame, a subscriber's request) and the frame is a delta
  frame, the source's keyframe flag is raised; rate targets WebRTC sets (SetRates) reach
  the source with the next frame encoded. take_encoded_video_source_feedback takes and
  clears both. Subscribers (engine/rooms/simulcast.py) receive what the encoder passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

from google.protobuf import unknown_fields
from google.protobuf.message import Message

from lkemu.proto import video_frame_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest
from ..core.registry import handles
from ..video.layers import black_i420
from ..video.layout import VideoImage
from . import video_source
from .sinks import CapturedFrame
from .video_source import LocalVideoTrack, VideoSource

logger = logging.getLogger("lkemu.engine")

KEY = video_frame_pb2.ENCODED_FRAME_KEY
DELTA = video_frame_pb2.ENCODED_FRAME_DELTA


@dataclass
class EncodedFrame(CapturedFrame):
    """A captured access unit: `image` is what sinks that convert it get (black), the
    payload travels to subscribers. `passed`: what the track's pass-through encoder did
    with it (True sent, False dropped), None where no pass-through encoder runs."""

    payload: bytes = b""
    codec: int = video_frame_pb2.VP8
    frame_type: int = KEY
    passed: bool | None = None

    @property
    def key(self) -> bool:
        return self.frame_type == KEY


class PassThroughEncoder:
    """The encoder of one published track of an encoded source (its RTP sender's)."""

    def __init__(self, codec: int, bitrate_bps: int, framerate_fps: float) -> None:
        self.codec = codec
        # WebRTC asks a new encoder's first frame to be a key frame, and gives it its rates.
        self.key_wanted = True
        self.pending_rates: tuple[int, float] | None = (bitrate_bps, framerate_fps)
        self.frames_encoded = 0
        self.key_frames_encoded = 0

    def request_keyframe(self) -> None:
        """A key frame was asked for (a PLI or FIR reached the sender)."""
        self.key_wanted = True

    def set_rates(self, bitrate_bps: int, framerate_fps: float) -> None:
        """WebRTC's rate allocation changed (SetRates): kept for the next frame."""
        self.pending_rates = (bitrate_bps, framerate_fps)

    def encode(self, frame: EncodedFrame, source: EncodedVideoSource) -> bool:
        """Pass `frame` on, or drop it as the pass-through's Encode fails it."""
        if frame.codec != self.codec:
            logger.warning("pass-through encoder: frame codec does not match sender codec")
            return False  # an error: the key frame request stays pending
        if self.pending_rates is not None:
            source.rate_control, self.pending_rates = self.pending_rates, None
        if self.key_wanted and not frame.key:
            source.keyframe_requested = True
        if not frame.payload:
            logger.warning("pass-through encoder: received an empty frame")
            return False
        self.key_wanted = False
        self.frames_encoded += 1
        self.key_frames_encoded += frame.key
        return True


# lkemu's bounds on an access unit's dimensions (see on_capture_encoded_video_frame): its
# black stand-in frame at 8K took ~75 ms of the engine's loop, at 4K ~20 ms.
MAX_ENCODED_SIDE = 16384
MAX_ENCODED_PIXELS = 4096 * 2160


class EncodedVideoSource(VideoSource):
    """A VIDEO_SOURCE_ENCODED source: access units in, no raw-frame keepalive."""

    takes_raw_frames = False

    def __init__(self, width: int, height: int) -> None:
        super().__init__(width, height, is_screencast=False)
        self.keyframe_requested = False
        self.rate_control: tuple[int, float] | None = None
        # The pass-through encoder of each track while it is published with one.
        self.encoders: WeakKeyDictionary[LocalVideoTrack, PassThroughEncoder] = WeakKeyDictionary()
        self._black: VideoImage | None = None

    def black(self, width: int, height: int) -> VideoImage:
        """The black frame a sink converting an access unit of this size gets (one kept:
        sinks only read it)."""
        if self._black is None or (self._black.width, self._black.height) != (width, height):
            self._black = black_i420(width, height)
        return self._black

    def capture_encoded(self, frame: EncodedFrame) -> None:
        if self.width == 0 or self.height == 0:  # the first frame sets an unset resolution
            self.width, self.height = frame.image.width, frame.image.height
        for track in list(self.tracks):
            encoder = self.encoders.get(track)
            passed = None
            if encoder is not None and track.room_handle is not None:
                passed = encoder.encode(frame, self)
            track.deliver(replace(frame, passed=passed))

    def take_feedback(self) -> video_frame_pb2.TakeEncodedVideoSourceFeedbackResponse:
        response = video_frame_pb2.TakeEncodedVideoSourceFeedbackResponse(
            keyframe_requested=self.keyframe_requested
        )
        if self.rate_control is not None:
            bitrate, framerate = self.rate_control
            response.rate_control.target_bitrate_bps = bitrate
            response.rate_control.framerate_fps = framerate
        self.keyframe_requested, self.rate_control = False, None
        return response


def _new_encoded_source(request: video_frame_pb2.NewVideoSourceRequest) -> VideoSource:
    return EncodedVideoSource(request.resolution.width, request.resolution.height)


video_source.SOURCE_MAKERS[video_frame_pb2.VIDEO_SOURCE_ENCODED] = _new_encoded_source


def _sent_unknown(message: Message, number: int) -> bool:
    """Whether the client sent field `number` with a value the enum does not have (the
    closed enum keeps it aside; native reads the raw number and refuses it)."""
    found = unknown_fields.UnknownFieldSet(message)
    return any(found[index].field_number == number for index in range(len(found)))


@handles("capture_encoded_video_frame")
def on_capture_encoded_video_frame(
    call: Call, request: video_frame_pb2.CaptureEncodedVideoFrameRequest
) -> video_frame_pb2.CaptureEncodedVideoFrameResponse:
    source = call.get(request.source_handle, VideoSource)
    if not isinstance(source, EncodedVideoSource):
        raise InvalidRequest("encoded frames require an encoded video source")
    if request.width == 0 or request.height == 0:
        raise InvalidRequest("encoded frame dimensions must be non-zero")
    if (
        max(request.width, request.height) > MAX_ENCODED_SIDE
        or request.width * request.height > MAX_ENCODED_PIXELS
    ):
        # Native takes any (it only labels the access unit); lkemu gives sinks a black I420
        # frame of that size, and 2^32 x 2^32 took 8 GB and 14 s on the engine's loop.
        raise InvalidRequest(
            f"width, height: lkemu takes encoded frames up to {MAX_ENCODED_SIDE} pixels a "
            f"side and {MAX_ENCODED_PIXELS} pixels a frame (4K), not "
            f"{request.width}x{request.height}"
        )
    if request.buffer.data_ptr == 0:
        raise InvalidRequest("encoded frame payload pointer must be non-null")
    if _sent_unknown(request, 3):
        raise InvalidRequest("unknown encoded video codec")
    if _sent_unknown(request, 4):
        raise InvalidRequest("unknown encoded frame type")
    size = request.buffer.data_len
    payload = bytes(call.memory.read(request.buffer.data_ptr, size)) if size else b""
    metadata = field_or(request, "metadata", None)
    if metadata is not None and not metadata.ListFields():
        metadata = None  # native drops an empty metadata message
    timestamp = request.timestamp_us
    if not call.runtime.media_clock.virtual:
        timestamp = call.runtime.media_clock.now_us()
    image = source.black(request.width, request.height)
    source.capture_encoded(
        EncodedFrame(
            image,
            timestamp,
            video_frame_pb2.VIDEO_ROTATION_0,
            metadata,
            payload=payload,
            codec=request.codec,
            frame_type=request.frame_type,
        )
    )
    return video_frame_pb2.CaptureEncodedVideoFrameResponse(accepted=True)


@handles("take_encoded_video_source_feedback")
def on_take_encoded_video_source_feedback(
    call: Call, request: video_frame_pb2.TakeEncodedVideoSourceFeedbackRequest
) -> video_frame_pb2.TakeEncodedVideoSourceFeedbackResponse:
    source = call.get(request.source_handle, VideoSource)
    if not isinstance(source, EncodedVideoSource):
        raise InvalidRequest("encoded feedback requires an encoded video source")
    return source.take_feedback()
