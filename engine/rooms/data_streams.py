"""Text and byte streams between participants: send_text, send_bytes, send_file, the
writers (text_stream_open/write/close, byte_stream_open/write/close), the raw packets
(send_stream_header/chunk/trailer), and the readers (text_read_incremental, text_read_all,
byte_read_incremental, byte_read_all, byte_write_to_file) behind text_stream_opened and
byte_stream_opened.

As the native core (the livekit-data-stream crate and livekit-ffi's data_stream.rs, for
livekit 1.2.1): a stream is a header, chunks of at most 15000 bytes (text cut on UTF-8
boundaries), and a trailer, sent reliably to the destination identities (or everyone
else), never to the sender. A send_text or send_bytes whose header and content fit in one
15000-byte packet travels inline, as one chunk, when every recipient speaks client protocol
2 (livekit 1.2.1 does); send_file and the writers never do. Compression changes nothing a
reader sees, so lkemu does not compress. A reader exists whether or not its application
wants it; it is consumed by the first read request. A trailer with a reason, missing bytes,
or a sender that leaves mid-stream end the reader with the native error. A reader whose
own room disconnects ends normally, as native readers do. Dropping a writer without
closing it sends no trailer (native sends none from a dropped handle either).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from lkemu.proto import data_stream_pb2, ffi_pb2, room_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest, Refused
from ..core.protocol import fill_required
from ..core.registry import handles
from .data_channel import DataChannels
from .model import Member, RoomView, local_view

logger = logging.getLogger("lkemu.engine")

STREAM_CHUNK_SIZE_BYTES = 15_000  # also the budget of one header packet
YIELD_EVERY_CHUNKS = 16  # a long write lets other work run between these many chunks
TEXT_MIME_TYPE = "text/plain"
BYTES_MIME_TYPE = "application/octet-stream"
MAX_PAYLOAD_BYTES = 5_000_000_000  # what a reader accepts by default
MAX_CALLBACK_BYTES = 200 * 1024 * 1024  # what one read_all callback can carry in lkemu
# Streams on these topics carry RPC in the native core: never surfaced to the application.
INTERNAL_TOPICS = frozenset({"lk.rpc_request", "lk.rpc_response"})
# Room protocol 2 (DATA_STREAM_V2): what a recipient needs for an inline stream.
INLINE_PROTOCOL = 2

Header = room_pb2.DataStream.Header
Chunk = room_pb2.DataStream.Chunk
Trailer = room_pb2.DataStream.Trailer


class StreamFailed(Refused):
    """A stream request that fails: its text is the StreamError description."""


def utf8_chunks(data: bytes, size: int = STREAM_CHUNK_SIZE_BYTES) -> Iterator[bytes]:
    """Chunks of at most `size` bytes that never split a character (the JS algorithm the
    native utf8_aware_chunks follows: back off to a lead byte)."""
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        if end < len(data):
            while end > start and data[end] & 0xC0 == 0x80:
                end -= 1
            if end == start:  # no lead byte in reach: cut at size
                end = start + size
        yield data[start:end]
        start = end


def raw_chunks(data: bytes, size: int = STREAM_CHUNK_SIZE_BYTES) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


# ---------------------------------------------------------------- the receiving side


class StreamReader:
    """A stream a participant receives: what its reader handle names until a read request
    consumes it, and what feeds that read afterwards."""

    def __init__(self, inbox: IncomingStreams, sender: str, header: Header) -> None:
        self.inbox, self.sender = inbox, sender
        self.text = header.WhichOneof("content_header") == "text_header"
        self.name = "" if self.text else header.byte_header.name
        self.stream_id = header.stream_id
        self.total = header.total_length if header.HasField("total_length") else None
        self.attributes = dict(header.attributes)
        self.handle = 0
        self.received = 0
        self.next_index = 0
        self.pending: list[bytes] = []
        self.ended = False
        self.error: str | None = None
        self.dropped = False
        self._reading: str | None = None  # "incremental", "all", or None (nothing asked yet)
        self._done: asyncio.Future[None] | None = None

    @property
    def native_type_name(self) -> str:
        kind = "Text" if self.text else "Byte"
        return f"livekit_ffi::server::data_stream::Ffi{kind}StreamReader"

    # Fed by the inbox.

    def push(self, content: bytes) -> None:
        if self.ended or self.dropped or not content:
            return
        if self._reading == "incremental":
            self._emit_chunk(content)
        else:
            self.pending.append(content)

    def finish(self, error: str | None = None) -> None:
        if self.ended:
            return
        self.ended, self.error = True, error
        self.inbox.readers.pop(self.stream_id, None)
        if self._reading == "incremental":
            self._emit_eos()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def close(self) -> None:
        """The reader handle was dropped unread: later chunks are discarded."""
        self.dropped = True
        self.inbox.readers.pop(self.stream_id, None)

    # Read by the application.

    def read_incrementally(self) -> None:
        self._reading = "incremental"
        pending, self.pending = self.pending, []
        for content in pending:
            self._emit_chunk(content)
        if self.ended:
            self._emit_eos()

    async def read_all(self) -> bytes:
        self._reading = "all"
        if not self.ended:
            self._done = asyncio.get_running_loop().create_future()
            await self._done
        if self.error is not None:
            raise StreamFailed(self.error)
        if sum(len(part) for part in self.pending) > MAX_CALLBACK_BYTES:
            # One callback is one message, and messages stop at 256 MiB (lkemu's limit).
            raise StreamFailed(
                "stream payload exceeds maximum size (lkemu reads at most 200 MiB at once: "
                "read it incrementally)"
            )
        return b"".join(self.pending)

    def _event(self) -> tuple[ffi_pb2.FfiEvent, Any]:
        event = ffi_pb2.FfiEvent()
        detail = event.text_stream_reader_event if self.text else event.byte_stream_reader_event
        detail.reader_handle = self.handle
        return event, detail

    def _emit_chunk(self, content: bytes) -> None:
        event, detail = self._event()
        if self.text:
            detail.chunk_received.content = content.decode("utf-8", errors="replace")
        else:
            detail.chunk_received.content = content
        self._send(event)

    def _emit_eos(self) -> None:
        event, detail = self._event()
        detail.eos.SetInParent()
        if self.error is not None:
            detail.eos.error.description = self.error
        detail.eos.attributes.update(self.attributes)
        self._send(event)

    def _send(self, event: ffi_pb2.FfiEvent) -> None:
        session = self.inbox.view.session
        if session is not None:
            session.emit(event)


def _info_from_header(header: Header, message: Any) -> None:
    """A TextStreamInfo or ByteStreamInfo, as livekit-ffi's conversion fills it."""
    message.stream_id = header.stream_id
    message.timestamp = header.timestamp
    message.mime_type = header.mime_type
    message.topic = header.topic
    if header.HasField("total_length"):
        message.total_length = header.total_length
    message.attributes.update(header.attributes)
    message.encryption_type = 0  # NONE: lkemu rooms do not encrypt
    if header.WhichOneof("content_header") == "text_header":
        text = header.text_header
        message.operation_type = text.operation_type
        message.version = text.version
        if text.reply_to_stream_id:
            message.reply_to_stream_id = text.reply_to_stream_id
        message.attached_stream_ids.extend(text.attached_stream_ids)
        message.generated = text.generated
    else:
        message.name = header.byte_header.name


class IncomingStreams:
    """The streams one view receives (the native incoming manager)."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.readers: dict[str, StreamReader] = {}

    def on_header(self, sender: str, header: Header, inline: bytes | None = None) -> None:
        kind = header.WhichOneof("content_header")
        if kind is None:
            logger.error("Invalid header: stream %s has no content header", header.stream_id)
            return
        if header.stream_id in self.readers:
            logger.error("Stream '%s' already open", header.stream_id)
            return
        self._raw_event(lambda e: _header_received(e, sender, header))
        if header.topic in INTERNAL_TOPICS:
            return
        reader = StreamReader(self, sender, header)
        self.readers[header.stream_id] = reader
        session = self.view.session
        if session is not None:
            reader.handle = self.view.runtime.handles.store(reader, session.id)

        def opened(e: room_pb2.RoomEvent) -> None:
            event = e.text_stream_opened if kind == "text_header" else e.byte_stream_opened
            event.reader.handle.id = reader.handle
            _info_from_header(header, event.reader.info)
            event.participant_identity = sender

        self.view.emit(opened)
        if reader.total is not None and reader.total > MAX_PAYLOAD_BYTES:
            reader.finish("stream payload exceeds maximum size")
        elif inline is not None:
            reader.push(inline)
            reader.finish()

    def on_chunk(self, sender: str, chunk: Chunk) -> None:
        self._raw_event(lambda e: _chunk_received(e, sender, chunk))
        reader = self.readers.get(chunk.stream_id)
        if reader is None:
            return
        if chunk.chunk_index != reader.next_index:
            reader.finish("expected chunk index to be exactly one more than the previous")
            return
        reader.next_index += 1
        reader.received += len(chunk.content)
        if reader.received > MAX_PAYLOAD_BYTES:
            reader.finish("stream payload exceeds maximum size")
        elif reader.total is not None and reader.received > reader.total:
            reader.finish("read length exceeded total length specified in stream header")
        else:
            reader.push(chunk.content)

    def on_trailer(self, sender: str, trailer: Trailer) -> None:
        self._raw_event(lambda e: _trailer_received(e, sender, trailer))
        reader = self.readers.get(trailer.stream_id)
        if reader is None:
            return
        reader.attributes.update(trailer.attributes)
        if reader.total is not None and reader.received < reader.total:
            reader.finish("stream data is incomplete")
        elif trailer.reason:
            reader.finish(f"stream closed abnormally: {trailer.reason}")
        else:
            reader.finish()

    def _raw_event(self, fill: Any) -> None:
        # The deprecated raw packet events native still sends (the SDK ignores them).
        self.view.emit(fill)

    def peer_left(self, identity: str) -> None:
        for reader in [r for r in self.readers.values() if r.sender == identity]:
            reader.finish(
                f"stream closed abnormally: Participant {identity} unexpectedly "
                "disconnected in the middle of sending data"
            )

    def closed(self) -> None:
        for reader in list(self.readers.values()):
            reader.finish()


def _header_received(e: room_pb2.RoomEvent, sender: str, header: Header) -> None:
    e.stream_header_received.participant_identity = sender
    e.stream_header_received.header.CopyFrom(header)


def _chunk_received(e: room_pb2.RoomEvent, sender: str, chunk: Chunk) -> None:
    e.stream_chunk_received.participant_identity = sender
    e.stream_chunk_received.chunk.CopyFrom(chunk)


def _trailer_received(e: room_pb2.RoomEvent, sender: str, trailer: Trailer) -> None:
    e.stream_trailer_received.participant_identity = sender
    e.stream_trailer_received.trailer.CopyFrom(trailer)


# ---------------------------------------------------------------- the sending side


class Route:
    """Where one sender's packets go: the room's other members, or the destinations."""

    def __init__(
        self, view: RoomView, member: Member, destinations: list[str], sender_identity: str
    ) -> None:
        self.view, self.member, self.destinations = view, member, destinations
        # Packets carry the identity the sender names (the SDK names itself).
        self.sender = sender_identity or member.identity

    def receivers(self) -> list[Member]:
        if self.view.connected_member is not self.member:
            raise StreamFailed("unable to send packet")
        return self.view.room.receivers(self.member, self.destinations)

    def inline_possible(self) -> bool:
        wanted = set(self.destinations)
        if self.member.identity in wanted or (wanted - set(self.view.room.members)):
            return False  # the sender itself or an unknown identity counts as protocol 0
        return all(m.client_protocol >= INLINE_PROTOCOL for m in self.receivers())

    async def header(self, header: Header, inline: bytes | None = None) -> None:
        size = header.ByteSize() + (len(inline) if inline is not None else 0)
        await self._send(size, lambda inbox: inbox.on_header(self.sender, header, inline))

    async def chunk(self, chunk: Chunk) -> None:
        await self._send(chunk.ByteSize(), lambda inbox: inbox.on_chunk(self.sender, chunk))

    async def trailer(self, trailer: Trailer) -> None:
        await self._send(trailer.ByteSize(), lambda inbox: inbox.on_trailer(self.sender, trailer))

    async def _send(self, size: int, arrive: Callable[[IncomingStreams], None]) -> None:
        """One reliable packet through the sender's data channel, to every receiver."""
        receivers = self.receivers()

        def deliver() -> None:
            for member in receivers:
                if member.view.connected_member is member:
                    arrive(member.view.state(IncomingStreams))

        await self.view.state(DataChannels).send(room_pb2.KIND_RELIABLE, size, deliver)


class StreamWriter:
    """An open outgoing stream (a writer handle, or a one-shot send while it runs)."""

    def __init__(self, route: Route, header: Header) -> None:
        self.route, self.header = route, header
        self.text = header.WhichOneof("content_header") == "text_header"
        self.next_index = 0
        self.closed = False
        # Writes in flight at once keep their order, chunk indexes included.
        self._lock = asyncio.Lock()

    @property
    def native_type_name(self) -> str:
        kind = "Text" if self.text else "Byte"
        return f"livekit_ffi::server::data_stream::Ffi{kind}StreamWriter"

    async def open(self) -> None:
        if len(self.header.SerializeToString()) > STREAM_CHUNK_SIZE_BYTES:
            raise StreamFailed("stream header exceeds maximum size")
        await self.route.header(self.header)

    async def write(self, content: bytes) -> None:
        async with self._lock:
            if self.closed:
                raise StreamFailed("stream has already been closed")
            pieces = utf8_chunks(content) if self.text else raw_chunks(content)
            for count, piece in enumerate(pieces, 1):
                chunk = Chunk(stream_id=self.header.stream_id, chunk_index=self.next_index)
                chunk.content = piece
                self.next_index += 1
                await self.route.chunk(chunk)
                if count % YIELD_EVERY_CHUNKS == 0:
                    # A chunk sent on a free channel does not wait: without this, 8 MB (533
                    # chunks) held the engine's loop ~50 ms from every other client.
                    await asyncio.sleep(0)

    async def finish(self, reason: str = "", attributes: dict[str, str] | None = None) -> None:
        """The trailer. (Not `close`: dropping a writer's handle sends nothing, as native.)"""
        async with self._lock:
            if self.closed:
                raise StreamFailed("stream has already been closed")
            self.closed = True
            trailer = Trailer(stream_id=self.header.stream_id, reason=reason)
            trailer.attributes.update(attributes or {})
            await self.route.trailer(trailer)


def _route(call: Call, handle: int, options: Any) -> Route:
    view = local_view(call, handle)
    member = view.require_member()
    sender = field_or(options, "sender_identity", "")
    return Route(view, member, list(options.destination_identities), sender)


def _text_header(options: data_stream_pb2.StreamTextOptions, total: int | None) -> Header:
    header = _base_header(options, TEXT_MIME_TYPE, total)
    text = header.text_header
    text.operation_type = field_or(options, "operation_type", 0)
    text.version = field_or(options, "version", 0)
    text.reply_to_stream_id = field_or(options, "reply_to_stream_id", "")
    text.attached_stream_ids.extend(options.attached_stream_ids)
    text.generated = field_or(options, "generated", False)
    return header


def _byte_header(
    options: data_stream_pb2.StreamByteOptions, total: int | None, default_name: str
) -> Header:
    header = _base_header(options, field_or(options, "mime_type", BYTES_MIME_TYPE), total)
    header.byte_header.name = field_or(options, "name", default_name)
    return header


def _base_header(options: Any, mime_type: str, total: int | None) -> Header:
    header = Header(
        stream_id=field_or(options, "id", "") or str(uuid.uuid4()),
        timestamp=int(time.time() * 1000),
        mime_type=mime_type,
        topic=options.topic,
    )
    if total is not None:
        header.total_length = total
    header.attributes.update(options.attributes)
    return header


async def _send_whole(route: Route, header: Header, content: bytes, may_inline: bool) -> None:
    """send_text / send_bytes / send_file: one inline packet when it fits and every
    recipient can take it, else header, chunks and trailer."""
    # The packet's encoded size: the header, its content, and a few bytes of framing.
    fits = header.ByteSize() + len(content) + 8 <= STREAM_CHUNK_SIZE_BYTES
    if may_inline and fits and route.inline_possible():
        await route.header(header, inline=content)
        return
    writer = StreamWriter(route, header)
    await writer.open()
    await writer.write(content)
    await writer.finish()


async def send_text_now(
    view: RoomView, member: Member, options: data_stream_pb2.StreamTextOptions, text: str
) -> Header:
    """Send a whole text from `member` now (what send_text does once its request is in)."""
    content = text.encode()
    header = _text_header(options, len(content))
    route = Route(view, member, list(options.destination_identities), member.identity)
    await _send_whole(route, header, content, may_inline=not header.text_header.attached_stream_ids)
    return header


@handles("send_text")
def on_send_text(
    call: Call, request: data_stream_pb2.StreamSendTextRequest
) -> data_stream_pb2.StreamSendTextResponse:
    route = _route(call, request.local_participant_handle, request.options)
    content = request.text.encode()
    header = _text_header(request.options, len(content))

    async def send(callback: Any) -> None:
        attached = bool(header.text_header.attached_stream_ids)
        await _send_whole(route, header, content, may_inline=not attached)
        _info_from_header(header, callback.info)

    return data_stream_pb2.StreamSendTextResponse(async_id=call.answer_later(request, send))


@handles("send_bytes")
def on_send_bytes(
    call: Call, request: data_stream_pb2.StreamSendBytesRequest
) -> data_stream_pb2.StreamSendBytesResponse:
    route = _route(call, request.local_participant_handle, request.options)
    content = bytes(request.bytes)
    header = _byte_header(request.options, len(content), "unknown")

    async def send(callback: Any) -> None:
        await _send_whole(route, header, content, may_inline=True)
        _info_from_header(header, callback.info)

    return data_stream_pb2.StreamSendBytesResponse(async_id=call.answer_later(request, send))


@handles("send_file")
def on_send_file(
    call: Call, request: data_stream_pb2.StreamSendFileRequest
) -> data_stream_pb2.StreamSendFileResponse:
    route = _route(call, request.local_participant_handle, request.options)
    path = request.file_path
    memory = call.memory

    async def send(callback: Any) -> None:
        content = bytes(memory.read_file(path))  # read by the client, where the path is
        header = _byte_header(request.options, len(content), os.path.basename(path))
        await _send_whole(route, header, content, may_inline=False)
        _info_from_header(header, callback.info)

    return data_stream_pb2.StreamSendFileResponse(async_id=call.answer_later(request, send))


@handles("text_stream_open")
def on_text_stream_open(
    call: Call, request: data_stream_pb2.TextStreamOpenRequest
) -> data_stream_pb2.TextStreamOpenResponse:
    route = _route(call, request.local_participant_handle, request.options)
    header = _text_header(request.options, None)  # a text stream's length is never known

    async def open_stream(callback: Any) -> None:
        writer = StreamWriter(route, header)
        await writer.open()
        callback.writer.handle.CopyFrom(call.own(writer))
        _info_from_header(header, callback.writer.info)

    return data_stream_pb2.TextStreamOpenResponse(async_id=call.answer_later(request, open_stream))


@handles("byte_stream_open")
def on_byte_stream_open(
    call: Call, request: data_stream_pb2.ByteStreamOpenRequest
) -> data_stream_pb2.ByteStreamOpenResponse:
    route = _route(call, request.local_participant_handle, request.options)
    header = _byte_header(request.options, field_or(request.options, "total_length", None), "")

    async def open_stream(callback: Any) -> None:
        writer = StreamWriter(route, header)
        await writer.open()
        callback.writer.handle.CopyFrom(call.own(writer))
        _info_from_header(header, callback.writer.info)

    return data_stream_pb2.ByteStreamOpenResponse(async_id=call.answer_later(request, open_stream))


StreamEnd = TypeVar("StreamEnd", StreamReader, StreamWriter)


def _stream_end(
    call: Call, handle: int, kind: type[StreamEnd], text: bool, *, take: bool = False
) -> StreamEnd:
    """The reader or writer a handle names, of the text or byte kind the request is for
    (taken from the table first when the request consumes it)."""
    value = (call.take if take else call.get)(handle, kind)
    if value.text != text:
        role = kind.__name__.removeprefix("Stream")
        prefix = "Text" if text else "Byte"
        raise InvalidRequest(
            f"handle is not a livekit_ffi::server::data_stream::Ffi{prefix}Stream{role}"
        )
    return value


def _write_later(call: Call, request: Any, text: bool, content: bytes) -> int:
    """text_stream_write and byte_stream_write: chunks after the writer's last ones."""
    writer = _stream_end(call, request.writer_handle, StreamWriter, text)

    async def write(callback: Any) -> None:
        await writer.write(content)

    return call.answer_later(request, write)


def _close_later(call: Call, request: Any, text: bool) -> int:
    """text_stream_close and byte_stream_close: the trailer; the writer handle is spent."""
    writer = _stream_end(call, request.writer_handle, StreamWriter, text, take=True)
    reason, attributes = field_or(request, "reason", ""), dict(request.attributes)

    async def close(callback: Any) -> None:
        await writer.finish(reason, attributes)

    return call.answer_later(request, close)


@handles("text_stream_write")
def on_text_stream_write(
    call: Call, request: data_stream_pb2.TextStreamWriterWriteRequest
) -> data_stream_pb2.TextStreamWriterWriteResponse:
    async_id = _write_later(call, request, True, request.text.encode())
    return data_stream_pb2.TextStreamWriterWriteResponse(async_id=async_id)


@handles("byte_stream_write")
def on_byte_stream_write(
    call: Call, request: data_stream_pb2.ByteStreamWriterWriteRequest
) -> data_stream_pb2.ByteStreamWriterWriteResponse:
    async_id = _write_later(call, request, False, bytes(request.bytes))
    return data_stream_pb2.ByteStreamWriterWriteResponse(async_id=async_id)


@handles("text_stream_close")
def on_text_stream_close(
    call: Call, request: data_stream_pb2.TextStreamWriterCloseRequest
) -> data_stream_pb2.TextStreamWriterCloseResponse:
    return data_stream_pb2.TextStreamWriterCloseResponse(
        async_id=_close_later(call, request, text=True)
    )


@handles("byte_stream_close")
def on_byte_stream_close(
    call: Call, request: data_stream_pb2.ByteStreamWriterCloseRequest
) -> data_stream_pb2.ByteStreamWriterCloseResponse:
    return data_stream_pb2.ByteStreamWriterCloseResponse(
        async_id=_close_later(call, request, text=False)
    )


# ---------------------------------------------------------------- raw packets


def _send_raw_later(call: Call, request: Any, packet: str) -> int:
    """send_stream_header/chunk/trailer: one packet as the client built it, unchecked (as
    native), with the required fields it left out read as zero values (as prost reads them)."""
    view = local_view(call, request.local_participant_handle)
    member = view.require_member()
    route = Route(view, member, list(request.destination_identities), request.sender_identity)
    message = fill_required(getattr(request, packet))
    send = getattr(route, packet)

    async def sent(callback: Any) -> None:
        await send(message)

    return call.answer_later(request, sent)


@handles("send_stream_header")
def on_send_stream_header(
    call: Call, request: room_pb2.SendStreamHeaderRequest
) -> room_pb2.SendStreamHeaderResponse:
    return room_pb2.SendStreamHeaderResponse(async_id=_send_raw_later(call, request, "header"))


@handles("send_stream_chunk")
def on_send_stream_chunk(
    call: Call, request: room_pb2.SendStreamChunkRequest
) -> room_pb2.SendStreamChunkResponse:
    return room_pb2.SendStreamChunkResponse(async_id=_send_raw_later(call, request, "chunk"))


@handles("send_stream_trailer")
def on_send_stream_trailer(
    call: Call, request: room_pb2.SendStreamTrailerRequest
) -> room_pb2.SendStreamTrailerResponse:
    return room_pb2.SendStreamTrailerResponse(async_id=_send_raw_later(call, request, "trailer"))


# ---------------------------------------------------------------- reading


def _reader(call: Call, handle: int, text: bool) -> StreamReader:
    """Every read request consumes the reader: one read per stream, as native."""
    return _stream_end(call, handle, StreamReader, text, take=True)


@handles("text_read_incremental")
def on_text_read_incremental(
    call: Call, request: data_stream_pb2.TextStreamReaderReadIncrementalRequest
) -> data_stream_pb2.TextStreamReaderReadIncrementalResponse:
    _reader(call, request.reader_handle, text=True).read_incrementally()
    return data_stream_pb2.TextStreamReaderReadIncrementalResponse()


@handles("byte_read_incremental")
def on_byte_read_incremental(
    call: Call, request: data_stream_pb2.ByteStreamReaderReadIncrementalRequest
) -> data_stream_pb2.ByteStreamReaderReadIncrementalResponse:
    _reader(call, request.reader_handle, text=False).read_incrementally()
    return data_stream_pb2.ByteStreamReaderReadIncrementalResponse()


def _read_all_later(call: Call, request: Any, text: bool) -> int:
    """text_read_all and byte_read_all: the whole stream in one callback."""
    reader = _reader(call, request.reader_handle, text)

    async def read(callback: Any) -> None:
        content = await reader.read_all()
        callback.content = content.decode("utf-8", errors="replace") if text else content

    return call.answer_later(request, read)


@handles("text_read_all")
def on_text_read_all(
    call: Call, request: data_stream_pb2.TextStreamReaderReadAllRequest
) -> data_stream_pb2.TextStreamReaderReadAllResponse:
    async_id = _read_all_later(call, request, text=True)
    return data_stream_pb2.TextStreamReaderReadAllResponse(async_id=async_id)


@handles("byte_read_all")
def on_byte_read_all(
    call: Call, request: data_stream_pb2.ByteStreamReaderReadAllRequest
) -> data_stream_pb2.ByteStreamReaderReadAllResponse:
    async_id = _read_all_later(call, request, text=False)
    return data_stream_pb2.ByteStreamReaderReadAllResponse(async_id=async_id)


def plain_file_name(name: str) -> bool:
    """Exactly one plain path component: no separator, not '', '.' or '..' (native)."""
    return name not in ("", ".", "..") and "/" not in name and "\0" not in name


@handles("byte_write_to_file")
def on_byte_write_to_file(
    call: Call, request: data_stream_pb2.ByteStreamReaderWriteToFileRequest
) -> data_stream_pb2.ByteStreamReaderWriteToFileResponse:
    reader = _reader(call, request.reader_handle, text=False)
    directory = field_or(request, "directory", "")
    name = field_or(request, "name_override", reader.name)

    async def write(callback: Any) -> None:
        if not plain_file_name(name):
            raise StreamFailed(
                "file name must be a plain file name without path separators or '..'"
            )
        content = await reader.read_all()
        # The client writes it where its directory is, atomically, and fills in the path.
        assert call.callback_memory is not None
        call.callback_memory.write_file(directory, name, content)

    response = data_stream_pb2.ByteStreamReaderWriteToFileResponse()
    response.async_id = call.answer_later(request, write)
    return response
