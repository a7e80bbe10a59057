"""Simulated rooms: rooms inside the engine, shared by every session (client) of it.

A room holds members (one per identity). Each session that connects gets a view: the room
handle it knows, its local participant, and handles for the other members as its SDK will
see them. Whatever happens in a room is told to every view as RoomEvents, in each view's
own handles.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lkemu.proto import ffi_pb2, participant_pb2, room_pb2

from .tokens import Identity
from .tracks import new_sid

if TYPE_CHECKING:
    from .runtime import EngineRuntime
    from .session import Session

RoomEventFill = Callable[[room_pb2.RoomEvent], None]


@dataclass
class Member:
    identity: str
    name: str
    metadata: str
    attributes: dict[str, str]
    grant_update_metadata: bool
    grant_publish_data: bool
    grant_publish: bool
    hidden: bool
    view: RoomView
    # Published tracks by sid: (local track, TrackSource).
    publications: dict[str, tuple[Any, int]] = field(default_factory=dict)
    sid: str = field(default_factory=lambda: new_sid("PA"))
    joined_at: int = field(default_factory=lambda: int(time.time()))

    def info(self) -> participant_pb2.ParticipantInfo:
        info = participant_pb2.ParticipantInfo(
            sid=self.sid,
            name=self.name,
            identity=self.identity,
            state=participant_pb2.PARTICIPANT_STATE_ACTIVE,
            metadata=self.metadata,
            kind=participant_pb2.PARTICIPANT_KIND_STANDARD,
            disconnect_reason=participant_pb2.UNKNOWN_REASON,
            joined_at=self.joined_at,
            client_protocol=1,
        )
        info.attributes.update(self.attributes)
        return info


class SimRoom:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sid = new_sid("RM")
        self.metadata = ""
        self.created = int(time.time())
        self.members: dict[str, Member] = {}

    def info(self) -> room_pb2.RoomInfo:
        return room_pb2.RoomInfo(
            sid=self.sid,
            name=self.name,
            metadata=self.metadata,
            lossy_dc_buffered_amount_low_threshold=0,
            reliable_dc_buffered_amount_low_threshold=0,
            empty_timeout=300,
            departure_timeout=20,
            max_participants=0,
            creation_time=self.created,
            num_participants=len(self.members),
            num_publishers=0,
            active_recording=False,
        )

    def visible(self) -> list[Member]:
        return [m for m in self.members.values() if not m.hidden]


class RoomView:
    """One session's connection to a room: what its room handle names."""

    native_type_name = "livekit_ffi::server::room::FfiRoom"

    def __init__(self, runtime: EngineRuntime, session: Session, room: SimRoom) -> None:
        self.runtime, self.session, self.room = runtime, session, room
        self.handle = 0
        self.member: Member | None = None
        self.remote_handles: dict[str, int] = {}  # identity -> participant handle here
        self.connected = False
        self.auto_subscribe = True
        # What this view receives, by publisher identity: (published track, relay sink).
        self.subscriptions: dict[str, list[tuple[Any, Any]]] = {}

    def emit(self, fill: RoomEventFill, outputs: list[Any] | None = None) -> None:
        event = ffi_pb2.FfiEvent()
        event.room_event.room_handle = self.handle
        fill(event.room_event)
        self.session.emit(event, outputs or [])

    def add_remote(self, member: Member) -> participant_pb2.OwnedParticipant:
        handle = self.runtime.handles.store(RemoteParticipant(member), self.session.id)
        self.remote_handles[member.identity] = handle
        return participant_pb2.OwnedParticipant(handle={"id": handle}, info=member.info())

    def close(self) -> None:
        """The room handle was dropped: leave without telling this session anything."""
        if self.connected:
            leave(self, participant_pb2.CLIENT_INITIATED, notify_self=False)


class LocalParticipant:
    native_type_name = "livekit_ffi::server::participant::FfiParticipant"

    def __init__(self, view: RoomView) -> None:
        self.view = view


class RemoteParticipant:
    native_type_name = "livekit_ffi::server::participant::FfiParticipant"

    def __init__(self, member: Member) -> None:
        self.member = member


def join(view: RoomView, who: Identity) -> Member:
    room = view.room
    previous = room.members.get(who.identity)
    if previous is not None:  # a server lets the newest connection with an identity win
        leave(previous.view, participant_pb2.DUPLICATE_IDENTITY, notify_self=True)
    member = Member(
        identity=who.identity,
        name=who.name,
        metadata=who.metadata,
        attributes=dict(who.attributes),
        grant_update_metadata=who.grant.can_update_own_metadata,
        grant_publish_data=who.grant.can_publish_data,
        grant_publish=who.grant.can_publish,
        hidden=who.grant.hidden,
        view=view,
    )
    others = [m for m in room.members.values() if not member.hidden]
    room.members[member.identity] = member
    view.member, view.connected = member, True
    for other in others:
        owned = other.view.add_remote(member)
        other.view.emit(partial(_connected, owned))
    return member


def _connected(owned: participant_pb2.OwnedParticipant, event: room_pb2.RoomEvent) -> None:
    event.participant_connected.info.CopyFrom(owned)


def withdraw(member: Member, sid: str) -> None:
    """Take one of `member`'s publications out of the room: subscribers get
    track_unsubscribed (their streams end), everyone else in the room track_unpublished."""
    published = member.publications.pop(sid, None)
    if published is None:
        return
    for other in list(member.view.room.members.values()):
        if other is member:
            continue
        feeds = other.view.subscriptions.get(member.identity, [])
        for track, relay in [f for f in feeds if f[0].sid == sid]:
            feeds.remove((track, relay))
            track.remove_sink(relay)
            relay.on_end()

            def unsubscribed(e: room_pb2.RoomEvent) -> None:
                e.track_unsubscribed.participant_identity = member.identity
                e.track_unsubscribed.track_sid = sid

            other.view.emit(unsubscribed)

        def unpublished(e: room_pb2.RoomEvent) -> None:
            e.track_unpublished.participant_identity = member.identity
            e.track_unpublished.publication_sid = sid

        other.view.emit(unpublished)


def leave(view: RoomView, reason: int, *, notify_self: bool) -> None:
    member, room = view.member, view.room
    if member is None or not view.connected:
        return
    view.connected = False
    room.members.pop(member.identity, None)
    # What this view received ends; what it published stops reaching the others.
    for feeds in view.subscriptions.values():
        for track, relay in feeds:
            track.remove_sink(relay)
            relay.on_end()
    view.subscriptions.clear()
    for sid in list(member.publications):
        withdraw(member, sid)
    for other in room.members.values():
        if member.hidden:
            break
        other.view.remote_handles.pop(member.identity, None)

        def told(e: room_pb2.RoomEvent, m: Member = member) -> None:
            e.participant_disconnected.participant_identity = m.identity
            e.participant_disconnected.disconnect_reason = reason

        other.view.emit(told)
    if notify_self:
        view.emit(lambda e: setattr(e.disconnected, "reason", reason))
        view.emit(lambda e: e.eos.SetInParent())
    if not room.members:
        view.runtime.rooms.pop(room.name, None)
