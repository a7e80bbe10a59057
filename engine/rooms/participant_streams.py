"""Streams on a participant rather than a track: audio_stream_from_participant and
video_stream_from_participant.

As native (livekit-ffi's track_changed_trigger), such a stream follows the participant's
track of one source: it plays the track subscribed now, if any, waits through an
unsubscription for the next one, and ends (eos) when the participant leaves or the room
disconnects. On the local participant it follows the participant's own published track.
A participant handle that names nothing gives a stream that never plays, with an error
log: native answers such a request with a stream all the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lkemu.proto import audio_frame_pb2, ffi_pb2, track_pb2, video_frame_pb2

from ..core.call import Call, field_or
from ..core.errors import FfiError, InvalidRequest
from ..core.registry import handles
from ..media.audio_stream import filter_for_participant_stream, new_stream
from ..media.sinks import CapturedFrame, IdleSource, MediaSink, Wakeable
from ..media.tracks import SinkHost, Track
from ..media.video_stream import VideoStream
from .model import LocalParticipant, RemoteParticipant, RoomView


class ParticipantFeed:
    """Stands as the track of a stream, and as a sink on whichever real track it follows."""

    def __init__(self, view: RoomView, identity: str, source: int, kind: int) -> None:
        self.view, self.identity, self.track_source = view, identity, source
        self.kind = kind  # the kind of track its stream plays (TrackKind)
        self.room_handle: int | None = view.handle
        self.current: Track | None = None
        self.sinks: list[MediaSink] = []
        self.finished = False

    # The Follower contract (engine/rooms.py): the room calls these.

    @property
    def source(self) -> Wakeable:  # what the virtual clock wakes: the followed track's source
        return self.current.source if self.current is not None else IdleSource()

    def attach(self, track: Track) -> None:
        # A track of the other kind (a video stream asked for the microphone's source) is
        # never played: its samples are not frames.
        if self.finished or track.kind != self.kind:
            return
        self._detach()
        self.current = track
        track.add_sink(self)

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._detach()
        ending, self.sinks = self.sinks, []
        for sink in ending:
            sink.on_end()

    def _detach(self) -> None:
        if self.current is not None:
            self.current.remove_sink(self)
            self.current = None

    # The track side, for the stream.

    def add_sink(self, sink: MediaSink) -> None:
        self.sinks.append(sink)

    def remove_sink(self, sink: MediaSink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)
        if not self.sinks:
            if self in self.view.followers:
                self.view.followers.remove(self)
            self._detach()

    # The sink side, on the followed track.

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        for sink in list(self.sinks):
            sink.on_audio(chunk, sample_rate, num_channels)

    def on_frame(self, frame: CapturedFrame) -> None:
        for sink in list(self.sinks):
            sink.on_frame(frame)

    def ready(self) -> bool:
        return all(sink.ready() for sink in self.sinks)

    def on_end(self) -> None:
        self.current = None  # that track is over: wait for the participant's next one


def _follow(call: Call, participant_handle: int, source: int, kind: int) -> ParticipantFeed | None:
    """A feed following the participant's track of `source` (of this kind), or None
    (logged) if the handle names no participant."""
    participant: LocalParticipant | RemoteParticipant
    try:
        participant = call.get(participant_handle, LocalParticipant)
    except FfiError:
        try:
            participant = call.get(participant_handle, RemoteParticipant)
        except FfiError:
            message = "failed to get participant: participant not found"
            call.session.log(ffi_pb2.LOG_ERROR, message)
            return None
    view: RoomView = participant.view
    identity = participant.identity
    feed = ParticipantFeed(view, identity, source, kind)
    if view.connected_member is None:
        return feed
    view.followers.append(feed)
    member = view.room.members.get(identity)
    if isinstance(participant, LocalParticipant) and member is not None:
        for published in member.publications.values():
            if published.source == source:
                feed.attach(published.track)
                break
    else:
        for subscription in view.subscriptions.values():
            if subscription.publisher == identity and subscription.published.source == source:
                feed.attach(subscription.remote)
                break
    return feed


class _Nothing:
    """The track of a stream whose participant was not found: it never plays."""

    source = IdleSource()
    room_handle: int | None = None

    def add_sink(self, sink: Any) -> None:
        pass

    def remove_sink(self, sink: Any) -> None:
        pass


@handles("audio_stream_from_participant")
def on_audio_stream_from_participant(
    call: Call, request: audio_frame_pb2.AudioStreamFromParticipantRequest
) -> audio_frame_pb2.AudioStreamFromParticipantResponse:
    stream = new_stream(call, _Nothing(), request)  # bad type or format: refused first
    rate, channels = stream.sample_rate, stream.num_channels
    feed = _follow(call, request.participant_handle, request.track_source, track_pb2.KIND_AUDIO)
    if feed is not None:
        stream.track = feed
        stream.filter = filter_for_participant_stream(call, request, rate, channels)
    owned = call.own(stream)
    stream.start(owned.id)
    response = audio_frame_pb2.AudioStreamFromParticipantResponse()
    response.stream.handle.CopyFrom(owned)
    response.stream.info.type = request.type
    return response


@handles("video_stream_from_participant")
def on_video_stream_from_participant(
    call: Call, request: video_frame_pb2.VideoStreamFromParticipantRequest
) -> video_frame_pb2.VideoStreamFromParticipantResponse:
    if request.type != video_frame_pb2.VIDEO_STREAM_NATIVE:
        raise InvalidRequest("unsupported video stream type")
    fmt = field_or(request, "format", None)
    feed = _follow(call, request.participant_handle, request.track_source, track_pb2.KIND_VIDEO)
    track: SinkHost = feed if feed is not None else _Nothing()
    stream = VideoStream(call.runtime, call.session, track, fmt)
    owned = call.own(stream)
    stream.start(owned.id)
    response = video_frame_pb2.VideoStreamFromParticipantResponse()
    response.stream.handle.CopyFrom(owned)
    response.stream.info.type = request.type
    return response
