"""The local participant's own info: set_local_metadata, set_local_name and
set_local_attributes. Each needs the canUpdateOwnMetadata grant, and the whole room
(the participant itself included) hears of the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from lkemu.proto import room_pb2

from ..core.call import Call
from ..core.errors import Refused
from ..core.registry import handles
from .model import LocalParticipant, Member, RoomEventFill


def _update(call: Call, request: Message, change: Callable[[Member], RoomEventFill]) -> int:
    """The shared shape of the three requests: check the grant, apply, tell the room."""
    handle = request.local_participant_handle  # type: ignore[attr-defined]
    view, member = call.get(handle, LocalParticipant).require_member()

    async def update(callback: Any) -> None:
        if not member.grant_update_metadata:
            raise Refused("does not have permission to update own metadata (canUpdateOwnMetadata)")
        view.room.tell_everyone(change(member))

    return call.answer_later(request, update)


@handles("set_local_metadata")
def on_set_local_metadata(
    call: Call, request: room_pb2.SetLocalMetadataRequest
) -> room_pb2.SetLocalMetadataResponse:
    def change(member: Member) -> RoomEventFill:
        member.metadata = request.metadata

        def fill(e: room_pb2.RoomEvent) -> None:
            e.participant_metadata_changed.participant_identity = member.identity
            e.participant_metadata_changed.metadata = member.metadata

        return fill

    return room_pb2.SetLocalMetadataResponse(async_id=_update(call, request, change))


@handles("set_local_name")
def on_set_local_name(
    call: Call, request: room_pb2.SetLocalNameRequest
) -> room_pb2.SetLocalNameResponse:
    def change(member: Member) -> RoomEventFill:
        member.name = request.name

        def fill(e: room_pb2.RoomEvent) -> None:
            e.participant_name_changed.participant_identity = member.identity
            e.participant_name_changed.name = member.name

        return fill

    return room_pb2.SetLocalNameResponse(async_id=_update(call, request, change))


@handles("set_local_attributes")
def on_set_local_attributes(
    call: Call, request: room_pb2.SetLocalAttributesRequest
) -> room_pb2.SetLocalAttributesResponse:
    def change(member: Member) -> RoomEventFill:
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

        return fill

    return room_pb2.SetLocalAttributesResponse(async_id=_update(call, request, change))
