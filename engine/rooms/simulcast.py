"""Video layers in rooms: what a published video track sends, which layer each subscriber
receives, and what its pass-through encoder hears from them.

Publishing (engine/rooms/media.py calls `published`): the codec, the encodings and the
layers the Rust SDK computes from TrackPublishOptions and the source's resolution
(engine/video/layers.py). A publication is simulcasted when it has more than one layer,
for simulcast (VP8, H264, H265: one stream per layer) and for SVC alike (VP9 or AV1 with
a scalability mode such as L3T3_KEY: one stream carrying the spatial layers). What a
server calls the codec once media flows (pion's name: video/VP8, video/H264, video/VP9,
video/AV1, video/H265) is the remote publication's mime_type; the publisher's own
publication has none, as the server's answer to AddTrack carries none
(livekit-server participant.go sets TrackInfo.mime_type when the media track arrives,
after TrackPublishedResponse, and the SDK never updates its publication's info handle).

Subscribing, as livekit-server's SubscribedTrack does (pkg/rtc/subscribedtrack.go):
- A new subscription starts at HIGH, unless the subscriber asked for something before:
  its settings are kept by track and applied at once when the track binds. (A client
  connected with RoomOptions.adaptive_stream would start at LOW; the Python SDK never sets
  it, and lkemu does not read it.)
- set_remote_track_publication_quality (the Rust SDK's set_video_quality): on a
  simulcasted publication only (otherwise the SDK only logs a warning), settings with
  that quality, no dimensions and not disabled.
- update_remote_track_publication_dimension: only while subscribed; the publication's
  dimension becomes the one asked for, settings with those dimensions (a width of 0
  means the quality field, LOW) and disabled as the publication is.
- enable_remote_track_publication, when it changes the state of a subscribed track:
  settings with the publication's dimension and disabled as asked, so an explicit
  quality is replaced by the dimension's.
- Settings equal to the current ones change nothing; others apply after 100 ms without
  further change (the server's debounce, on the event loop's clock), at once when they
  re-enable a disabled track. The spatial layer is the quality's, or the dimension's
  quality's (engine/video/layers.py), and frames come at that layer's size from the next
  one on (WebRTC encodes a key frame on the layer the server asks for at once, here).
  Every layer carries every frame: per-layer frame rate limits are not applied.

Pre-encoded publications (video_encoder ENCODER_BACKEND_PRE_ENCODED on an encoded
source, engine/media/encoded_video.py): the pass-through encoder runs, each layer carries
the same access units unscaled (webrtc-sys' EncodedVideoFrameBuffer cannot be scaled), a
new subscriber asks the encoder for a key frame (the server's PLI) and receives nothing
before one (its decoder needs it; each delta frame meanwhile asks again). What it decodes
lkemu cannot know: it gets black I420 frames of each access unit's size, with the
timestamps and metadata native's decoder would give. Raw frames on a pre-encoded
publication never pass the pass-through encoder: subscribers get nothing. An encoded
source published with another backend runs a real encoder on what the buffer converts
to, black frames, at each layer's size.

The control service's SendEncoderFeedback plays the network to a pass-through encoder: a
key frame request (as a receiver's PLI) and rate targets (as WebRTC's SetRates), which the
source hears with the next frame encoded.

Statistics (engine/rooms/health.py): the codec's mime type; a publisher's outbound-rtp per
simulcast encoding (rid, size, target bitrate) or one with the scalability mode for SVC;
a subscriber's inbound-rtp with the size of the last frame it received.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any
from weakref import WeakKeyDictionary

from lkemu.proto import engine_pb2, room_pb2, stats_pb2, track_pb2

from ..core.runtime import EngineRuntime
from ..media.encoded_video import EncodedFrame, EncodedVideoSource, PassThroughEncoder
from ..media.sinks import CapturedFrame
from ..media.tracks import LocalTrack, Track
from ..media.video_source import LocalVideoTrack
from ..video.convert import convert
from ..video.layers import (
    HIGH,
    LOW,
    Layer,
    VideoPlan,
    plan_video,
    quality_for_dimension,
    scale_i420,
    spatial_for_quality,
)
from ..video.layout import T, VideoImage
from .model import Rooms, RoomTrack, RoomView

# The server applies a subscriber's settings after this long without another change.
SETTINGS_DEBOUNCE_S = 0.100
AUDIO_MIME_TYPE = "audio/opus"


@dataclass
class PublishedVideo:
    """A published video track: its plan, and its pass-through encoder if it has one."""

    plan: VideoPlan
    source: Any  # the track's VideoSource
    pre_encoded: bool
    encoder: PassThroughEncoder | None = None

    def layer(self, spatial: int) -> Layer:
        layers = self.plan.layers
        for layer in layers:
            if layer.spatial == spatial:
                return layer
        return layers[-1]

    def media_sizes(self) -> list[tuple[int, int]]:
        """What a server measures of each layer in the media (the source at each scale)."""
        return [layer.size_of(self.source.width, self.source.height) for layer in self.plan.layers]


# Every published video track's plan, by track (a track is published once at a time; a
# republished one keeps its plan, as the SDK republishes with the same options).
_PUBLISHED: WeakKeyDictionary[LocalTrack, PublishedVideo] = WeakKeyDictionary()
# What each subscriber's remote track receives (for its statistics).
_RECEIVERS: WeakKeyDictionary[Track, LayerReceiver] = WeakKeyDictionary()


def published(published_track: RoomTrack, options: room_pb2.TrackPublishOptions) -> None:
    """A local track was published with these options: plan what it sends."""
    track = published_track.track
    if not isinstance(track, LocalVideoTrack):
        return
    source = track.source
    plan = plan_video(source.width, source.height, options)
    backend = options.video_encoder if options.HasField("video_encoder") else 0
    pre_encoded = backend == room_pb2.ENCODER_BACKEND_PRE_ENCODED
    video = PublishedVideo(plan, source, pre_encoded)
    if isinstance(source, EncodedVideoSource):
        if pre_encoded:
            top = plan.top
            video.encoder = PassThroughEncoder(plan.codec, top.max_bitrate, top.max_framerate)
            source.encoders[track] = video.encoder
        else:
            source.encoders.pop(track, None)
    _PUBLISHED[track] = video


def video_of(room_track: RoomTrack) -> PublishedVideo | None:
    return _PUBLISHED.get(room_track.track)


def publication_fields(room_track: RoomTrack, remote: bool) -> tuple[bool, str]:
    """(simulcasted, mime_type) of a publication of `room_track`, seen by its publisher
    (`remote` False) or a subscriber."""
    video = video_of(room_track)
    simulcasted = video is not None and video.plan.simulcasted
    if not remote:
        return simulcasted, ""
    if room_track.track.kind == track_pb2.KIND_AUDIO:
        return False, AUDIO_MIME_TYPE
    return simulcasted, video.plan.mime_type if video is not None else "video/VP8"


@dataclass(frozen=True)
class Settings:
    """A subscriber's UpdateTrackSettings for one track, as the server keeps them."""

    quality: int = HIGH
    width: int = 0
    height: int = 0
    disabled: bool = False


class LayerChoices:
    """One view's track settings and receivers (a ViewState: RoomView.state)."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.settings: dict[str, Settings] = {}
        self.dimensions: dict[str, tuple[int, int]] = {}  # the remote publications' own
        self.receivers: dict[str, LayerReceiver] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}

    def update(self, sid: str, settings: Settings) -> None:
        """UpdateSubscriberSettings: store, then apply at once or after the debounce."""
        previous = self.settings.get(sid)
        if previous == settings:
            return
        was_disabled = previous.disabled if previous is not None else False
        self.settings[sid] = settings
        receiver = self.receivers.get(sid)
        if receiver is None:
            return  # kept for when the track binds
        pending = self.pending.pop(sid, None)
        if pending is not None:
            pending.cancel()
        if not settings.disabled and was_disabled:
            receiver.apply(settings)
            return
        loop = asyncio.get_running_loop()
        self.pending[sid] = loop.call_later(SETTINGS_DEBOUNCE_S, self._apply, sid)

    def _apply(self, sid: str) -> None:
        self.pending.pop(sid, None)
        receiver, settings = self.receivers.get(sid), self.settings.get(sid)
        if receiver is not None and settings is not None:
            receiver.apply(settings)

    def forget(self, sid: str) -> None:
        pending = self.pending.pop(sid, None)
        if pending is not None:
            pending.cancel()
        self.settings.pop(sid, None)
        self.dimensions.pop(sid, None)
        self.receivers.pop(sid, None)

    def peer_left(self, identity: str) -> None:
        pass  # its tracks were withdrawn first: their subscriptions ended

    def closed(self) -> None:
        for sid in list(self.settings) + list(self.receivers):
            self.forget(sid)


class LayerReceiver:
    """What one subscription of a video track receives: which frames, at which layer."""

    def __init__(self, view: RoomView, room_track: RoomTrack, video: PublishedVideo) -> None:
        self.view, self.sid, self.video = view, room_track.sid, video
        self.spatial = video.plan.layers[-1].spatial  # until settings apply: the top one
        self.waiting_for_key = video.encoder is not None
        self.last_size: tuple[int, int] | None = None
        self._scaled: tuple[VideoImage, int, VideoImage] | None = None

    def apply(self, settings: Settings) -> None:
        video = self.video
        quality = settings.quality
        if settings.width > 0:
            source = video.source
            quality = quality_for_dimension(
                source.width,
                source.height,
                video.plan.layers,
                video.media_sizes(),
                settings.width,
                settings.height,
            )
        self.spatial = spatial_for_quality(quality, video.plan.layers)

    def admit(self, frame: CapturedFrame) -> bool:
        """Whether the frame reaches this subscriber's decoder at all."""
        video = self.video
        if not video.pre_encoded:
            return True
        if not isinstance(frame, EncodedFrame) or not frame.passed:
            return False  # not through the pass-through encoder
        if self.waiting_for_key:
            if not frame.key:
                if video.encoder is not None:
                    video.encoder.request_keyframe()  # the receiver asks again (a PLI)
                return False
            self.waiting_for_key = False
        return True

    def at_layer(self, frame: CapturedFrame) -> CapturedFrame:
        """The frame as this subscriber decodes it: at its layer's size."""
        image = frame.image
        if self.video.pre_encoded and isinstance(frame, EncodedFrame):
            self.last_size = (image.width, image.height)
            return frame  # every layer carries the access unit itself
        layer = self.video.layer(self.spatial)
        width, height = layer.size_of(image.width, image.height)
        self.last_size = (width, height)
        if (width, height) == (image.width, image.height) or width == 0 or height == 0:
            return frame
        cached = self._scaled
        if cached is not None and cached[0] is image and cached[1] == self.spatial:
            return replace(frame, image=cached[2])
        source = image if image.kind == T.I420 else convert(image, T.I420)
        scaled = scale_i420(source, width, height)
        self._scaled = (image, self.spatial, scaled)
        return replace(frame, image=scaled)

    def close(self) -> None:
        state = self.view.state(LayerChoices)
        if state.receivers.get(self.sid) is self:
            del state.receivers[self.sid]
        if self.view.connected_member is None or self.view.wanted.get(self.sid) is False:
            state.forget(self.sid)  # the server drops an unwanted subscription's settings


def subscribed(view: RoomView, room_track: RoomTrack, remote: Track) -> LayerReceiver | None:
    """`view` subscribes to `room_track`: the receiver of its frames (None for audio)."""
    video = video_of(room_track)
    if video is None:
        return None
    receiver = LayerReceiver(view, room_track, video)
    state = view.state(LayerChoices)
    state.receivers[room_track.sid] = receiver
    settings = state.settings.setdefault(room_track.sid, Settings())
    receiver.apply(settings)  # on bind: at once
    if video.encoder is not None:
        video.encoder.request_keyframe()  # the new down track wants a key frame
    _RECEIVERS[remote] = receiver
    return receiver


def _simulcasted(room_track: RoomTrack) -> bool:
    video = video_of(room_track)
    return video is not None and video.plan.simulcasted


def set_quality(view: RoomView, room_track: RoomTrack, quality: int) -> None:
    """set_video_quality on a subscriber's publication."""
    if not _simulcasted(room_track):
        return  # the SDK logs "Cannot set video quality for a track that is not simulcasted"
    view.state(LayerChoices).update(room_track.sid, Settings(quality=quality))


def update_dimension(
    view: RoomView, room_track: RoomTrack, enabled: bool, width: int, height: int
) -> None:
    """update_video_dimensions on a subscriber's publication (subscribed, `enabled` as its
    track is)."""
    state = view.state(LayerChoices)
    state.dimensions[room_track.sid] = (width, height)
    state.update(room_track.sid, Settings(LOW, width, height, disabled=not enabled))


def enabled_changed(view: RoomView, room_track: RoomTrack, enabled: bool) -> None:
    """A subscribed publication was enabled or disabled (set_enabled)."""
    state = view.state(LayerChoices)
    track = room_track.track
    default = (0, 0)
    if isinstance(track, LocalVideoTrack):  # the publication's own size
        default = (track.source.width, track.source.height)
    width, height = state.dimensions.get(room_track.sid, default)
    state.update(room_track.sid, Settings(LOW, width, height, disabled=not enabled))


def receiver_of(track: Track) -> LayerReceiver | None:
    return _RECEIVERS.get(track)


# The control service.


class FeedbackRefused(ValueError):
    """SendEncoderFeedback cannot be carried out, and why."""


def send_encoder_feedback(
    runtime: EngineRuntime, request: engine_pb2.SendEncoderFeedbackRequest
) -> str:
    """Feedback for a pre-encoded publication's encoder; the publication's sid."""
    rates = request.HasField("target_bitrate_bps"), request.HasField("framerate_fps")
    if rates[0] != rates[1]:
        raise FeedbackRefused("target_bitrate_bps and framerate_fps are set together")
    if rates[0] and request.target_bitrate_bps == 0:
        raise FeedbackRefused("target_bitrate_bps must be at least 1")
    if rates[1] and not 0 < request.framerate_fps <= 1000:
        raise FeedbackRefused(f"framerate_fps must be in (0, 1000], got {request.framerate_fps}")
    room = runtime.area(Rooms).get(request.room)
    if room is None:
        raise FeedbackRefused(f"no room named {request.room!r}")
    member = room.members.get(request.identity)
    if member is None:
        raise FeedbackRefused(f"no participant {request.identity!r} in room {request.room!r}")
    encoders = {
        sid: video.encoder
        for sid, published_track in member.publications.items()
        if (video := video_of(published_track)) is not None and video.encoder is not None
    }
    if request.track_sid:
        if request.track_sid not in member.publications:
            raise FeedbackRefused(f"{request.identity!r} publishes no track {request.track_sid!r}")
        if request.track_sid not in encoders:
            raise FeedbackRefused(
                f"{request.track_sid!r} is not a pre-encoded video publication (published "
                "from an encoded source with ENCODER_BACKEND_PRE_ENCODED)"
            )
        sid = request.track_sid
    elif len(encoders) == 1:
        (sid,) = encoders
    else:
        raise FeedbackRefused(
            f"{request.identity!r} has {len(encoders)} pre-encoded video publications: "
            "name one by track_sid"
        )
    encoder = encoders[sid]
    if request.keyframe:
        encoder.request_keyframe()
    if rates[0]:
        encoder.set_rates(request.target_bitrate_bps, request.framerate_fps)
    return sid


# Statistics.


def annotate_stats(track: Track, stats: list[stats_pb2.RtcStats]) -> list[stats_pb2.RtcStats]:
    """A video track's statistics with its codec, layers and frame sizes (the audio's and
    an unpublished track's unchanged)."""
    if track.kind != track_pb2.KIND_VIDEO:
        return stats
    receiver = receiver_of(track)
    video = receiver.video if receiver is not None else None
    if video is None and isinstance(track, LocalTrack):
        video = _PUBLISHED.get(track)
    if video is None:
        return stats
    result: list[stats_pb2.RtcStats] = []
    for entry in stats:
        kind = entry.WhichOneof("stats")
        if kind == "codec":
            entry.codec.codec.mime_type = video.plan.mime_type
        elif kind == "inbound_rtp" and receiver is not None and receiver.last_size is not None:
            entry.inbound_rtp.inbound.frame_width, entry.inbound_rtp.inbound.frame_height = (
                receiver.last_size
            )
        elif kind == "outbound_rtp":
            result.extend(_outbound_per_layer(entry, video))
            continue
        result.append(entry)
    return result


def _outbound_per_layer(
    entry: stats_pb2.RtcStats, video: PublishedVideo
) -> list[stats_pb2.RtcStats]:
    """One outbound-rtp per encoding (simulcast), or one for the stream with its
    scalability mode (SVC or a single layer)."""
    plan, source = video.plan, video.source
    if plan.svc or len(plan.encodings) == 1:
        outbound = entry.outbound_rtp.outbound
        if plan.scalability_mode is not None:
            outbound.scalability_mode = plan.scalability_mode
        outbound.target_bitrate = plan.top.max_bitrate
        return [entry]
    result = []
    for encoding in plan.encodings:
        copy = stats_pb2.RtcStats()
        copy.CopyFrom(entry)
        rtp = copy.outbound_rtp
        rtp.rtc.id = f"{entry.outbound_rtp.rtc.id}_{encoding.rid}"
        layer = next(each for each in plan.layers if each.rid == encoding.rid)
        rtp.outbound.rid = encoding.rid
        rtp.outbound.frame_width, rtp.outbound.frame_height = layer.size_of(
            source.width, source.height
        )
        rtp.outbound.target_bitrate = encoding.max_bitrate
        result.append(copy)
    return result
