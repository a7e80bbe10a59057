"""Tracks in simulated rooms: publish_track, and the subscriptions it makes.

A published local audio track gets, in every other session of the room, a publication and
(with auto-subscribe) a remote track; a relay sink on the local track carries its 10 ms
chunks to each remote track, whose streams remix and resample them as they would any
track's audio. When the publisher leaves, its remote tracks end (their streams get eos).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lkemu.proto import ffi_pb2, room_pb2, track_pb2

from .errors import InvalidRequest
from .rooms import LocalParticipant, Member, RoomView, withdraw
from .tracks import LocalAudioTrack, Track

if TYPE_CHECKING:
    from .dispatch import Call


class RemoteAudioTrack(Track):
    """A subscriber's view of a published audio track."""

    kind = track_pb2.KIND_AUDIO
    remote = True

    def __init__(self, published: LocalAudioTrack, room_handle: int) -> None:
        self.sid, self.name, self.muted = published.sid, published.name, published.muted
        self.source = published.source  # for the virtual clock's backpressure
        self.room_handle: int | None = room_handle
        self.sinks: list[Any] = []
        self.closed = False

    def add_sink(self, sink: Any) -> None:
        self.sinks.append(sink)
        self.source.wake()

    def remove_sink(self, sink: Any) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)
            self.source.wake()

    def ready(self) -> bool:
        return all(sink.ready() for sink in self.sinks)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            ending, self.sinks = self.sinks, []
            for sink in ending:
                sink.on_end()


class Relay:
    """A sink on the publisher's track that feeds one subscriber's remote track."""

    def __init__(self, remote: RemoteAudioTrack) -> None:
        self.remote = remote

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        for sink in list(self.remote.sinks):
            sink.on_audio(chunk, sample_rate, num_channels)

    def ready(self) -> bool:
        return self.remote.ready()

    def on_end(self) -> None:
        self.remote.close()


class Publication:
    native_type_name = "livekit_ffi::server::room::FfiPublication"

    def __init__(self, track: Track, source: int, remote: bool) -> None:
        self.track, self.source, self.remote = track, source, remote

    def info(self) -> track_pb2.TrackPublicationInfo:
        return track_pb2.TrackPublicationInfo(
            sid=self.track.sid,
            name=self.track.name,
            kind=self.track.kind,
            source=self.source,
            simulcasted=False,
            width=0,
            height=0,
            mime_type="audio/opus",
            muted=self.track.muted,
            remote=self.remote,
            encryption_type=0,
        )


def _owned_publication(view: RoomView, publication: Publication) -> track_pb2.OwnedTrackPublication:
    handle = view.runtime.handles.store(publication, view.session.id)
    return track_pb2.OwnedTrackPublication(handle={"id": handle}, info=publication.info())


def offer(view: RoomView, publisher: Member, track: LocalAudioTrack, source: int) -> None:
    """Tell `view` about a publication; subscribe it if it auto-subscribes."""
    owned = _owned_publication(view, Publication(track, source, remote=True))

    def published(e: room_pb2.RoomEvent) -> None:
        e.track_published.participant_identity = publisher.identity
        e.track_published.publication.CopyFrom(owned)

    view.emit(published)
    if view.auto_subscribe:
        subscribe(view, publisher, track)


def subscribe(view: RoomView, publisher: Member, track: LocalAudioTrack) -> None:
    remote = RemoteAudioTrack(track, view.handle)
    handle = view.runtime.handles.store(remote, view.session.id)
    relay = Relay(remote)
    track.add_sink(relay)
    view.subscriptions.setdefault(publisher.identity, []).append((track, relay))

    def subscribed(e: room_pb2.RoomEvent) -> None:
        e.track_subscribed.participant_identity = publisher.identity
        e.track_subscribed.track.handle.id = handle
        e.track_subscribed.track.info.CopyFrom(remote.info())

    view.emit(subscribed)
    publisher.view.emit(lambda e: setattr(e.local_track_subscribed, "track_sid", track.sid))


def on_publish_track(
    call: Call, request: room_pb2.PublishTrackRequest
) -> room_pb2.PublishTrackResponse:
    view = call.get(request.local_participant_handle, LocalParticipant).view
    track = call.get(request.track_handle, Track)
    if not isinstance(track, LocalAudioTrack):
        raise InvalidRequest("lkemu publishes local audio tracks only so far")
    async_id = call.async_id(request)
    session = call.session
    source = request.options.source if request.options.HasField("source") else 0

    async def publish() -> None:
        event = ffi_pb2.FfiEvent()
        event.publish_track.async_id = async_id
        member = view.member
        if member is None or not view.connected:
            event.publish_track.error = "the participant is not connected"
        elif not member.grant_publish:
            event.publish_track.error = "does not have permission to publish (canPublish)"
        if event.publish_track.HasField("error"):
            session.emit(event)
            return
        assert member is not None
        track.room_handle = view.handle
        member.publications[track.sid] = (track, source)
        track.mute_listeners.append(lambda muted: _tell_mute(view, member, track.sid, muted))
        owned = _owned_publication(view, Publication(track, source, remote=False))
        event.publish_track.publication.CopyFrom(owned)
        session.emit(event)
        view.emit(lambda e: setattr(e.local_track_published, "track_sid", track.sid))
        for other in list(view.room.members.values()):
            if other is not member:
                offer(other.view, member, track, source)

    call.spawn(publish())
    return room_pb2.PublishTrackResponse(async_id=async_id)


def _tell_mute(view: RoomView, member: Member, sid: str, muted: bool) -> None:
    if sid not in member.publications or not view.connected:
        return

    def fill(e: room_pb2.RoomEvent) -> None:
        changed = e.track_muted if muted else e.track_unmuted
        changed.participant_identity = member.identity
        changed.track_sid = sid

    for other in list(view.room.members.values()):  # the publisher's own view included
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


HANDLERS = {"publish_track": on_publish_track, "unpublish_track": on_unpublish_track}
