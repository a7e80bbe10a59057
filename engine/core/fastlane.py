"""The fast lane: FfiCall and DropHandle over a plain framed socket.

A gRPC unary call from Python costs ~450 us on this kind of machine; the native core answers
a request in ~40 us. Requests are the hot path (capture a frame every 10 ms, drop a handle),
so they may also travel as length-prefixed frames (engine/wire/framing.py) on a Unix socket
(or loopback TCP), served by the same runtime on the same loop. gRPC stays the service of
record: sessions, events, control and health.

Each connection is an asyncio.BufferedProtocol: the loop receives into a buffer the
connection keeps, and each whole frame is answered at once, in the callback that received
it. (A StreamReader costs a task wake-up per frame and asyncio's plain protocols a fresh
256 KB allocation per receive, which glibc maps and unmaps each time: a bare ping-pong
measured 30-34 us with those, 16-17 us this way, against 10 us between blocking sockets.)
Answers go out with one send. With the handle reports of TRACKED_CALL, RAW_CALL and
TRACKED_DROP (engine/wire/framing.py) a client answers most drops itself, so a request and
the drop of its handle cost one round trip. A request that names no client memory is a
RAW_CALL: its bytes as the client encoded them, and the answer the response's bytes as the
handler's result encoded, with no FfiCall/FfiReply around either.

Where a request + drop's microseconds went (new_video_source, one client, timestamps on
both sides, load ~7): client encode 7, its send 3, to the engine's callback 19, the engine's
work 19 (the drop sent before the request included: it arrives with it), back to the client
10, its decode 9; the drop 8 on the client. With RAW_CALL, the client's deadline kept by the
kernel and its wait in poll (bindings/connection.py), at load ~6: 3, 2, 16, 17, 10, 5 and 6
(the way in and out is most of it now: a bare asyncio ping-pong is 16 us here, and 40-50
when the other core is busy). A blocking reader thread per connection in place
of asyncio (taking turns with the loop through a lock released around the selector's wait)
cut the way in by 4.5 us and added as much in taking the turn: request + drop medians of
47-52 us either way on an idle machine, so it is not used (the engine stays one thread).

A connection may instead carry the session's events (EVENTS), as gRPC's Events call does
and with its rules (one reader; when it goes away the session closes and its handles are
released): a burst of events is one frame and one send, where the gRPC stream adds HTTP/2
framing and two thread hops on each side.

A connection serves one session, the one its hello names with that session's token and the
engine's secret (checked once: requests then cost what they did). A wrong or missing one is
answered with an error frame saying why, and the connection is closed; a hello that does
not come within HELLO_TIMEOUT_S is given up on. The Unix socket is made 0600 in the
engine's 0700 directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from typing import cast

from lkemu.proto import engine_pb2

from ..wire.framing import (
    CALL,
    DROP,
    ERROR,
    EVENTS,
    EVENTS_END,
    HANDLE,
    HEADER,
    HELLO,
    MAX_FRAME,
    MAX_HELLO,
    RAW_ANSWER,
    RAW_ANSWERED,
    RAW_CALL,
    RAW_REPLY,
    READ_BUFFER,
    TRACKED_CALL,
    TRACKED_DROP,
    UNANSWERED_DROP,
    FramingError,
    checked_length,
    frame,
    handle_report,
    parse_hello,
)
from ..wire.secret import HOW_TO_GET_IT
from . import dispatch
from .runtime import EngineRuntime

logger = logging.getLogger("lkemu.engine")

HELLO_TIMEOUT_S = 10.0
# Events sent in one frame at most (as the gRPC Events call batches them).
MAX_EVENTS_PER_BATCH = 256
# What an event stream may hold unsent before it waits for its reader. A client whose Python
# is starved (a busy machine, the GIL) reads late; gRPC's stream, whose C threads read
# eagerly, hid that, and a session's backlog past a stream's limit makes a real-clock stream
# drop frames. A megabyte is some 1,500 audio frame events; more per session grew the
# engine by hundreds of MB under the fuzzer's many sessions.
EVENT_BUFFER_BYTES = 1024 * 1024


class HelloRefused(Exception):
    """A hello the engine does not accept; the message goes back in an error frame."""


class FastLane:
    def __init__(self, runtime: EngineRuntime, secret: str) -> None:
        self.runtime = runtime
        self.address = ""
        self._secret = secret.encode()
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[LaneConnection] = set()

    async def start(self, grpc_address: str) -> str:
        loop = asyncio.get_running_loop()
        if grpc_address.startswith("unix:"):
            path = grpc_address.removeprefix("unix:").removeprefix("//") + ".fast"
            self._server = await loop.create_unix_server(self._connection, path=path)
            os.chmod(path, 0o600)
            self.address = f"unix:{path}"
        else:
            host = grpc_address.rpartition(":")[0].strip("[]")
            self._server = await loop.create_server(self._connection, host=host, port=0)
            port = self._server.sockets[0].getsockname()[1]
            self.address = f"{host}:{port}"
        return self.address

    def _connection(self) -> LaneConnection:
        return LaneConnection(self)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            streams = [c._events for c in self._connections if c._events is not None]
            for connection in list(self._connections):
                connection.close()
            for stream in streams:
                stream.cancel()
            await asyncio.gather(*streams, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def check_hello(self, kind: int, payload: bytes) -> int:
        """The session a hello opens the lane for; HelloRefused says why not."""
        if kind != HELLO:
            raise HelloRefused("the first frame must be a hello with the session and secret")
        try:
            session_id, token, secret = parse_hello(payload)
        except FramingError as error:
            raise HelloRefused(str(error)) from None
        if not secret:
            raise HelloRefused(f"lkemu engine: the hello carries no secret; {HOW_TO_GET_IT}")
        if not hmac.compare_digest(secret, self._secret):
            raise HelloRefused(
                f"lkemu engine: wrong secret (another engine's, or a stale file?); {HOW_TO_GET_IT}"
            )
        session = self.runtime.sessions.get(session_id)
        if session is None or not session.owned_by(token):
            raise HelloRefused(f"no session {session_id} for this client (closed, or not yours)")
        return session_id


class LaneConnection(asyncio.BufferedProtocol):
    """One client's connection: its hello, then its calls and drops, answered in order."""

    def __init__(self, lane: FastLane) -> None:
        self._lane = lane
        self._runtime = lane.runtime
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray(READ_BUFFER)
        self._view = memoryview(self._buffer)
        self._end = 0  # bytes received and not yet taken as frames: [0, _end)
        self._session_id = 0  # 0 until the hello is accepted
        self._watermark = 0  # the newest handle id reported to the client
        self._hello_timer: asyncio.TimerHandle | None = None
        self._events: asyncio.Task[None] | None = None  # when this connection carries events
        self._writable = asyncio.Event()
        self._writable.set()

    # asyncio's protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._lane._connections.add(self)
        self._hello_timer = asyncio.get_running_loop().call_later(HELLO_TIMEOUT_S, self._no_hello)

    def connection_lost(self, exc: Exception | None) -> None:
        # The client went away (its gRPC event stream closes the session), or the engine
        # is stopping.
        self._lane._connections.discard(self)
        if self._hello_timer is not None:
            self._hello_timer.cancel()
        self._writable.set()
        if self._events is not None:
            self._events.cancel()  # its end closes the session

    def pause_writing(self) -> None:
        # A client that sends without reading its answers waits, rather than the engine
        # buffering answers without bound; an event stream waits for its reader likewise.
        self._writable.clear()
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._writable.set()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
        self._end += nbytes
        try:
            self._take_frames()
        except FramingError as error:
            self._refuse_or_close(error)
        except Exception as error:
            logger.warning("fast lane: %s; closing the connection", error)
            self.close()

    def eof_received(self) -> bool:
        return False  # close our side too

    # frames

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _no_hello(self) -> None:
        if not self._session_id:
            logger.warning("fast lane: no hello within %g s; closing", HELLO_TIMEOUT_S)
            self.close()

    def _take_frames(self) -> None:
        """Answer every whole frame received; keep a partial one for the next receive."""
        start, end, buffer = 0, self._end, self._buffer
        while end - start >= HEADER.size and self._transport is not None:
            length, kind = HEADER.unpack_from(buffer, start)
            limit = MAX_FRAME if self._session_id else MAX_HELLO
            size = checked_length(length, limit)
            frame_end = start + HEADER.size + size
            if frame_end > end:
                if HEADER.size + size > len(buffer):  # a frame larger than the buffer
                    self._grow(start, HEADER.size + size)
                    return
                break
            payload = self._view[start + HEADER.size : frame_end]
            start = frame_end
            if self._transport.is_closing():
                return
            if not self._session_id:
                self._hello(kind, bytes(payload))
            else:
                answer = self._answer(kind, payload)
                if answer is not None:
                    self._transport.write(answer)
        if start == end:
            self._end = 0
        elif start:
            rest = end - start
            buffer[:rest] = bytes(self._view[start:end])  # (a copy: the ranges may overlap)
            self._end = rest
        if len(buffer) > READ_BUFFER and self._end <= READ_BUFFER:
            self._shrink()

    def _grow(self, start: int, needed: int) -> None:
        """Room for one frame of `needed` bytes, the partial frame first."""
        buffer = bytearray(needed)
        rest = self._end - start
        buffer[:rest] = self._view[start : self._end]
        self._buffer, self._view, self._end = buffer, memoryview(buffer), rest

    def _shrink(self) -> None:
        buffer = bytearray(READ_BUFFER)
        buffer[: self._end] = self._view[: self._end]
        self._buffer, self._view = buffer, memoryview(buffer)

    def _refuse_or_close(self, error: Exception) -> None:
        if not self._session_id and self._transport is not None:
            self._refuse(str(error))
        else:
            logger.warning("fast lane: %s; closing the connection", error)
            self.close()

    def _refuse(self, reason: str) -> None:
        logger.warning("fast lane: %s; closing the connection", reason)
        if self._transport is not None:
            self._transport.write(frame(ERROR, reason.encode()))
        self.close()

    def _hello(self, kind: int, payload: bytes) -> None:
        try:
            session_id = self._lane.check_hello(kind, payload)
        except HelloRefused as refusal:
            self._refuse(str(refusal))
            return
        if self._hello_timer is not None:
            self._hello_timer.cancel()
            self._hello_timer = None
        self._session_id = session_id
        # Handles the session got before the lane opened are not reported: their drops are
        # answered by the engine.
        self._watermark = self._runtime.handles.newest()
        assert self._transport is not None
        self._transport.write(frame(HELLO, b""))

    def _answer(self, kind: int, payload: memoryview) -> bytes | None:
        if kind == RAW_CALL:
            return self._tracked(RAW_CALL, self._raw_call(payload))
        if kind == UNANSWERED_DROP:
            self._runtime.drop_handle(self._session_id, HANDLE.unpack(payload)[0])
            return None
        if kind == TRACKED_CALL:
            return self._tracked(TRACKED_CALL, self._call(payload))
        if kind == TRACKED_DROP:
            existed = self._runtime.drop_handle(self._session_id, HANDLE.unpack(payload)[0])
            return self._tracked(TRACKED_DROP, b"\x01" if existed else b"\x00")
        if kind == EVENTS:
            self._start_events()
            return None
        if kind == CALL:
            return frame(CALL, self._call(payload))
        if kind == DROP:
            request = engine_pb2.DropHandleRequest.FromString(cast(bytes, payload))
            existed = self._runtime.drop_handle(self._session_id, request.handle)
            return frame(DROP, engine_pb2.DropHandleResponse(existed=existed).SerializeToString())
        raise FramingError(f"unknown frame kind {kind}")

    def _raw_call(self, payload: memoryview) -> bytes:
        session = self._runtime.sessions.get(self._session_id)
        if session is None:
            return bytes([RAW_REPLY]) + self._no_session().SerializeToString()
        answer = dispatch.answer_request(self._runtime, session, payload)
        if isinstance(answer, engine_pb2.FfiReply):
            return bytes([RAW_REPLY]) + answer.SerializeToString()
        handle, _, response = answer
        return RAW_ANSWER.pack(RAW_ANSWERED, handle) + response

    def _no_session(self) -> engine_pb2.FfiReply:
        return engine_pb2.FfiReply(
            error=f"no session {self._session_id} (closed or never opened)",
            error_kind=engine_pb2.NO_SESSION,
        )

    def _call(self, payload: memoryview) -> bytes:
        call = engine_pb2.FfiCall.FromString(cast(bytes, payload))  # (any buffer parses)
        call.session_id = self._session_id
        session = self._runtime.sessions.get(self._session_id)
        if session is None:
            reply = self._no_session()
        else:
            reply = dispatch.execute(self._runtime, session, call)
        return reply.SerializeToString()

    def _start_events(self) -> None:
        session = self._runtime.sessions.get(self._session_id)
        if self._events is not None or session is None:
            raise FramingError("events asked for twice, or for a session that is gone")
        if session.events_taken:
            # A second reader would split the events, and its end would close the session.
            self._refuse(f"the events of session {session.id} are already being read")
            return
        session.events_taken = True
        if self._transport is not None:
            self._transport.set_write_buffer_limits(high=EVENT_BUFFER_BYTES)
        self._events = asyncio.get_running_loop().create_task(self._send_events())

    async def _send_events(self) -> None:
        """The session's events, a burst per frame, until the session ends or the client
        goes away; then the session is closed, as after gRPC's Events call."""
        session_id = self._session_id
        session = self._runtime.sessions[session_id]
        queue = session.events
        try:
            ended = False
            while not ended:
                event = await queue.get()
                if event is None:
                    break
                batch = engine_pb2.EventBatch()
                batch.events.append(event)
                while not queue.empty() and len(batch.events) < MAX_EVENTS_PER_BATCH:
                    more = queue.get_nowait()
                    if more is None:
                        ended = True
                        break
                    batch.events.append(more)
                transport = self._transport
                if transport is None or transport.is_closing():
                    return
                transport.write(frame(EVENTS, batch.SerializeToString()))
                if self._writable.is_set():
                    # One burst per step of the loop, as gRPC's stream yields: a session whose
                    # events never run dry held the loop for 0.4-0.7 s under the fuzzer.
                    await asyncio.sleep(0)
                else:
                    await self._writable.wait()
                session.drained()
            if self._transport is not None and not self._transport.is_closing():
                self._transport.write(frame(EVENTS_END, b""))
        finally:
            released = self._runtime.close_session(session_id)
            if released:
                logger.info("session %d gone, %d handles released", session_id, released)
            self.close()

    def _tracked(self, kind: int, answer: bytes) -> bytes:
        """`answer` after the report of the handles the session got since the last one."""
        handles = self._runtime.handles
        fresh = handles.stored_since(self._watermark, self._session_id)
        self._watermark = max(self._watermark, handles.newest())
        report = handle_report(fresh, handles.removals)
        header = HEADER.pack(len(report) + len(answer) + 1, kind)
        return b"".join((header, report, answer))
