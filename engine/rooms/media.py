"""Tracks in simulated rooms: publishing, subscribing, and what a subscriber receives.

A published local track (audio or video) gets, in every other view of the room, a
publication and, when that view wants it and may have it, a subscription: a remote track
fed by a relay sink on the publisher's track. Whether a view receives a publication is one
rule (`reconcile`): connected, allowed to subscribe (token grant and the publisher's
subscription permissions), and wanting it (`set_subscribed`, else auto-subscribe). Every
change (set_subscribed, permissions, publish, leave) re-applies that rule, so the events a
view sees are those a server's subscription updates produce.

What reaches a subscriber crosses the publisher's and the subscriber's links
(rooms/network.py): packets lost or late there are concealed (audio) or missing (video).
An encrypted publication's frames also cross the subscriber's frame cryptor
(rooms/e2ee.py): what does not decrypt is silence (audio) or missing (video). Video
reaches each subscriber at the layer the server forwards it (rooms/simulcast.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from lkemu.proto import room_pb2, track_pb2, track_publication_pb2, video_frame_pb2

from ..core.call import Call, FollowUp, field_or
from ..core.errors import InvalidRequest, Refused
from ..core.registry import handles
from ..media.sinks import CapturedFrame, MediaSink, Wakeable
from ..media.tracks import LocalAudioTrack, LocalTrack, Track
from ..media.video_source import LocalVideoTrack
from . import e2ee, simulcast
from .model import (
    LocalParticipant,
    Member,
    RoomTrack,
    RoomView,
    Subscription,
    end_subscription,
    withdraw,
)
from .network import AudioPath, FlowCount, Links, LinkSide, VideoPath
from .speakers import SpeakerMeter

logger = logging.getLogger("lkemu.engine")

# canPublishSources names, by TrackSource
SOURCE_NAMES = {
    track_pb2.SOURCE_CAMERA: "camera",
    track_pb2.SOURCE_MICROPHONE: "microphone",
    track_pb2.SOURCE_SCREENSHARE: "screen_share",
    track_pb2.SOURCE_SCREENSHARE_AUDIO: "screen_share_audio",
}
# Which FrameMetadata field each FrameMetadataFeature carries to subscribers
METADATA_FIELDS = {
    track_pb2.FMF_USER_TIMESTAMP: "user_timestamp",
    track_pb2.FMF_FRAME_ID: "frame_id",
    track_pb2.FMF_USER_DATA: "user_data",
}


class RemoteTrack(Track):
    """A subscriber's view of a published track. Dropping its handle does not end it: the
    subscription does (as native, where the handle only names the track)."""

    remote = True

    def __init__(self, published: RoomTrack, room_handle: int, path: AudioPath | VideoPath) -> None:
        track = published.track
        self.path = path  # what the network let through, and its statistics
        self.kind = track.kind
        self.sid, self.name, self.muted = track.sid, track.name, track.muted
        self.source: Wakeable = track.source  # for the virtual clock's backpressure
        self.room_handle = room_handle
        self.sinks: list[MediaSink] = []
        self.enabled = True
        self.ended = False
        self.received_units = 0  # samples per channel (audio) or frames (video)
        self.received_bytes = 0

    def add_sink(self, sink: MediaSink) -> None:
        self.sinks.append(sink)
        self.source.wake()

    def remove_sink(self, sink: MediaSink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)
            self.source.wake()

    def ready(self) -> bool:
        return all(sink.ready() for sink in self.sinks)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            ending, self.sinks = self.sinks, []
            for sink in ending:
                sink.on_end()


class Relay:
    """A sink on the publisher's track that feeds one subscriber's remote track, through
    the publisher's and the subscriber's links."""

    def __init__(
        self,
        remote: RemoteTrack,
        published: RoomTrack,
        gate: e2ee.MediaGate | None = None,
        layers: simulcast.LayerReceiver | None = None,
    ) -> None:
        self.remote = remote
        self.track = published.track
        self.metadata_fields = [METADATA_FIELDS[f] for f in published.metadata_features]
        self.gate = gate  # an encrypted publication's frames decrypt here, or not
        self.layers = layers  # which video frames arrive, at which layer

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        remote = self.remote
        path = remote.path
        if isinstance(path, AudioPath):
            # The track counted this chunk already: it starts where the count was before.
            start = self.track.sent_units - len(chunk)
            if self.gate is not None:
                chunk = self.gate.audio(chunk, sample_rate, start)
            chunk = path.carry(chunk, sample_rate, start)
        remote.received_units += len(chunk)
        remote.received_bytes += chunk.nbytes
        if not remote.enabled:  # a disabled WebRTC track plays silence
            chunk = np.zeros_like(chunk)
        for sink in list(remote.sinks):
            sink.on_audio(chunk, sample_rate, num_channels)

    def on_frame(self, frame: CapturedFrame) -> None:
        remote = self.remote
        path = remote.path
        if isinstance(path, VideoPath) and not path.carry(
            self.track.sent_units - 1, frame.timestamp_us
        ):
            return  # lost on the way
        if self.gate is not None and not self.gate.video(self.track.sent_units - 1):
            return  # not decrypted: the decoder has nothing to show
        if self.layers is not None and not self.layers.admit(frame):
            return  # not sent, or not decodable yet
        remote.received_units += 1
        remote.received_bytes += frame.image.nbytes
        if not remote.enabled:
            return  # a disabled video track renders nothing
        if self.layers is not None:
            frame = self.layers.at_layer(frame)
        carried = None
        if frame.metadata is not None and self.metadata_fields:
            carried = video_frame_pb2.FrameMetadata()
            for name in self.metadata_fields:
                if frame.metadata.HasField(name):
                    setattr(carried, name, getattr(frame.metadata, name))
        relayed = replace(frame, metadata=carried, remote=True)
        for sink in list(remote.sinks):
            sink.on_frame(relayed)

    def ready(self) -> bool:
        return self.remote.ready()

    def on_end(self) -> None:
        if self.gate is not None:
            self.gate.close()
        if self.layers is not None:
            self.layers.close()
        self.remote.end()


class Publication:
    """What a publication handle names: a room track, seen locally or by a subscriber."""

    native_type_name = "livekit_ffi::server::room::FfiPublication"

    def __init__(
        self, published: RoomTrack, remote: bool, view: RoomView | None = None, publisher: str = ""
    ) -> None:
        self.published, self.remote = published, remote
        self.view, self.publisher = view, publisher  # for a remote one: whose and where

    def info(self) -> track_pb2.TrackPublicationInfo:
        track = self.published.track
        simulcasted, mime_type = simulcast.publication_fields(self.published, self.remote)
        info = track_pb2.TrackPublicationInfo(
            sid=track.sid,
            name=track.name,
            kind=track.kind,
            source=self.published.source,
            simulcasted=simulcasted,
            width=track.source.width if isinstance(track, LocalVideoTrack) else 0,
            height=track.source.height if isinstance(track, LocalVideoTrack) else 0,
            mime_type=mime_type,
            muted=track.muted,
            remote=self.remote,
            encryption_type=self.published.encryption,  # type: ignore[arg-type]
        )
        info.frame_metadata_features.extend(self.published.metadata_features)
        return info


def owned_publication(view: RoomView, publication: Publication) -> track_pb2.OwnedTrackPublication:
    handle = 0  # no handles for a view nobody holds (a participant the engine plays)
    if view.session is not None:
        handle = view.runtime.handles.store(publication, view.session.id)
    return track_pb2.OwnedTrackPublication(handle={"id": handle}, info=publication.info())


def remote_publication(view: RoomView, publisher: Member, published: RoomTrack) -> Publication:
    return Publication(published, remote=True, view=view, publisher=publisher.identity)


def should_receive(view: RoomView, publisher: Member, published: RoomTrack) -> bool:
    me = view.connected_member
    if me is None or me is publisher or not me.grant_subscribe:
        return False
    if published.sid not in publisher.publications:
        return False
    if not publisher.permissions.allows(me.identity, published.sid):
        return False
    return view.wanted.get(published.sid, view.auto_subscribe)


def reconcile(view: RoomView, publisher: Member, published: RoomTrack) -> None:
    """Subscribe or unsubscribe `view` so that it receives exactly what it should."""
    receiving = published.sid in view.subscriptions
    wanted = should_receive(view, publisher, published)
    if wanted and not receiving:
        subscribe(view, publisher, published)
    elif receiving and not wanted:
        end_subscription(view, published.sid)


def offer(view: RoomView, publisher: Member, published: RoomTrack) -> None:
    """Tell `view` about a new publication, then subscribe it if it should receive it."""
    if publisher.visible_to(view.member):
        owned = owned_publication(view, remote_publication(view, publisher, published))
        e2ee.status_changed(view, publisher)  # told before track_published, as native

        def on_published(e: room_pb2.RoomEvent) -> None:
            e.track_published.participant_identity = publisher.identity
            e.track_published.publication.CopyFrom(owned)

        view.emit(on_published)
    reconcile(view, publisher, published)


def _flows(counted: Callable[[], list[Track]]) -> FlowCount:
    """How many audio and video streams `counted` has now (a link's bandwidth shares)."""

    def count() -> tuple[int, int]:
        tracks = counted()
        audio = sum(1 for track in tracks if track.kind == track_pb2.KIND_AUDIO)
        return audio, len(tracks) - audio

    return count


def _track_salt(published: RoomTrack) -> tuple[str, ...]:
    return (published.track.name, str(int(published.source)))


def subscribe(view: RoomView, publisher: Member, published: RoomTrack) -> None:
    me = view.require_member()
    down = LinkSide(
        view.runtime.area(Links),
        view.room.name,
        me.identity,
        ("down", publisher.identity, *_track_salt(published)),
        _flows(lambda: [s.remote for s in view.subscriptions.values()]),
    )
    up = published.uplink
    audio = published.track.kind == track_pb2.KIND_AUDIO
    path = AudioPath(up, down) if audio else VideoPath(up, down)
    remote = RemoteTrack(published, view.handle, path)
    handle = 0
    if view.session is not None:
        handle = view.runtime.handles.store(remote, view.session.id)
    layers = simulcast.subscribed(view, published, remote)
    relay = Relay(remote, published, e2ee.gate(view, publisher.identity, published), layers)
    published.track.add_sink(relay)
    view.subscriptions[published.sid] = Subscription(publisher.identity, published, remote, relay)

    def subscribed(e: room_pb2.RoomEvent) -> None:
        e.track_subscribed.participant_identity = publisher.identity
        e.track_subscribed.track.handle.id = handle
        e.track_subscribed.track.info.CopyFrom(remote.info())

    view.emit(subscribed)
    if not published.subscribed_once:  # the publisher hears of its first subscriber only
        published.subscribed_once = True
        sid = published.sid
        if not publisher.view.reconnecting:  # native holds it back while it republishes
            publisher.view.emit(lambda e: setattr(e.local_track_subscribed, "track_sid", sid))
    for follower in view.followers:
        if follower.identity == publisher.identity and follower.track_source == published.source:
            follower.attach(remote)


def _check_publish(member: Member, track: LocalTrack, source: track_pb2.TrackSource) -> None:
    if not member.grant_publish:
        raise Refused("does not have permission to publish (canPublish)")
    name = SOURCE_NAMES.get(source)
    if member.publish_sources and name not in member.publish_sources:
        allowed = ", ".join(member.publish_sources)
        raise Refused(f"does not have permission to publish {name} (canPublishSources: {allowed})")
    if any(p.track is track for p in member.publications.values()):
        raise Refused("this track is already published")


def publish(
    view: RoomView,
    member: Member,
    track: LocalTrack,
    source: track_pb2.TrackSource,
    features: tuple[track_pb2.FrameMetadataFeature, ...] = (),
) -> RoomTrack:
    """Make `track` one of `member`'s publications (the others are offered it after)."""
    published = RoomTrack(track, source, features)
    published.uplink = LinkSide(
        view.runtime.area(Links),
        view.room.name,
        member.identity,
        ("up", *_track_salt(published)),
        _flows(lambda: [p.track for p in member.publications.values()]),
    )
    track.room_handle = view.handle
    member.publications[track.sid] = published
    if isinstance(track, LocalAudioTrack):
        meter = SpeakerMeter(member, view.room)
        published.meter = meter
        track.add_sink(meter)
    e2ee.on_published(view, member, published)  # its encryption type and sender cryptor
    sid = track.sid
    published.mute_listener = lambda muted: _tell_mute(view, member, sid, muted)
    track.mute_listeners.append(published.mute_listener)
    for follower in view.followers:  # a stream on the local participant's own source
        if follower.identity == member.identity and follower.track_source == source:
            follower.attach(track)
    return published


@handles("publish_track")
def on_publish_track(
    call: Call, request: room_pb2.PublishTrackRequest
) -> room_pb2.PublishTrackResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    track = call.get(request.track_handle, Track)
    if not isinstance(track, LocalAudioTrack | LocalVideoTrack):
        raise InvalidRequest("track is not a local track")
    options = request.options
    source = field_or(options, "source", track_pb2.SOURCE_UNKNOWN)
    features = tuple(options.frame_metadata_features)

    async def publish_now(callback: Any) -> FollowUp:
        member = view.require_member()
        _check_publish(member, track, source)
        published = publish(view, member, track, source, features)
        simulcast.published(published, options)
        publication = Publication(published, remote=False)
        owned = owned_publication(view, publication)
        published.local_publication, published.local_handle = publication, owned.handle.id
        callback.publication.CopyFrom(owned)

        def offered() -> None:
            view.emit(lambda e: setattr(e.local_track_published, "track_sid", track.sid))
            for other in list(view.room.members.values()):
                if other is not member:
                    offer(other.view, member, published)

        return offered

    return room_pb2.PublishTrackResponse(async_id=call.answer_later(request, publish_now))


def _tell_mute(view: RoomView, member: Member, sid: str, muted: bool) -> None:
    if sid not in member.publications or view.connected_member is None:
        return

    def fill(e: room_pb2.RoomEvent) -> None:
        changed = e.track_muted if muted else e.track_unmuted
        changed.participant_identity = member.identity
        changed.track_sid = sid

    for other in list(view.room.members.values()):
        subscription = other.view.subscriptions.get(sid)
        if subscription is not None:
            subscription.remote.muted = muted
    view.room.tell_about(member, fill)  # the publisher's own view included


@handles("unpublish_track")
def on_unpublish_track(
    call: Call, request: room_pb2.UnpublishTrackRequest
) -> room_pb2.UnpublishTrackResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    sid = request.track_sid

    async def unpublish(callback: Any) -> None:
        member = view.member
        if member is None or sid not in member.publications:
            raise InvalidRequest(f"no published track with sid {sid}")
        withdraw(member, sid)
        view.emit(lambda e: setattr(e.local_track_unpublished, "publication_sid", sid))

    return room_pb2.UnpublishTrackResponse(async_id=call.answer_later(request, unpublish))


@handles("set_subscribed")
def on_set_subscribed(
    call: Call, request: room_pb2.SetSubscribedRequest
) -> room_pb2.SetSubscribedResponse:
    publication = call.get(request.publication_handle, Publication)
    if not publication.remote or publication.view is None:
        raise InvalidRequest("publication is not a RemotePublication")
    view = publication.view
    view.wanted[publication.published.sid] = bool(request.subscribe)
    publisher = view.room.members.get(publication.publisher)
    if publisher is not None and view.connected_member is not None:
        reconcile(view, publisher, publication.published)
    return room_pb2.SetSubscribedResponse()


@handles("enable_remote_track")
def on_enable_remote_track(
    call: Call, request: track_pb2.EnableRemoteTrackRequest
) -> track_pb2.EnableRemoteTrackResponse:
    track = call.get(request.track_handle, Track)
    if not isinstance(track, RemoteTrack):
        raise InvalidRequest("track is not a remote track")
    track.enabled = bool(request.enabled)
    return track_pb2.EnableRemoteTrackResponse(enabled=track.enabled)


@handles("enable_remote_track_publication")
def on_enable_remote_track_publication(
    call: Call, request: track_publication_pb2.EnableRemoteTrackPublicationRequest
) -> track_publication_pb2.EnableRemoteTrackPublicationResponse:
    publication = call.get(request.track_publication_handle, Publication)
    if not publication.remote or publication.view is None:
        raise InvalidRequest("publication is not a RemotePublication")
    subscription = publication.view.subscriptions.get(publication.published.sid)
    if subscription is not None and isinstance(subscription.remote, RemoteTrack):
        if subscription.remote.enabled != bool(request.enabled):  # the SDK tells the server
            simulcast.enabled_changed(publication.view, publication.published, request.enabled)
        subscription.remote.enabled = bool(request.enabled)
    return track_publication_pb2.EnableRemoteTrackPublicationResponse()


@handles("set_track_subscription_permissions")
def on_set_track_subscription_permissions(
    call: Call, request: track_pb2.SetTrackSubscriptionPermissionsRequest
) -> track_pb2.SetTrackSubscriptionPermissionsResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    member = view.connected_member
    if member is None:
        return track_pb2.SetTrackSubscriptionPermissionsResponse()  # native: nothing happens
    member.permissions.all_allowed = bool(request.all_participants_allowed)
    member.permissions.by_identity = {
        p.participant_identity: (
            None if field_or(p, "allow_all", False) else frozenset(p.allowed_track_sids)
        )
        for p in request.permissions
    }
    for other in list(view.room.members.values()):
        if other is not member:
            for published in list(member.publications.values()):
                reconcile(other.view, member, published)
    return track_pb2.SetTrackSubscriptionPermissionsResponse()
