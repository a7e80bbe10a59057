"""Simulated rooms: rooms inside the engine, shared by every session (client) of it.

A room holds members (one per identity). Each session that connects gets a view: the room
handle it knows, its local participant, and handles for the other members as its SDK will
see them. Whatever happens in a room is told to every view as RoomEvents, in each view's
own handles.

A member is one connection of a participant: a full reconnection (rooms/reconnect.py)
replaces it, in the same view, by a new member with a new sid, as a server sees a new
session join.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from lkemu.proto import ffi_pb2, participant_pb2, room_pb2, track_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest
from ..core.runtime import EngineRuntime
from ..core.session import Session
from ..core.sids import new_sid
from ..media.sinks import AudioSink
from ..media.tracks import LocalTrack, Track
from .network import Links
from .tokens import Identity

RoomEventFill = Callable[[room_pb2.RoomEvent], None]

# What livekit 1.2.1 advertises (livekit-common's DATA_STREAM_V2): RPC and streams between
# such peers go over data streams, with no 15 KiB payload limit.
CLIENT_PROTOCOL = 2
# What it advertises with RoomOptions.data_stream.use_legacy_client_implementation (an SDK
# that reads streams itself from the raw packet events: DATA_STREAM_RPC, no inline streams).
LEGACY_DATA_STREAMS_PROTOCOL = 1
# rtc_session.rs INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD, for both data channels.
INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD = 2 * 1024 * 1024


@dataclass
class RoomTrack:
    """One track a member publishes, as the room knows it (what its publications name)."""

    track: LocalTrack  # a LocalAudioTrack or LocalVideoTrack
    source: track_pb2.TrackSource
    metadata_features: tuple[track_pb2.FrameMetadataFeature, ...] = ()  # what frames carry
    meter: AudioSink | None = None  # the active-speaker meter on an audio track
    subscribed_once: bool = False  # local_track_subscribed is sent for the first only
    mute_listener: Callable[[bool], None] | None = None  # tells the room of mute changes
    uplink: Any = None  # the publisher's link as this track crosses it (network.LinkSide)
    # The publication its publisher's handle names (media.Publication) and that handle: a
    # republished track keeps both, with the new sid inside (as native keeps its handle).
    local_publication: Any = None
    local_handle: int = 0
    # E2EE (rooms/e2ee.py): the encryption type it was announced with, and the sink
    # through which its sender cryptor seals its frames, if it has one.
    encryption: int = 0
    cryptor: Any = None

    @property
    def sid(self) -> str:
        return str(self.track.sid)


@dataclass
class SubscriptionPermissions:
    """Who may subscribe to a member's tracks (set_track_subscription_permissions)."""

    all_allowed: bool = True
    # identity -> None (all of the tracks) or the sids allowed
    by_identity: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def allows(self, identity: str, sid: str) -> bool:
        if self.all_allowed:
            return True
        if identity not in self.by_identity:
            return False
        allowed = self.by_identity[identity]
        return allowed is None or sid in allowed


@dataclass
class Member:
    identity: str
    name: str
    metadata: str
    attributes: dict[str, str]
    grant_update_metadata: bool
    grant_publish_data: bool
    grant_publish: bool
    grant_subscribe: bool
    publish_sources: tuple[str, ...]  # canPublishSources; empty: any
    hidden: bool
    view: RoomView
    publications: dict[str, RoomTrack] = field(default_factory=dict)
    permissions: SubscriptionPermissions = field(default_factory=SubscriptionPermissions)
    quality: int = room_pb2.QUALITY_EXCELLENT
    audio_level: float = 0.0  # smoothed linear level of its loudest published audio
    client_protocol: int = CLIENT_PROTOCOL
    kind: participant_pb2.ParticipantKind = participant_pb2.PARTICIPANT_KIND_STANDARD
    # JOINED on arrival, ACTIVE once its connection is up (participant_active follows).
    state: participant_pb2.ParticipantState = participant_pb2.PARTICIPANT_STATE_JOINED
    sid: str = field(default_factory=lambda: new_sid("PA"))
    joined_at: int = field(default_factory=lambda: int(time.time()))
    # What the server took down when it closed this session: its client still has these
    # tracks, and republishes them if it rejoins (rooms/reconnect.py).
    withdrawn: list[RoomTrack] = field(default_factory=list)

    def visible_to(self, other: Member | None) -> bool:
        """The one rule for hidden participants (a `hidden` grant): as on a server, nobody
        else hears of them (joins, leaves, tracks, mutes, quality), only they themselves.
        `other` None: someone not in the room yet."""
        return other is self or not self.hidden

    def info(self) -> participant_pb2.ParticipantInfo:
        info = participant_pb2.ParticipantInfo(
            sid=self.sid,
            name=self.name,
            identity=self.identity,
            state=self.state,
            metadata=self.metadata,
            kind=self.kind,
            disconnect_reason=participant_pb2.UNKNOWN_REASON,
            joined_at=self.joined_at,
            client_protocol=self.client_protocol,
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
        self.active_speakers: list[str] = []

    def info(self) -> room_pb2.RoomInfo:
        return room_pb2.RoomInfo(
            sid=self.sid,
            name=self.name,
            metadata=self.metadata,
            lossy_dc_buffered_amount_low_threshold=INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD,
            reliable_dc_buffered_amount_low_threshold=INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD,
            empty_timeout=300,
            departure_timeout=20,
            max_participants=0,
            creation_time=self.created,
            num_participants=len(self.members),
            num_publishers=sum(1 for m in self.members.values() if m.publications),
            active_recording=False,
        )

    def visible(self) -> list[Member]:
        """The members someone joining now is told of."""
        return [m for m in self.members.values() if m.visible_to(None)]

    def tell_about(self, member: Member, fill: RoomEventFill) -> None:
        """Send a room event about `member` to everyone who may know of it (itself too)."""
        for other in list(self.members.values()):
            if member.visible_to(other):
                other.view.emit(fill)

    def receivers(self, sender: Member, destinations: list[str] | None = None) -> list[Member]:
        """Who gets what `sender` sends: everyone else, or the destination identities only
        (a server never echoes a packet to its sender, and drops unknown identities)."""
        wanted = set(destinations or ())
        return [
            m
            for m in list(self.members.values())
            if m is not sender and (not wanted or m.identity in wanted)
        ]

    def tell_everyone(self, fill: RoomEventFill) -> None:
        for member in list(self.members.values()):
            member.view.emit(fill)

    def speakers_changed(self) -> None:
        """Tell everyone when the set of active speakers changes (engine/speakers.py)."""
        speaking = sorted(
            (m for m in self.visible() if m.audio_level > 0.0),
            key=lambda m: m.audio_level,
        )
        identities = [m.identity for m in speaking]
        if identities == self.active_speakers:
            return
        self.active_speakers = identities

        def fill(e: room_pb2.RoomEvent) -> None:
            e.active_speakers_changed.participant_identities.extend(identities)

        self.tell_everyone(fill)


class Rooms:
    """The engine's rooms by name, shared by every session (runtime.area(Rooms))."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.by_name: dict[str, SimRoom] = {}

    def get(self, name: str) -> SimRoom | None:
        return self.by_name.get(name)

    def get_or_create(self, name: str) -> SimRoom:
        room = self.by_name.get(name)
        if room is None:
            room = self.by_name[name] = SimRoom(name)
        return room

    def remove(self, room: SimRoom) -> None:
        """Forget `room` (never a newer room of the same name)."""
        if self.by_name.get(room.name) is room:
            del self.by_name[room.name]

    def register(self, room: SimRoom) -> None:
        self.by_name.setdefault(room.name, room)

    def stop(self) -> None:
        self.by_name.clear()


class Relay(AudioSink, Protocol):
    """What feeds a subscriber's remote track from the publisher's track (rooms/media.py)."""

    def on_frame(self, frame: Any) -> None: ...


@dataclass
class Subscription:
    """A publication a view receives: the remote track made for it and the relay feeding it."""

    publisher: str  # identity
    published: RoomTrack
    remote: Track  # a RemoteTrack (rooms/media.py)
    relay: Relay


class ViewState(Protocol):
    """Per-view state an area keeps (RPC methods, incoming streams): RoomView.state(...)."""

    def peer_left(self, identity: str) -> None:
        """Another participant left the room."""

    def closed(self) -> None:
        """This view left the room."""


V = TypeVar("V", bound=ViewState)


class Follower(Protocol):
    """A stream that follows a participant's track of one source (audio_stream_from_participant)."""

    identity: str
    track_source: int

    def attach(self, track: Track) -> None: ...

    def finish(self) -> None: ...


class RoomView:
    """One session's connection to a room: what its room handle names."""

    native_type_name = "livekit_ffi::server::room::FfiRoom"

    def __init__(self, runtime: EngineRuntime, session: Session | None, room: SimRoom) -> None:
        self.runtime, self.session, self.room = runtime, session, room
        self.handle = 0
        self.member: Member | None = None
        self.remote_handles: dict[str, int] = {}  # identity -> participant handle here
        self.connected = False
        self.auto_subscribe = True
        self.subscriptions: dict[str, Subscription] = {}  # by track sid
        self.wanted: dict[str, bool] = {}  # set_subscribed choices by track sid
        self.followers: list[Follower] = []
        self.states: dict[type, ViewState] = {}  # leave() tells them, hence not private
        # A reconnection is under way: native keeps local_track_subscribed (and its own
        # unpublish and publish) of the republished tracks from the SDK meanwhile.
        self.reconnecting = False
        # When the current connection's signalling began, on the event loop's clock: its
        # pings (every 5 s from then) time out 15 s after the last pong (rooms/reconnect.py).
        self.signal_since = 0.0

    def state(self, kind: type[V]) -> V:
        """This view's one `kind` state (made on first use, told when anyone leaves)."""
        found = self.states.get(kind)
        if found is None:
            found = self.states[kind] = cast(Any, kind)(self)
        return cast(V, found)

    @property
    def connected_member(self) -> Member | None:
        return self.member if self.connected else None

    def require_member(self) -> Member:
        """The connected member this view is, or the refusal every request gets otherwise."""
        if self.member is None or not self.connected:
            raise InvalidRequest("the participant is not connected")
        return self.member

    def emit(self, fill: RoomEventFill, outputs: list[Any] | None = None) -> None:
        if self.session is None:  # a participant lkemu plays itself: nobody to tell
            return
        event = ffi_pb2.FfiEvent()
        event.room_event.room_handle = self.handle
        fill(event.room_event)
        self.session.emit(event, outputs or [])

    def add_remote(self, member: Member) -> participant_pb2.OwnedParticipant:
        handle = 0  # a view nobody holds (a participant the engine plays) gets no handles
        if self.session is not None:
            handle = self.runtime.handles.store(RemoteParticipant(member, self), self.session.id)
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

    @property
    def identity(self) -> str:
        return self.view.member.identity if self.view.member is not None else ""

    def require_member(self) -> tuple[RoomView, Member]:
        return self.view, self.view.require_member()


class RemoteParticipant:
    native_type_name = "livekit_ffi::server::participant::FfiParticipant"

    def __init__(self, member: Member, view: RoomView) -> None:
        self.member, self.view = member, view

    @property
    def identity(self) -> str:
        return self.member.identity


def local_view(call: Call, handle: int) -> RoomView:
    """The view of the local participant `handle` names. A remote participant's handle is
    refused as native refuses it (guard_local_participant)."""
    try:
        return call.get(handle, LocalParticipant).view
    except InvalidRequest:
        call.get(handle, RemoteParticipant)  # a handle of neither kind: its own error
        raise InvalidRequest("Expected local participant") from None


def participant_view(call: Call, handle: int) -> RoomView:
    """The view a participant handle (local or remote) belongs to."""
    try:
        return call.get(handle, LocalParticipant).view
    except InvalidRequest:
        return call.get(handle, RemoteParticipant).view


def join(view: RoomView, who: Identity, client_protocol: int = CLIENT_PROTOCOL) -> Member:
    room = view.room
    previous = room.members.get(who.identity)
    if previous is not None:  # a server lets the newest connection with an identity win
        leave(previous.view, participant_pb2.DUPLICATE_IDENTITY, notify_self=True)
        view.runtime.area(Rooms).register(room)  # leaving emptied it: it lives on
    member = Member(
        identity=who.identity,
        name=who.name,
        metadata=who.metadata,
        attributes=dict(who.attributes),
        grant_update_metadata=who.grant.can_update_own_metadata,
        grant_publish_data=who.grant.can_publish_data,
        grant_publish=who.grant.can_publish,
        grant_subscribe=who.grant.can_subscribe,
        publish_sources=who.grant.can_publish_sources,
        hidden=who.grant.hidden,
        view=view,
        kind=cast(
            participant_pb2.ParticipantKind,
            participant_pb2.ParticipantKind.Value(f"PARTICIPANT_KIND_{who.kind.upper()}"),
        ),
        client_protocol=client_protocol,
    )
    _arrive(view, member)
    return member


def rejoin(view: RoomView, previous: Member) -> Member:
    """`view`'s client joins again after a full reconnection: a new session of the same
    participant (same grants, attributes and subscription permissions), with a new sid and
    nothing published yet. `previous` has left the room (depart)."""
    member = replace(
        previous,
        attributes=dict(previous.attributes),
        publications={},
        withdrawn=[],
        quality=room_pb2.QUALITY_EXCELLENT,
        audio_level=0.0,
        state=participant_pb2.PARTICIPANT_STATE_JOINED,
        sid=new_sid("PA"),
        joined_at=int(time.time()),
    )
    _arrive(view, member)
    return member


def _arrive(view: RoomView, member: Member) -> None:
    """`member` is in the room: the others who may know of it hear participant_connected."""
    room = view.room
    others = list(room.members.values())
    room.members[member.identity] = member
    view.member, view.connected = member, True
    view.signal_since = asyncio.get_running_loop().time()
    for other in others:
        if member.visible_to(other):
            owned = other.view.add_remote(member)
            other.view.emit(partial(_connected, owned))


# What areas do when a view learns that a member's publications changed (one withdrawn),
# before it is told track_unpublished: rooms/e2ee.py re-reads whether the member is
# encrypted.
PUBLICATIONS_CHANGED: list[Callable[[RoomView, Member], None]] = []

# What areas do once a member's connection is up, after its connect callback (as a
# server's join response and the core's first room events): rooms/data_tracks.py tells
# it of the data tracks already published.
ARRIVAL_HOOKS: list[Callable[[Member], None]] = []


def activate(member: Member) -> None:
    """The member's connection is up: a server marks it ACTIVE and tells the others
    (participant_active, which livekit-agents' wait_for_participant waits for)."""
    if member.state == participant_pb2.PARTICIPANT_STATE_ACTIVE or not member.view.connected:
        return
    member.state = participant_pb2.PARTICIPANT_STATE_ACTIVE

    def active(e: room_pb2.RoomEvent) -> None:
        e.participant_active.participant_identity = member.identity

    for other in list(member.view.room.members.values()):
        if other is not member and member.visible_to(other):
            other.view.emit(active)
    for arrived in ARRIVAL_HOOKS:
        arrived(member)


def _connected(owned: participant_pb2.OwnedParticipant, event: room_pb2.RoomEvent) -> None:
    event.participant_connected.info.CopyFrom(owned)


def end_subscription(view: RoomView, sid: str, *, tell: bool = True) -> None:
    """`view` stops receiving track `sid`: its remote track ends (streams on it get eos, a
    participant stream waits for the next track) and the SDK hears track_unsubscribed."""
    subscription = view.subscriptions.pop(sid, None)
    if subscription is None:
        return
    subscription.published.track.remove_sink(subscription.relay)
    subscription.relay.on_end()
    if tell:

        def unsubscribed(e: room_pb2.RoomEvent) -> None:
            e.track_unsubscribed.participant_identity = subscription.publisher
            e.track_unsubscribed.track_sid = sid

        view.emit(unsubscribed)


def withdraw(member: Member, sid: str) -> None:
    """Take one of `member`'s publications out of the room: subscribers get
    track_unsubscribed (their streams end), everyone else in the room track_unpublished."""
    published = member.publications.pop(sid, None)
    if published is None:
        return
    published.track.room_handle = None  # unpublished: no transceiver any more (get_stats)
    if published.mute_listener in published.track.mute_listeners:
        published.track.mute_listeners.remove(published.mute_listener)
    if published.meter is not None:
        published.track.remove_sink(published.meter)
        published.meter.on_end()
    if published.cryptor is not None:  # its sender cryptor goes (rooms/e2ee.py)
        published.track.remove_sink(published.cryptor)
        published.cryptor.on_end()
    for other in list(member.view.room.members.values()):
        if other is member:
            continue
        end_subscription(other.view, sid)
        other.view.wanted.pop(sid, None)
        if not member.visible_to(other):
            continue
        for changed in PUBLICATIONS_CHANGED:
            changed(other.view, member)

        def unpublished(e: room_pb2.RoomEvent) -> None:
            e.track_unpublished.participant_identity = member.identity
            e.track_unpublished.publication_sid = sid

        other.view.emit(unpublished)


def leave(view: RoomView, reason: participant_pb2.DisconnectReason, *, notify_self: bool) -> None:
    member, room = view.connected_member, view.room
    if member is None:
        return
    view.connected = False
    # What this view received ends; what it published stops reaching the others.
    for sid in list(view.subscriptions):
        end_subscription(view, sid, tell=False)
    for follower in list(view.followers):
        follower.finish()
    view.followers.clear()
    depart(member, reason)
    for state in list(view.states.values()):
        state.closed()
    if notify_self:
        view.emit(
            lambda e: setattr(e.connection_state_changed, "state", room_pb2.CONN_DISCONNECTED)
        )
        view.emit(lambda e: setattr(e.disconnected, "reason", reason))
        view.emit(lambda e: e.eos.SetInParent())
    if not room.members:
        view.runtime.area(Rooms).remove(room)
        view.runtime.area(Links).forget_room(room.name)


def depart(member: Member, reason: participant_pb2.DisconnectReason) -> None:
    """The server's side of `member` leaving: its tracks are withdrawn and everyone else
    hears participant_disconnected with `reason`. Its own client's state is the caller's
    (leave, or a full reconnection that keeps the view). The room stays, even empty."""
    room = member.view.room
    if room.members.get(member.identity) is not member:
        return
    del room.members[member.identity]
    member.withdrawn = list(member.publications.values())
    for sid in list(member.publications):
        withdraw(member, sid)
    for other in list(room.members.values()):
        forget(other.view, member.identity)
        if not member.visible_to(other):
            continue
        other.view.remote_handles.pop(member.identity, None)

        def told(e: room_pb2.RoomEvent, m: Member = member) -> None:
            e.participant_disconnected.participant_identity = m.identity
            e.participant_disconnected.disconnect_reason = reason

        other.view.emit(told)
    room.speakers_changed()


def forget(view: RoomView, identity: str) -> None:
    """`view` knows `identity` no more: streams following it end, its streams in flight
    abort."""
    for follower in [f for f in view.followers if f.identity == identity]:
        view.followers.remove(follower)
        follower.finish()
    for state in list(view.states.values()):
        state.peer_left(identity)
