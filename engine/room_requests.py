"""Room requests: connect, disconnect, ready_for_room_event, set_local_metadata,
set_local_name, set_local_attributes.

Media in rooms is engine/room_media.py, data packets engine/room_data.py, statistics and
reconnection scenarios engine/room_health.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lkemu.proto import ffi_pb2, participant_pb2, room_pb2

from .errors import InvalidRequest
from .room_media import owned_publication, reconcile, remote_publication
from .rooms import LocalParticipant, Member, RoomView, SimRoom, join, leave
from .tokens import KeyPair, TokenError, verify

if TYPE_CHECKING:
    from .dispatch import Call


def on_connect(call: Call, request: room_pb2.ConnectRequest) -> room_pb2.ConnectResponse:
    runtime, session = call.runtime, call.session
    async_id = call.async_id(request)
    token = request.token
    options = request.options

    async def connect() -> None:
        try:
            who = verify(token, KeyPair.from_environment())
        except TokenError as error:
            # As a server refusing the join: the SDK raises ConnectError with this text.
            message = f"could not join: {error}"
            session.answer("connect", async_id, message)
            return
        room = runtime.rooms.get(who.grant.room)
        if room is None:
            room = runtime.rooms[who.grant.room] = SimRoom(who.grant.room)
        view = RoomView(runtime, session, room)
        view.handle = runtime.handles.store(view, session.id)
        if options.HasField("auto_subscribe"):
            view.auto_subscribe = options.auto_subscribe
        already = room.visible()
        member = join(view, who)
        local_handle = runtime.handles.store(LocalParticipant(view), session.id)
        event = ffi_pb2.FfiEvent()
        result = event.connect.result
        event.connect.async_id = async_id
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
        session.emit(event)
        # Then, as the native room does once connected: the state, the speakers already
        # talking, and the tracks already there subscribed.
        view.emit(lambda e: setattr(e.connection_state_changed, "state", room_pb2.CONN_CONNECTED))
        if room.active_speakers:
            speakers = list(room.active_speakers)
            view.emit(lambda e: e.active_speakers_changed.participant_identities.extend(speakers))
        for other in already:
            for published in list(other.publications.values()):
                reconcile(view, other, published)

    call.spawn(connect())
    return room_pb2.ConnectResponse(async_id=async_id)


def on_disconnect(call: Call, request: room_pb2.DisconnectRequest) -> room_pb2.DisconnectResponse:
    view = call.get(request.room_handle, RoomView)
    async_id = call.async_id(request)
    reason = request.reason if request.HasField("reason") else participant_pb2.CLIENT_INITIATED

    async def disconnect() -> None:
        leave(view, reason, notify_self=True)
        call.session.answer("disconnect", async_id)

    call.spawn(disconnect())
    return room_pb2.DisconnectResponse(async_id=async_id)


def on_ready_for_room_event(
    call: Call, request: room_pb2.ReadyForRoomEventRequest
) -> room_pb2.ReadyForRoomEventResponse:
    # Events are sent as they happen; the SDK subscribes before it connects, so none is lost.
    call.get(request.room_handle, RoomView)
    return room_pb2.ReadyForRoomEventResponse()


def _local(call: Call, handle: int) -> tuple[RoomView, Member]:
    view = call.get(handle, LocalParticipant).view
    if view.member is None or not view.connected:
        raise InvalidRequest("the participant is not connected")
    return view, view.member


def _tell_room(view: RoomView, fill: Callable[[room_pb2.RoomEvent], None]) -> None:
    for member in list(view.room.members.values()):
        member.view.emit(fill)


def _local_update(call: Call, request, callback_field: str, apply) -> int:  # type: ignore[no-untyped-def]
    """The shared shape of set_local_metadata/name/attributes."""
    view, member = _local(call, request.local_participant_handle)
    async_id = call.async_id(request)
    session = call.session

    async def update() -> None:
        if not member.grant_update_metadata:
            message = "does not have permission to update own metadata (canUpdateOwnMetadata)"
            session.answer(callback_field, async_id, message)
            return
        apply(view, member)
        session.answer(callback_field, async_id)

    call.spawn(update())
    return async_id


def on_set_local_metadata(
    call: Call, request: room_pb2.SetLocalMetadataRequest
) -> room_pb2.SetLocalMetadataResponse:
    def apply(view: RoomView, member: Member) -> None:
        member.metadata = request.metadata

        def fill(e: room_pb2.RoomEvent) -> None:
            e.participant_metadata_changed.participant_identity = member.identity
            e.participant_metadata_changed.metadata = member.metadata

        _tell_room(view, fill)

    async_id = _local_update(call, request, "set_local_metadata", apply)
    return room_pb2.SetLocalMetadataResponse(async_id=async_id)


def on_set_local_name(
    call: Call, request: room_pb2.SetLocalNameRequest
) -> room_pb2.SetLocalNameResponse:
    def apply(view: RoomView, member: Member) -> None:
        member.name = request.name

        def fill(e: room_pb2.RoomEvent) -> None:
            e.participant_name_changed.participant_identity = member.identity
            e.participant_name_changed.name = member.name

        _tell_room(view, fill)

    async_id = _local_update(call, request, "set_local_name", apply)
    return room_pb2.SetLocalNameResponse(async_id=async_id)


def on_set_local_attributes(
    call: Call, request: room_pb2.SetLocalAttributesRequest
) -> room_pb2.SetLocalAttributesResponse:
    def apply(view: RoomView, member: Member) -> None:
        changed = {e.key: e.value for e in request.attributes}
        member.attributes.update(changed)
        for key in [k for k, v in changed.items() if v == ""]:
            member.attributes.pop(key, None)  # an empty value deletes the attribute

        def fill(e: room_pb2.RoomEvent) -> None:
            changes = e.participant_attributes_changed
            changes.participant_identity = member.identity
            for key, value in member.attributes.items():
                changes.attributes.add(key=key, value=value)
            for key, value in changed.items():
                changes.changed_attributes.add(key=key, value=value)

        _tell_room(view, fill)

    async_id = _local_update(call, request, "set_local_attributes", apply)
    return room_pb2.SetLocalAttributesResponse(async_id=async_id)


HANDLERS = {
    "connect": on_connect,
    "disconnect": on_disconnect,
    "ready_for_room_event": on_ready_for_room_event,
    "set_local_metadata": on_set_local_metadata,
    "set_local_name": on_set_local_name,
    "set_local_attributes": on_set_local_attributes,
}
