"""What participants send each other through a room besides media: publish_data,
publish_transcription, publish_sip_dtmf, send_chat_message and edit_chat_message.

As on a server, a packet reaches the other participants (all, or the destination
identities), never its sender; a receiver sees it as a room event from the sender's
identity. Each request answers with its async id, then its callback once delivered.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from lkemu.proto import ffi_pb2, room_pb2

from .errors import InvalidRequest
from .memory import Memory
from .rooms import LocalParticipant, Member, RoomView

if TYPE_CHECKING:
    from .dispatch import Call


def _sender(call: Call, handle: int) -> tuple[RoomView, Member]:
    view = call.get(handle, LocalParticipant).view
    if view.member is None or not view.connected:
        raise InvalidRequest("the participant is not connected")
    return view, view.member


def _receivers(view: RoomView, sender: Member, destinations: list[str]) -> list[Member]:
    wanted = set(destinations)
    return [
        m
        for m in list(view.room.members.values())
        if m is not sender and (not wanted or m.identity in wanted)
    ]


def on_publish_data(
    call: Call, request: room_pb2.PublishDataRequest
) -> room_pb2.PublishDataResponse:
    view, member = _sender(call, request.local_participant_handle)
    payload = call.memory.read(request.data_ptr, request.data_len)
    async_id = call.async_id(request)
    session = call.session
    destinations = set(request.destination_identities)
    kind = room_pb2.KIND_RELIABLE if request.reliable else room_pb2.KIND_LOSSY
    topic = request.topic if request.HasField("topic") else None

    async def publish() -> None:
        if not member.grant_publish_data:
            message = "does not have permission to publish data (canPublishData)"
            session.answer("publish_data", async_id, message)
            return
        for other in _receivers(view, member, list(destinations)):
            memory = Memory()
            buffer_handle = view.runtime.handles.next_id()

            def fill(e: room_pb2.RoomEvent, m: Memory = memory, h: int = buffer_handle) -> None:
                received = e.data_packet_received
                received.kind = kind
                received.participant_identity = member.identity
                user = received.user
                user.data.handle.id = h
                user.data.data.data_ptr = m.hand_out(payload, h, detached=True)
                user.data.data.data_len = len(payload)
                if topic is not None:
                    user.topic = topic

            other.view.emit(fill, memory.outputs)
        session.answer("publish_data", async_id)

    call.spawn(publish())
    return room_pb2.PublishDataResponse(async_id=async_id)


def on_publish_transcription(
    call: Call, request: room_pb2.PublishTranscriptionRequest
) -> room_pb2.PublishTranscriptionResponse:
    view, member = _sender(call, request.local_participant_handle)
    async_id = call.async_id(request)
    session = call.session
    segments = list(request.segments)
    about, track_id = request.participant_identity, request.track_id

    async def publish() -> None:
        subject = view.room.members.get(about)
        for other in _receivers(view, member, []):
            # A receiver names the transcribed participant and track only if it knows them.

            def fill(e: room_pb2.RoomEvent, receiver: Member = other) -> None:
                received = e.transcription_received
                if subject is not None and (subject is receiver or not subject.hidden):
                    received.participant_identity = about
                    if track_id in subject.publications:
                        received.track_sid = track_id
                received.segments.extend(segments)

            other.view.emit(fill)
        session.answer("publish_transcription", async_id)

    call.spawn(publish())
    return room_pb2.PublishTranscriptionResponse(async_id=async_id)


def on_publish_sip_dtmf(
    call: Call, request: room_pb2.PublishSipDtmfRequest
) -> room_pb2.PublishSipDtmfResponse:
    view, member = _sender(call, request.local_participant_handle)
    async_id = call.async_id(request)
    session = call.session
    code, digit = request.code, request.digit
    destinations = list(request.destination_identities)

    async def publish() -> None:
        for other in _receivers(view, member, destinations):

            def fill(e: room_pb2.RoomEvent) -> None:
                received = e.data_packet_received
                received.kind = room_pb2.KIND_RELIABLE
                received.participant_identity = member.identity
                received.sip_dtmf.code = code
                received.sip_dtmf.digit = digit

            other.view.emit(fill)
        session.answer("publish_sip_dtmf", async_id)

    call.spawn(publish())
    return room_pb2.PublishSipDtmfResponse(async_id=async_id)


def _send_chat(
    call: Call,
    handle: int,
    async_id: int,
    destinations: list[str],
    make: Callable[[], room_pb2.ChatMessage],
) -> None:
    view, member = _sender(call, handle)
    session = call.session

    async def send() -> None:
        event = ffi_pb2.FfiEvent()
        event.chat_message.async_id = async_id
        if not member.grant_publish_data:
            error = "does not have permission to publish data (canPublishData)"
            event.chat_message.error = error
            session.emit(event)
            return
        message = make()
        for other in _receivers(view, member, destinations):

            def fill(e: room_pb2.RoomEvent) -> None:
                e.chat_message.participant_identity = member.identity
                e.chat_message.message.CopyFrom(message)

            other.view.emit(fill)
        event.chat_message.chat_message.CopyFrom(message)
        session.emit(event)

    call.spawn(send())


def _now_ms() -> int:
    return int(time.time() * 1000)


def on_send_chat_message(
    call: Call, request: room_pb2.SendChatMessageRequest
) -> room_pb2.SendChatMessageResponse:
    async_id = call.async_id(request)
    text = request.message

    def make() -> room_pb2.ChatMessage:
        return room_pb2.ChatMessage(
            id=str(uuid.uuid4()), timestamp=_now_ms(), message=text, deleted=False, generated=False
        )

    destinations = list(request.destination_identities)
    _send_chat(call, request.local_participant_handle, async_id, destinations, make)
    return room_pb2.SendChatMessageResponse(async_id=async_id)


def on_edit_chat_message(
    call: Call, request: room_pb2.EditChatMessageRequest
) -> room_pb2.SendChatMessageResponse:
    async_id = call.async_id(request)
    original, text = request.original_message, request.edit_text

    def make() -> room_pb2.ChatMessage:
        return room_pb2.ChatMessage(
            id=original.id,
            timestamp=original.timestamp,
            message=text,
            edit_timestamp=_now_ms(),
            deleted=False,
            generated=False,
        )

    destinations = list(request.destination_identities)
    _send_chat(call, request.local_participant_handle, async_id, destinations, make)
    return room_pb2.SendChatMessageResponse(async_id=async_id)


HANDLERS = {
    "publish_data": on_publish_data,
    "publish_transcription": on_publish_transcription,
    "publish_sip_dtmf": on_publish_sip_dtmf,
    "send_chat_message": on_send_chat_message,
    "edit_chat_message": on_edit_chat_message,
}
