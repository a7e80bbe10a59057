"""Reconnections, as the participant's SDK and the others in the room see them: every
SimulateScenarioKind (rooms/health.py answers the request) and a participant's network
going away (EngineControl.cut_network).

Resume (SIMULATE_SIGNAL_RECONNECT): the client's engine resumes its session; the SDK sees
connection_state_changed RECONNECTING, reconnecting, connection_state_changed CONNECTED,
reconnected; the server keeps the participant, so the others see nothing.

A scenario's recovery takes time, as native's does: the Rust engine answers the request
once the signal is closed (or the leave sent), says Resuming (or Restarting) when its
reconnect task starts, and says Resumed (Restarted) only after reopening the signal
WebSocket, SyncState and an ICE restart (a new join and new peer connections), which are
round trips to the server (rtc_engine/mod.rs reconnect_task, try_resume_connection,
try_restart_connection). So the end of a resume comes RESUME_S after the request's
callback and the new session of a full reconnection RESTART_S after it; a client that
starts waiting for `reconnected` when its request returns sees it, as it does natively.
Both are assumed figures (a server on the same host answers a WebSocket reconnection and
an ICE restart in tens of milliseconds), not measurements.

Full reconnect (SIMULATE_FULL_RECONNECT, and FORCE_TCP / FORCE_TLS, which the Rust SDK also
turns into a local leave with action RECONNECT: rtc_session.rs simulate_scenario). The
room's handle_restarting drops every remote participant (track_unsubscribed,
track_unpublished and participant_disconnected for each) and says reconnecting; the new
session's join response brings the others back (participant_connected, participant_active,
track_published, then the subscriptions); handle_restarted unpublishes and republishes each
local track, which livekit-ffi reports as local_track_republished on the same publication
handle with the new sid (holding back its own unpublish, publish and local_track_subscribed
events meanwhile); then connected and reconnected. On the server the old session ends with
the client's leave (CLIENT_INITIATED, to the others) and a new one joins: a new participant
sid and new track sids.

NODE_FAILURE and MIGRATION: the server closes the participant without a leave (room.go
onSimulateScenario), which the others hear as SERVER_SHUTDOWN or MIGRATION; the client's
resume then finds no participant and is told to reconnect (roommanager.go StartSession):
reconnecting, then the full reconnection. DISCONNECT_SIGNAL_ON_RESUME: the server drops the
resumed signal, the resume fails and the client reconnects in full; the server still held
the old session, which the new join replaces (DUPLICATE_IDENTITY, to the others).

SERVER_LEAVE: the server closes the participant with a leave, action DISCONNECT, reason
SERVER_SHUTDOWN: the client disconnects with that reason and the others see it go.

SPEAKER: the server announces the participant to everyone as speaking and, 3 seconds later
(the SDK asks for 3), as silent (room.go onSimulateScenario).

The network going away, on the event loop's clock (simulated time runs it at once):
- Its media stop both ways at once (rooms/network.py: a link that is down loses every
  packet). Data and requests are not held back: lkemu serves them as if it were up.
- The client notices when its signal ping times out: pings go every 5 s from the
  connection's start and time out 15 s after the last pong (the server's PingInterval and
  PingTimeout, pkg/rtc/participant.go). Back before that, nobody notices anything but the gap.
- Then it says reconnecting and tries to resume (attempt 1). An attempt while the network
  is down fails after SIGNAL_CONNECT_TIMEOUT (5 s); after a failed resume the next attempts
  are full reconnections (rtc_engine/mod.rs reconnect_task), the first of which drops the
  remote participants (handle_restarting). Attempts are spaced by an exponential backoff
  with full jitter (300 ms doubling, at most 7 s, drawn from the fault's seed), 10 of them
  (reconnect_strategy.rs). The first attempt after the network is back rejoins in full; if
  all 10 fail the client gives up: disconnected, UNKNOWN_REASON.
- The server's ICE goes disconnected after 10 s without packets and failed 5 s later
  (pkg/rtc/transport.go); 5 s after a failure it closes the participant
  (disconnectCleanupDuration): 20 s after the network went, the others see
  participant_disconnected with CONNECTION_TIMEOUT, unless the client rejoined first (then
  its new session replaced the old one: DUPLICATE_IDENTITY).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from lkemu.proto import participant_pb2, room_pb2

from ..core.runtime import EngineRuntime
from ..core.sids import new_sid
from .media import Publication, offer, owned_publication, publish, reconcile, remote_publication
from .model import (
    Member,
    RoomTrack,
    RoomView,
    activate,
    depart,
    end_subscription,
    forget,
    leave,
    rejoin,
)
from .network import Links

SPEAKER_UPDATE_S = 3.0  # rtc_session.rs: SpeakerUpdate(3)
PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 15.0
SIGNAL_CONNECT_TIMEOUT_S = 5.0
RECONNECT_ATTEMPTS = 10
RECONNECT_BASE_DELAY_S = 0.3
RECONNECT_MAX_DELAY_S = 7.0
ICE_FAILED_AFTER_S = 10.0 + 5.0  # iceDisconnectedTimeout + iceFailedTimeout
DISCONNECT_CLEANUP_S = 5.0
RESUME_S = 0.1  # the signal reopened, SyncState, an ICE restart: assumed
RESTART_S = 0.2  # a new join and new peer connections: assumed

# What the others hear when a scenario's full reconnection replaces the old session.
REASONS_FOR_OTHERS: dict[int, participant_pb2.DisconnectReason] = {
    room_pb2.SIMULATE_FULL_RECONNECT: participant_pb2.CLIENT_INITIATED,
    room_pb2.SIMULATE_FORCE_TCP: participant_pb2.CLIENT_INITIATED,
    room_pb2.SIMULATE_FORCE_TLS: participant_pb2.CLIENT_INITIATED,
    room_pb2.SIMULATE_NODE_FAILURE: participant_pb2.SERVER_SHUTDOWN,
    room_pb2.SIMULATE_MIGRATION: participant_pb2.MIGRATION,
    room_pb2.SIMULATE_DISCONNECT_SIGNAL_ON_RESUME: participant_pb2.DUPLICATE_IDENTITY,
}
# Those where the server closes the participant as it gets the request (room.go
# onSimulateScenario), before the client has noticed anything.
SERVER_CLOSES_AT_ONCE = {room_pb2.SIMULATE_NODE_FAILURE, room_pb2.SIMULATE_MIGRATION}
# Those where the client first tries to resume, and fails.
RESUME_FIRST = {
    room_pb2.SIMULATE_NODE_FAILURE,
    room_pb2.SIMULATE_MIGRATION,
    room_pb2.SIMULATE_DISCONNECT_SIGNAL_ON_RESUME,
}


def run_scenario(view: RoomView, scenario: int) -> None:
    """What follows a simulate_scenario request once its callback was sent."""
    member = view.connected_member
    if member is None:
        return
    loop = asyncio.get_running_loop()

    def still(then: Callable[[], None]) -> Callable[[], None]:
        """`then`, unless the participant left or recovered meanwhile."""

        def run() -> None:
            if view.connected_member is member and view.reconnecting:
                then()

        return run

    if scenario == room_pb2.SIMULATE_SIGNAL_RECONNECT:
        reconnecting(view)
        loop.call_later(RESUME_S, still(lambda: reconnected(view)))
    elif scenario == room_pb2.SIMULATE_SPEAKER:
        announce_speaker(member)
    elif scenario == room_pb2.SIMULATE_SERVER_LEAVE:
        leave(view, participant_pb2.SERVER_SHUTDOWN, notify_self=True)
    else:
        reason = REASONS_FOR_OTHERS[scenario]
        if scenario in SERVER_CLOSES_AT_ONCE:
            depart(member, reason)  # the others hear it now, not when the client is back
        if scenario in RESUME_FIRST:
            reconnecting(view)
        restarting(view)
        loop.call_later(RESTART_S, still(lambda: restarted(view, reason)))


def reconnecting(view: RoomView) -> None:
    """The client lost its connection and starts to recover it."""
    if view.reconnecting:
        return
    view.reconnecting = True
    view.emit(lambda e: setattr(e.connection_state_changed, "state", room_pb2.CONN_RECONNECTING))
    view.emit(lambda e: e.reconnecting.SetInParent())


def reconnected(view: RoomView) -> None:
    view.reconnecting = False
    view.emit(lambda e: setattr(e.connection_state_changed, "state", room_pb2.CONN_CONNECTED))
    view.emit(lambda e: e.reconnected.SetInParent())


def resume(view: RoomView) -> None:
    """A reconnection that resumes the session: the server keeps the participant."""
    reconnecting(view)
    reconnected(view)


def restarting(view: RoomView) -> None:
    """A full reconnection begins: the client drops everyone it knew (handle_restarting),
    then says reconnecting (unless it already did)."""
    me, room = view.member, view.room
    for identity in list(view.remote_handles):
        for sid in [s for s, sub in view.subscriptions.items() if sub.publisher == identity]:
            end_subscription(view, sid)
        other = room.members.get(identity)
        for sid in list(other.publications) if other is not None else []:

            def unpublished(e: room_pb2.RoomEvent, who: str = identity, s: str = sid) -> None:
                e.track_unpublished.participant_identity = who
                e.track_unpublished.publication_sid = s

            view.emit(unpublished)
        forget(view, identity)
        del view.remote_handles[identity]

        def gone(e: room_pb2.RoomEvent, who: str = identity) -> None:
            e.participant_disconnected.participant_identity = who
            e.participant_disconnected.disconnect_reason = participant_pb2.UNKNOWN_REASON

        view.emit(gone)
    # What the client chose to receive belonged to publications it no longer has.
    view.wanted.clear()
    if me is not None:
        reconnecting(view)


def restarted(view: RoomView, reason_for_others: participant_pb2.DisconnectReason) -> None:
    """The new session is up: the server swaps the old one for it (the others hear the old
    one leave with `reason_for_others`, unless the server removed it already), the client
    learns the room again, republishes its tracks and is connected."""
    previous = view.connected_member
    if previous is None:
        return
    depart(previous, reason_for_others)  # nothing if the server closed it already
    tracks = previous.withdrawn
    member = rejoin(view, previous)
    activate(member)
    _learn_room(view, member)
    for published in tracks:
        _republish(view, member, published)
    reconnected(view)


def _learn_room(view: RoomView, me: Member) -> None:
    """The join response of the new session: everyone else, their tracks, then the
    subscriptions auto-subscribe (or set_subscribed) asks for."""
    others = [m for m in view.room.members.values() if m is not me and m.visible_to(me)]
    for other in others:
        owned = view.add_remote(other)
        view.emit(partial(_connected, owned))
        if other.state == participant_pb2.PARTICIPANT_STATE_ACTIVE:
            view.emit(partial(_active, other.identity))
        for published in other.publications.values():
            publication = owned_publication(view, remote_publication(view, other, published))

            def on_published(
                e: room_pb2.RoomEvent, who: str = other.identity, owned: Any = publication
            ) -> None:
                e.track_published.participant_identity = who
                e.track_published.publication.CopyFrom(owned)

            view.emit(on_published)
    for other in others:
        for published in list(other.publications.values()):
            reconcile(view, other, published)


def _connected(owned: participant_pb2.OwnedParticipant, e: room_pb2.RoomEvent) -> None:
    e.participant_connected.info.CopyFrom(owned)


def _active(identity: str, e: room_pb2.RoomEvent) -> None:
    e.participant_active.participant_identity = identity


def _republish(view: RoomView, member: Member, previous: RoomTrack) -> None:
    """handle_restarted: the same local track published again, under a new sid; the SDK's
    publication object (its handle) is kept and told of the new sid."""
    track = previous.track
    previous_sid = track.sid
    track.sid = new_sid("TR")
    published = publish(view, member, track, previous.source, previous.metadata_features)
    publication, handle = previous.local_publication, previous.local_handle
    if isinstance(publication, Publication) and view.runtime.handles.exists(handle):
        publication.published = published
    else:  # native makes a handle for a publication it did not track
        publication = Publication(published, remote=False)
        handle = owned_publication(view, publication).handle.id
    published.local_publication, published.local_handle = publication, handle
    info = publication.info()

    def republished(e: room_pb2.RoomEvent) -> None:
        e.local_track_republished.publication_handle = handle
        e.local_track_republished.previous_sid = previous_sid
        e.local_track_republished.info.CopyFrom(info)

    view.emit(republished)
    for other in list(view.room.members.values()):
        if other is not member:
            offer(other.view, member, published)


def announce_speaker(member: Member) -> None:
    """SIMULATE_SPEAKER: the server tells everyone that `member` speaks, then, 3 s later,
    that it does not. The Rust room's list of speakers is the active ones of each update
    (handle_speakers_changed), so the SDK hears exactly [member], then [] (and [] where it
    does not know the participant: a hidden one, or one that left)."""
    room = member.view.room

    def announce(active: bool) -> None:
        for other in list(room.members.values()):
            known = (
                active and member.visible_to(other) and room.members.get(member.identity) is member
            )
            speakers = [member.identity] if known else []
            other.view.emit(partial(_speakers, speakers))

    announce(True)
    asyncio.get_running_loop().call_later(SPEAKER_UPDATE_S, announce, False)


def _speakers(identities: list[str], e: room_pb2.RoomEvent) -> None:
    e.active_speakers_changed.participant_identities.extend(identities)


class Outages:
    """Participants whose network is down, by (room, identity) (runtime.area(Outages)):
    the client's recovery and the server's timeout run as tasks until it is over."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.tasks: dict[tuple[str, str], set[asyncio.Task[None]]] = {}
        self.restores: dict[tuple[str, str], asyncio.TimerHandle] = {}

    def stop(self) -> None:
        for tasks in self.tasks.values():
            for task in tasks:
                task.cancel()
        for handle in self.restores.values():
            handle.cancel()
        self.tasks.clear()
        self.restores.clear()

    def track(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        running = self.tasks.setdefault(key, set())
        running.add(task)
        task.add_done_callback(running.discard)


def cut_network(view: RoomView, seconds: float) -> None:
    """`view`'s participant loses its network now, for `seconds` (0: until restored)."""
    member = view.connected_member
    if member is None:
        return
    runtime, room = view.runtime, view.room
    links, outages = runtime.area(Links), runtime.area(Outages)
    key = (room.name, member.identity)
    conditions = links.of(*key)
    pending = outages.restores.pop(key, None)
    if pending is not None:
        pending.cancel()
    loop = asyncio.get_running_loop()
    if seconds > 0:
        outages.restores[key] = loop.call_later(seconds, restore_network, view.runtime, *key)
    if conditions.down:
        return  # already down: only when it comes back changed
    links.set(*key, replace(conditions, down=True))
    started = loop.time()
    outages.track(key, loop.create_task(_server_timeout(member, links, key)))
    outages.track(key, loop.create_task(_client_recovers(view, member, links, key, started)))


def restore_network(runtime: EngineRuntime, room: str, identity: str) -> None:
    """The network of `identity` in `room` is back."""
    links, outages = runtime.area(Links), runtime.area(Outages)
    pending = outages.restores.pop((room, identity), None)
    if pending is not None:
        pending.cancel()
    links.set(room, identity, replace(links.of(room, identity), down=False))


async def _server_timeout(member: Member, links: Links, key: tuple[str, str]) -> None:
    """The server closes a participant whose transport failed and did not come back."""
    await asyncio.sleep(ICE_FAILED_AFTER_S)
    if not links.of(*key).down:
        return  # ICE recovered before failing
    await asyncio.sleep(DISCONNECT_CLEANUP_S)
    depart(member, participant_pb2.CONNECTION_TIMEOUT)  # nothing if it rejoined meanwhile


async def _client_recovers(
    view: RoomView, member: Member, links: Links, key: tuple[str, str], started: float
) -> None:
    loop = asyncio.get_running_loop()
    pongs = int((started - view.signal_since) // PING_INTERVAL_S)
    noticed = view.signal_since + pongs * PING_INTERVAL_S + PING_TIMEOUT_S
    await asyncio.sleep(max(0.0, noticed - loop.time()))

    def still_mine() -> bool:
        return view.connected_member is member

    if not still_mine() or not links.of(*key).down:
        return  # back before the client noticed: only the media had a gap
    conditions = links.of(*key)
    words = [conditions.seed, *(zlib.crc32(part.encode()) for part in (*key, "reconnect"))]
    backoff = np.random.default_rng(np.random.SeedSequence(words))
    reconnecting(view)
    for attempt in range(1, RECONNECT_ATTEMPTS + 1):
        if attempt > 1:
            if attempt == 2:
                restarting(view)  # a resume failed: full reconnections from now on
            if not links.of(*key).down:
                restarted(view, participant_pb2.DUPLICATE_IDENTITY)
                return
        await asyncio.sleep(SIGNAL_CONNECT_TIMEOUT_S)  # the attempt times out
        nominal = min(RECONNECT_MAX_DELAY_S, RECONNECT_BASE_DELAY_S * 2 ** (attempt - 1))
        await asyncio.sleep(float(backoff.uniform(0.0, nominal)))
        if not still_mine():
            return  # the client left (or the room closed) meanwhile
    leave(view, participant_pb2.UNKNOWN_REASON, notify_self=True)
