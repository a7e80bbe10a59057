"""Tracks in simulated rooms: publishing, subscribing, and what a subscriber receives.

A published local track (audio or video) gets, in every other view of the room, a
publication and, when that view wants it and may have it, a subscription: a remote track
fed by a relay sink on the publisher's track. Whether a view receives a publication is one
rule (`reconcile`): connected, allowed to subscribe (token grant and the publisher's
subscription permissions), and wanting it (`set_subscribed`, else auto-subscribe). Every
change (set_subscribed, permissions, publish, leave) re-applies that rule, so the events a
view sees are those a server's subscription updates produce.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from lkemu.proto import ffi_pb2, room_pb2, track_pb2, track_publication_pb2, video_frame_pb2

from .errors import InvalidRequest
from .rooms import (
    LocalParticipant,
    Member,
    Published,
    RoomView,
    Subscription,
    end_subscription,
    withdraw,
)
from .speakers import SpeakerMeter
from .tracks import LocalAudioTrack, Track
from .video_source import CapturedFrame, LocalVideoTrack

if TYPE_CHECKING:
    from .dispatch import Call

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

    def __init__(self, published: Published, room_handle: int) -> None:
        track = published.track
        self.kind = track.kind
        self.sid, self.name, self.muted = track.sid, track.name, track.muted
        self.source = track.source  # for the virtual clock's backpressure
        self.room_handle: int | None = room_handle
        self.sinks: list[Any] = []
        self.enabled = True
        self.ended = False
        self.received_units = 0  # samples per channel (audio) or frames (video)
        self.received_bytes = 0

    def add_sink(self, sink: Any) -> None:
        self.sinks.append(sink)
        self.source.wake()

    def remove_sink(self, sink: Any) -> None:
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
    """A sink on the publisher's track that feeds one subscriber's remote track."""

    def __init__(self, remote: RemoteTrack, published: Published) -> None:
        self.remote = remote
        self.metadata_fields = [METADATA_FIELDS[f] for f in published.metadata_features]

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        remote = self.remote
        remote.received_units += len(chunk)
        remote.received_bytes += chunk.nbytes
        if not remote.enabled:  # a disabled WebRTC track plays silence
            chunk = np.zeros_like(chunk)
        for sink in list(remote.sinks):
            sink.on_audio(chunk, sample_rate, num_channels)

    def on_frame(self, frame: CapturedFrame) -> None:
        remote = self.remote
        remote.received_units += 1
        remote.received_bytes += frame.image.nbytes
        if not remote.enabled:
            return  # a disabled video track renders nothing
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
        self.remote.end()


class Publication:
    native_type_name = "livekit_ffi::server::room::FfiPublication"

    def __init__(
        self, published: Published, remote: bool, view: RoomView | None = None, publisher: str = ""
    ) -> None:
        self.published, self.remote = published, remote
        self.view, self.publisher = view, publisher  # for a remote one: whose and where

    def info(self) -> track_pb2.TrackPublicationInfo:
        track = self.published.track
        video = track.kind == track_pb2.KIND_VIDEO
        info = track_pb2.TrackPublicationInfo(
            sid=track.sid,
            name=track.name,
            kind=track.kind,
            source=self.published.source,
            simulcasted=False,
            width=track.source.width if video else 0,
            height=track.source.height if video else 0,
            mime_type="video/vp8" if video else "audio/opus",
            muted=track.muted,
            remote=self.remote,
            encryption_type=0,
        )
        info.frame_metadata_features.extend(self.published.metadata_features)
        return info


def owned_publication(view: RoomView, publication: Publication) -> track_pb2.OwnedTrackPublication:
    handle = 0  # no handles for a view nobody holds (a participant the engine plays)
    if view.session is not None:
        handle = view.runtime.handles.store(publication, view.session.id)
    return track_pb2.OwnedTrackPublication(handle={"id": handle}, info=publication.info())


def remote_publication(view: RoomView, publisher: Member, published: Published) -> Publication:
    return Publication(published, remote=True, view=view, publisher=publisher.identity)


def should_receive(view: RoomView, publisher: Member, published: Published) -> bool:
    me = view.member
    if me is None or not view.connected or me is publisher or not me.grant_subscribe:
        return False
    if published.sid not in publisher.publications:
        return False
    if not publisher.permissions.allows(me.identity, published.sid):
        return False
    return view.wanted.get(published.sid, view.auto_subscribe)


def reconcile(view: RoomView, publisher: Member, published: Published) -> None:
    """Subscribe or unsubscribe `view` so that it receives exactly what it should."""
    receiving = published.sid in view.subscriptions
    wanted = should_receive(view, publisher, published)
    if wanted and not receiving:
        subscribe(view, publisher, published)
    elif receiving and not wanted:
        end_subscription(view, published.sid)


def offer(view: RoomView, publisher: Member, published: Published) -> None:
    """Tell `view` about a new publication, then subscribe it if it should receive it."""
    if not publisher.hidden:
        owned = owned_publication(view, remote_publication(view, publisher, published))

        def on_published(e: room_pb2.RoomEvent) -> None:
            e.track_published.participant_identity = publisher.identity
            e.track_published.publication.CopyFrom(owned)

        view.emit(on_published)
    reconcile(view, publisher, published)


def subscribe(view: RoomView, publisher: Member, published: Published) -> None:
    remote = RemoteTrack(published, view.handle)
    handle = 0
    if view.session is not None:
        handle = view.runtime.handles.store(remote, view.session.id)
    relay = Relay(remote, published)
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
        publisher.view.emit(lambda e: setattr(e.local_track_subscribed, "track_sid", sid))
    for follower in view.followers:
        if follower.identity == publisher.identity and follower.track_source == published.source:
            follower.attach(remote)


def _publish_error(member: Member | None, view: RoomView, track: Any, source: int) -> str | None:
    if member is None or not view.connected:
        return "the participant is not connected"
    if not member.grant_publish:
        return "does not have permission to publish (canPublish)"
    name = SOURCE_NAMES.get(source)
    if member.publish_sources and name not in member.publish_sources:
        allowed = ", ".join(member.publish_sources)
        return f"does not have permission to publish {name} (canPublishSources: {allowed})"
    if any(p.track is track for p in member.publications.values()):
        return "this track is already published"
    return None


def publish(
    view: RoomView, member: Member, track: Any, source: int, features: tuple[int, ...] = ()
) -> Published:
    """Make `track` one of `member`'s publications (the others are offered it after)."""
    published = Published(track, source, features)
    track.room_handle = view.handle
    member.publications[track.sid] = published
    if isinstance(track, LocalAudioTrack):
        published.meter = SpeakerMeter(member, view.room)
        track.add_sink(published.meter)
    track.mute_listeners.append(lambda muted: _tell_mute(view, member, track.sid, muted))
    for follower in view.followers:  # a stream on the local participant's own source
        if follower.identity == member.identity and follower.track_source == source:
            follower.attach(track)
    return published


def on_publish_track(
    call: Call, request: room_pb2.PublishTrackRequest
) -> room_pb2.PublishTrackResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    track = call.get(request.track_handle, Track)
    if not isinstance(track, LocalAudioTrack | LocalVideoTrack):
        raise InvalidRequest("track is not a local track")
    async_id = call.async_id(request)
    session = call.session
    options = request.options
    source = options.source if options.HasField("source") else track_pb2.SOURCE_UNKNOWN
    features = tuple(options.frame_metadata_features)

    async def run() -> None:
        event = ffi_pb2.FfiEvent()
        event.publish_track.async_id = async_id
        member = view.member
        error = _publish_error(member, view, track, source)
        if error is not None:
            event.publish_track.error = error
            session.emit(event)
            return
        assert member is not None
        published = publish(view, member, track, source, features)
        owned = owned_publication(view, Publication(published, remote=False))
        event.publish_track.publication.CopyFrom(owned)
        session.emit(event)
        view.emit(lambda e: setattr(e.local_track_published, "track_sid", track.sid))
        for other in list(view.room.members.values()):
            if other is not member:
                offer(other.view, member, published)

    call.spawn(run())
    return room_pb2.PublishTrackResponse(async_id=async_id)


def _tell_mute(view: RoomView, member: Member, sid: str, muted: bool) -> None:
    if sid not in member.publications or not view.connected:
        return

    def fill(e: room_pb2.RoomEvent) -> None:
        changed = e.track_muted if muted else e.track_unmuted
        changed.participant_identity = member.identity
        changed.track_sid = sid

    for other in list(view.room.members.values()):  # the publisher's own view included
        subscription = other.view.subscriptions.get(sid)
        if subscription is not None:
            subscription.remote.muted = muted
        if other is member or not member.hidden:
            other.view.emit(fill)


def on_unpublish_track(
    call: Call, request: room_pb2.UnpublishTrackRequest
) -> room_pb2.UnpublishTrackResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    async_id = call.async_id(request)
    session, sid = call.session, request.track_sid

    async def unpublish() -> None:
        event = ffi_pb2.FfiEvent()
        event.unpublish_track.async_id = async_id
        member = view.member
        if member is None or sid not in member.publications:
            event.unpublish_track.error = f"no published track with sid {sid}"
            session.emit(event)
            return
        withdraw(member, sid)
        view.emit(lambda e: setattr(e.local_track_unpublished, "publication_sid", sid))
        session.emit(event)

    call.spawn(unpublish())
    return room_pb2.UnpublishTrackResponse(async_id=async_id)


def on_set_subscribed(
    call: Call, request: room_pb2.SetSubscribedRequest
) -> room_pb2.SetSubscribedResponse:
    publication = call.get(request.publication_handle, Publication)
    if not publication.remote or publication.view is None:
        raise InvalidRequest("publication is not a RemotePublication")
    view = publication.view
    view.wanted[publication.published.sid] = bool(request.subscribe)
    publisher = view.room.members.get(publication.publisher)
    if publisher is not None and view.connected:
        reconcile(view, publisher, publication.published)
    return room_pb2.SetSubscribedResponse()


def on_enable_remote_track(
    call: Call, request: track_pb2.EnableRemoteTrackRequest
) -> track_pb2.EnableRemoteTrackResponse:
    track = call.get(request.track_handle, Track)
    if not isinstance(track, RemoteTrack):
        raise InvalidRequest("track is not a remote track")
    track.enabled = bool(request.enabled)
    return track_pb2.EnableRemoteTrackResponse(enabled=track.enabled)


def on_enable_remote_track_publication(
    call: Call, request: track_publication_pb2.EnableRemoteTrackPublicationRequest
) -> track_publication_pb2.EnableRemoteTrackPublicationResponse:
    publication = call.get(request.track_publication_handle, Publication)
    if not publication.remote or publication.view is None:
        raise InvalidRequest("publication is not a RemotePublication")
    subscription = publication.view.subscriptions.get(publication.published.sid)
    if subscription is not None:
        subscription.remote.enabled = bool(request.enabled)
    return track_publication_pb2.EnableRemoteTrackPublicationResponse()


def on_set_track_subscription_permissions(
    call: Call, request: track_pb2.SetTrackSubscriptionPermissionsRequest
) -> track_pb2.SetTrackSubscriptionPermissionsResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    member = view.member
    if member is None or not view.connected:
        return track_pb2.SetTrackSubscriptionPermissionsResponse()  # native: nothing happens
    member.permissions.all_allowed = bool(request.all_participants_allowed)
    member.permissions.by_identity = {
        p.participant_identity: (
            None if p.HasField("allow_all") and p.allow_all else frozenset(p.allowed_track_sids)
        )
        for p in request.permissions
    }
    for other in list(view.room.members.values()):
        if other is not member:
            for published in list(member.publications.values()):
                reconcile(other.view, member, published)
    return track_pb2.SetTrackSubscriptionPermissionsResponse()


HANDLERS = {
    "publish_track": on_publish_track,
    "unpublish_track": on_unpublish_track,
    "set_subscribed": on_set_subscribed,
    "enable_remote_track": on_enable_remote_track,
    "enable_remote_track_publication": on_enable_remote_track_publication,
    "set_track_subscription_permissions": on_set_track_subscription_permissions,
}
