"""Joining and leaving a room: connect, disconnect, ready_for_room_event.

Media in rooms is rooms/media.py, the local participant's own info rooms/local_participant.py,
data packets rooms/data.py, statistics and reconnection scenarios rooms/health.py.
"""

from __future__ import annotations

from typing import Any

from lkemu.proto import participant_pb2, room_pb2

from ..core.call import Call, FollowUp, field_or
from ..core.errors import Refused
from ..core.registry import handles
from . import e2ee
from .data_channel import DataChannels
from .media import owned_publication, reconcile, remote_publication
from .model import (
    CLIENT_PROTOCOL,
    LEGACY_DATA_STREAMS_PROTOCOL,
    LocalParticipant,
    Rooms,
    RoomView,
    activate,
    join,
    leave,
)
from .tokens import KeyPair, TokenError, verify


@handles("connect")
def on_connect(call: Call, request: room_pb2.ConnectRequest) -> room_pb2.ConnectResponse:
    runtime, session = call.runtime, call.session
    token, options = request.token, request.options

    async def connect(callback: Any) -> FollowUp:
        try:
            who = verify(token, KeyPair.from_environment())
        except TokenError as error:
            raise Refused(f"could not join: {error}") from None
        room = runtime.area(Rooms).get_or_create(who.grant.room)
        view = RoomView(runtime, session, room)
        view.handle = runtime.handles.store(view, session.id)
        view.auto_subscribe = field_or(options, "auto_subscribe", True)
        e2ee.configure(view, options)
        already = room.visible()
        legacy = options.data_stream.use_legacy_client_implementation
        member = join(view, who, LEGACY_DATA_STREAMS_PROTOCOL if legacy else CLIENT_PROTOCOL)
        local_handle = runtime.handles.store(LocalParticipant(view), session.id)
        result = callback.result
        result.room.handle.id = view.handle
        result.room.info.CopyFrom(room.info())
        result.local_participant.handle.id = local_handle
        result.local_participant.info.CopyFrom(member.info())
        for other in already:
            entry = result.participants.add()
            entry.participant.CopyFrom(view.add_remote(other))
            for published in other.publications.values():
                publication = remote_publication(view, other, published)
                entry.publications.append(owned_publication(view, publication))

        def connected() -> None:
            # As the native room does once connected: the state, the speakers already
            # talking, and the tracks already there subscribed.
            for other in already:  # whose publications are all encrypted (rooms/e2ee.py)
                e2ee.status_changed(view, other)
            view.emit(
                lambda e: setattr(e.connection_state_changed, "state", room_pb2.CONN_CONNECTED)
            )
            if room.active_speakers:
                speakers = list(room.active_speakers)
                view.emit(
                    lambda e: e.active_speakers_changed.participant_identities.extend(speakers)
                )
            activate(member)  # its connection is up: the others hear participant_active
            for other in already:
                for published in list(other.publications.values()):
                    reconcile(view, other, published)

        return connected

    return room_pb2.ConnectResponse(async_id=call.answer_later(request, connect))


@handles("disconnect")
def on_disconnect(call: Call, request: room_pb2.DisconnectRequest) -> room_pb2.DisconnectResponse:
    view = call.get(request.room_handle, RoomView)
    reason = field_or(request, "reason", participant_pb2.CLIENT_INITIATED)

    async def disconnect(callback: Any) -> None:
        # A client leaving still sends what it had handed to its data channels (a stream's
        # last chunk, say): the channel drains, then the connection closes.
        channels = view.states.get(DataChannels)
        if isinstance(channels, DataChannels) and view.connected_member is not None:
            await channels.until_drained()
        leave(view, reason, notify_self=True)

    return room_pb2.DisconnectResponse(async_id=call.answer_later(request, disconnect))


@handles("ready_for_room_event")
def on_ready_for_room_event(
    call: Call, request: room_pb2.ReadyForRoomEventRequest
) -> room_pb2.ReadyForRoomEventResponse:
    # Events are sent as they happen; the SDK subscribes before it connects, so none is lost.
    call.get(request.room_handle, RoomView)
    return room_pb2.ReadyForRoomEventResponse()
