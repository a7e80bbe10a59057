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
from typing import Any

from lkemu.proto import room_pb2

from ..core.call import Call, field_or
from ..core.errors import Refused
from ..core.memory import Memory
from ..core.registry import handles
from .data_channel import DataChannels
from .model import LocalParticipant, Member

NO_DATA_PERMISSION = "does not have permission to publish data (canPublishData)"


@handles("publish_data")
def on_publish_data(
    call: Call, request: room_pb2.PublishDataRequest
) -> room_pb2.PublishDataResponse:
    view, member = call.get(request.local_participant_handle, LocalParticipant).require_member()
    payload = call.memory.read(request.data_ptr, request.data_len)
    destinations = list(request.destination_identities)
    kind = room_pb2.KIND_RELIABLE if request.reliable else room_pb2.KIND_LOSSY
    topic = field_or(request, "topic", None)

    async def publish(callback: Any) -> None:
        if not member.grant_publish_data:
            raise Refused(NO_DATA_PERMISSION)

        def deliver() -> None:
            for other in view.room.receivers(member, destinations):
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

        await view.state(DataChannels).send(kind, len(payload), deliver)

    return room_pb2.PublishDataResponse(async_id=call.answer_later(request, publish))


@handles("publish_transcription")
def on_publish_transcription(
    call: Call, request: room_pb2.PublishTranscriptionRequest
) -> room_pb2.PublishTranscriptionResponse:
    view, member = call.get(request.local_participant_handle, LocalParticipant).require_member()
    segments = list(request.segments)
    about, track_id = request.participant_identity, request.track_id

    async def publish(callback: Any) -> None:
        subject = view.room.members.get(about)
        for other in view.room.receivers(member):
            # A receiver names the transcribed participant and track only if it knows them.

            def fill(e: room_pb2.RoomEvent, receiver: Member = other) -> None:
                received = e.transcription_received
                if subject is not None and subject.visible_to(receiver):
                    received.participant_identity = about
                    if track_id in subject.publications:
                        received.track_sid = track_id
                received.segments.extend(segments)

            other.view.emit(fill)

    return room_pb2.PublishTranscriptionResponse(async_id=call.answer_later(request, publish))


@handles("publish_sip_dtmf")
def on_publish_sip_dtmf(
    call: Call, request: room_pb2.PublishSipDtmfRequest
) -> room_pb2.PublishSipDtmfResponse:
    view, member = call.get(request.local_participant_handle, LocalParticipant).require_member()
    code, digit = request.code, request.digit
    destinations = list(request.destination_identities)

    async def publish(callback: Any) -> None:
        for other in view.room.receivers(member, destinations):

            def fill(e: room_pb2.RoomEvent) -> None:
                received = e.data_packet_received
                received.kind = room_pb2.KIND_RELIABLE
                received.participant_identity = member.identity
                received.sip_dtmf.code = code
                received.sip_dtmf.digit = digit

            other.view.emit(fill)

    return room_pb2.PublishSipDtmfResponse(async_id=call.answer_later(request, publish))


def _send_chat(
    call: Call,
    request: room_pb2.SendChatMessageRequest | room_pb2.EditChatMessageRequest,
    make: Callable[[], room_pb2.ChatMessage],
) -> int:
    """send_chat_message and edit_chat_message: both answer with a chat_message callback."""
    view, member = call.get(request.local_participant_handle, LocalParticipant).require_member()
    destinations = list(request.destination_identities)

    async def send(callback: Any) -> None:
        if not member.grant_publish_data:
            raise Refused(NO_DATA_PERMISSION)
        message = make()
        for other in view.room.receivers(member, destinations):

            def fill(e: room_pb2.RoomEvent) -> None:
                e.chat_message.participant_identity = member.identity
                e.chat_message.message.CopyFrom(message)

            other.view.emit(fill)
        callback.chat_message.CopyFrom(message)

    return call.answer_later(request, send)


def _now_ms() -> int:
    return int(time.time() * 1000)


@handles("send_chat_message")
def on_send_chat_message(
    call: Call, request: room_pb2.SendChatMessageRequest
) -> room_pb2.SendChatMessageResponse:
    text = request.message

    def make() -> room_pb2.ChatMessage:
        return room_pb2.ChatMessage(
            id=str(uuid.uuid4()), timestamp=_now_ms(), message=text, deleted=False, generated=False
        )

    return room_pb2.SendChatMessageResponse(async_id=_send_chat(call, request, make))


@handles("edit_chat_message")
def on_edit_chat_message(
    call: Call, request: room_pb2.EditChatMessageRequest
) -> room_pb2.SendChatMessageResponse:
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

    return room_pb2.SendChatMessageResponse(async_id=_send_chat(call, request, make))
