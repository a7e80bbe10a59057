"""The fast lane's frames: FfiCall and DropHandle over a plain socket (engine/core/fastlane.py
serves them, lkemu.bindings.connection sends them).

Frame: little-endian u32 length of what follows, u8 kind, payload. The first frame of a
connection is a HELLO: the session id (u64), the session's token and the engine's secret
(engine/wire/secret.py). The engine answers it with an empty HELLO, or with an ERROR (its
reason, UTF-8) and closes the connection. The secret and token are checked once, at the
hello: calls cost nothing more. Then:

- CALL (an FfiCall) and DROP (a DropHandleRequest) get one answer of the same kind (an
  FfiReply, a DropHandleResponse);
- TRACKED_CALL (an FfiCall) and TRACKED_DROP (the handle, u64) get one answer of the same
  kind that starts with a handle report (below), then the FfiReply, or one byte: whether
  the handle existed;
- RAW_CALL (an encoded FfiRequest that names no client memory: no FfiCall around it) gets
  one answer of the same kind that starts with a handle report, then RAW_ANSWERED, the
  reply's handle (u64) and the encoded FfiResponse, or RAW_REPLY and an FfiReply (a failed
  request, or one whose response hands out memory): a request's bytes cross as they are,
  and the common answer is not wrapped and unwrapped again;
- UNANSWERED_DROP (the handle, u64) gets no answer at all;
- EVENTS (empty) turns the connection into the session's event stream, in place of gRPC's
  Events call (and with its rules: one reader, and the session closes when it goes away):
  the engine sends each burst of events as an EVENTS frame (an EventBatch) and, when the
  session's events end, an EVENTS_END; a connection that ends without it means the engine
  is gone.

The handle report is what lets one round trip do for a request and the drop of its handle
(native's `livekit_ffi_drop_handle` answers at once whether the handle existed): u32 count,
then that many u64 handles the session was given since the last report (the engine's ids
only grow, so "since" is a watermark), then u32 generation, which changes whenever the
engine removed handles other than by a drop on this lane (a session releasing everything
it held). A client that knows a handle is alive answers its drop `True` itself and sends
an UNANSWERED_DROP; on the same socket it reaches the engine before anything the client
sends later, so the engine state a later request sees is the same.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import BinaryIO, cast

from .limits import MAX_MESSAGE_BYTES

HEADER = struct.Struct("<IB")
SESSION_ID = struct.Struct("<Q")
HANDLE = struct.Struct("<Q")
REPORT_COUNT = struct.Struct("<I")
REPORT_GENERATION = struct.Struct("<I")
HELLO, CALL, DROP, ERROR, UNANSWERED_DROP, TRACKED_CALL, TRACKED_DROP = 1, 2, 3, 4, 5, 6, 7
EVENTS, EVENTS_END = 8, 9
RAW_CALL = 10
# What follows the handle report in a RAW_CALL answer: RAW_ANSWERED, then the reply's handle
# (u64) and the encoded FfiResponse; or RAW_REPLY, then a whole FfiReply (a failure, or a
# response that hands out memory).
RAW_ANSWERED, RAW_REPLY = 0, 1
RAW_ANSWER = struct.Struct("<BQ")
MAX_FRAME = MAX_MESSAGE_BYTES
# A hello is a few dozen bytes: a longer one is not a hello (and is not read whole).
MAX_HELLO = 1024
# Payloads below this are joined to their header (one send, a small copy); larger ones go
# out with sendmsg, header and payload in one system call without joining them.
JOIN_BELOW = 64 * 1024
# What a connection keeps to read frames into: most frames fit, larger ones get their own.
READ_BUFFER = 256 * 1024


class FramingError(ValueError):
    """A frame that breaks the format: the connection is closed."""


def frame(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(len(payload) + 1, kind) + payload


def hello(session_id: int, session_token: bytes, secret: str) -> bytes:
    token_length = len(session_token).to_bytes(1, "little")
    payload = SESSION_ID.pack(session_id) + token_length + session_token + secret.encode()
    return frame(HELLO, payload)


def parse_hello(payload: bytes) -> tuple[int, bytes, bytes]:
    """The session id, session token and secret of a hello's payload (FramingError if it
    is not one)."""
    if len(payload) < SESSION_ID.size + 1:
        raise FramingError("the first frame must be a hello with the session and secret")
    (session_id,) = SESSION_ID.unpack_from(payload)
    token_end = SESSION_ID.size + 1 + payload[SESSION_ID.size]
    if token_end > len(payload):
        raise FramingError("a hello whose session token is cut short")
    return session_id, bytes(payload[SESSION_ID.size + 1 : token_end]), bytes(payload[token_end:])


_REPORT_OF_ONE = struct.Struct("<IQI")


def handle_report(handles: list[int], generation: int) -> bytes:
    """The report that starts a TRACKED_CALL, TRACKED_DROP or RAW_CALL answer."""
    count = len(handles)
    if count == 1:  # a request that made one object: the common case, one pack
        return _REPORT_OF_ONE.pack(1, handles[0], generation & 0xFFFFFFFF)
    return struct.pack(f"<I{count}QI", count, *handles, generation & 0xFFFFFFFF)


def parse_handle_report(payload: memoryview | bytes) -> tuple[tuple[int, ...], int, int]:
    """The handles and generation of a report at the start of `payload`, and where the rest
    of the payload starts."""
    (count,) = REPORT_COUNT.unpack_from(payload)
    if count == 1:
        _, handle, generation = _REPORT_OF_ONE.unpack_from(payload)
        return (handle,), generation, _REPORT_OF_ONE.size
    end = REPORT_COUNT.size + 8 * count
    handles = struct.unpack_from(f"<{count}Q", payload, REPORT_COUNT.size) if count else ()
    (generation,) = REPORT_GENERATION.unpack_from(payload, end)
    return handles, generation, end + REPORT_GENERATION.size


def checked_length(length: int, limit: int = MAX_FRAME) -> int:
    """The payload length of a frame whose header says `length` (FramingError if out of
    bounds)."""
    if length < 1 or length > limit:
        raise FramingError(f"bad frame length {length}")
    return length - 1


async def read_frame(reader: asyncio.StreamReader, limit: int = MAX_FRAME) -> tuple[int, bytes]:
    """The next frame from an asyncio stream, of at most `limit` bytes (IncompleteReadError
    when it ends)."""
    length, kind = HEADER.unpack(await reader.readexactly(HEADER.size))
    return kind, await reader.readexactly(checked_length(length, limit))


def send_frame(sock: socket.socket, kind: int, payload: bytes | memoryview) -> None:
    """One frame on a blocking socket: one system call whatever the payload's size."""
    if len(payload) < JOIN_BELOW:
        sock.sendall(HEADER.pack(len(payload) + 1, kind) + payload)
        return
    header = HEADER.pack(len(payload) + 1, kind)
    sent = sock.sendmsg([header, payload])
    if sent < len(header):
        sock.sendall(header[sent:])
        sent = len(header)
    if sent - len(header) < len(payload):
        sock.sendall(memoryview(payload)[sent - len(header) :])


class SocketFrames:
    """Frames read from a blocking socket into a buffer kept for the connection: a frame
    costs one recv when it arrives whole, and no allocation beyond its payload's copy.

    `wait`, if given, is called before each receive, to block until there is something to
    receive (or raise): a reader that waits in poll(POLLIN) rather than in recv is not woken
    each time its peer takes what it sent. Linux wakes every task blocked in recv on a Unix
    socket when the peer's receive frees the socket's send space (unix_write_space); poll's
    waiters are filtered by the events they asked for. That spurious wake-up, an IPI to the
    other core, was 15% of the engine's time in a request + drop loop (perf)."""

    def __init__(self, sock: socket.socket, wait: Callable[[], None] | None = None) -> None:
        self._socket = sock
        self.wait = wait
        self._buffer = bytearray(READ_BUFFER)
        self._view = memoryview(self._buffer)
        self._start = 0  # unread bytes are [_start, _end)
        self._end = 0

    def _fill(self, wanted: int) -> None:
        """Receive until `wanted` unread bytes are in the buffer (which must hold them)."""
        if self._start and len(self._buffer) - self._start < wanted:
            unread = self._end - self._start
            self._buffer[:unread] = bytes(self._view[self._start : self._end])  # may overlap
            self._start, self._end = 0, unread
        while self._end - self._start < wanted:
            if self.wait is not None:
                self.wait()
            received = self._socket.recv_into(self._view[self._end :])
            if not received:
                raise ConnectionError("the engine closed the fast lane")
            self._end += received

    def next_frame(self) -> tuple[int, bytes]:
        """The next frame (ConnectionError when the connection ends)."""
        self._fill(HEADER.size)
        length, kind = HEADER.unpack_from(self._buffer, self._start)
        size = checked_length(length)
        self._start += HEADER.size
        if size > len(self._buffer):
            return kind, self._read_large(size)
        self._fill(size)
        payload = bytes(self._view[self._start : self._start + size])
        self._start += size
        if self._start == self._end:
            self._start = self._end = 0
        return kind, payload

    def _read_large(self, size: int) -> bytes:
        """A payload larger than the buffer: received straight into its own memory."""
        payload = bytearray(size)
        have = self._end - self._start
        payload[:have] = self._view[self._start : self._end]
        self._start = self._end = 0
        view = memoryview(payload)
        while have < size:
            if self.wait is not None:
                self.wait()
            received = self._socket.recv_into(view[have:])
            if not received:
                raise ConnectionError("the engine closed the fast lane")
            have += received
        # A bytearray, not copied once more: whoever reads frames takes any bytes-like.
        return cast(bytes, payload)


def read_frame_blocking(reader: BinaryIO | SocketFrames) -> tuple[int, bytes]:
    """The next frame from a blocking file or socket (ConnectionError when it ends)."""
    if isinstance(reader, SocketFrames):
        return reader.next_frame()
    header = reader.read(HEADER.size)
    if len(header) < HEADER.size:
        raise ConnectionError("the engine closed the fast lane")
    length, kind = HEADER.unpack(header)
    size = checked_length(length)
    body = reader.read(size)
    if len(body) < size:
        raise ConnectionError("the engine closed the fast lane")
    return kind, body
