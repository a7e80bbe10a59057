"""The fast lane: FfiCall and DropHandle over a plain framed socket.

A gRPC unary call from Python costs ~450 us on this kind of machine; the native core answers
a request in ~40 us. Requests are the hot path (capture a frame every 10 ms, drop a handle),
so they may also travel as length-prefixed frames (engine/wire/framing.py) on a Unix socket
(or loopback TCP), served by the same runtime on the same loop. gRPC stays the service of
record: sessions, events, control and health.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lkemu.proto import engine_pb2

from ..wire.framing import CALL, DROP, HELLO, SESSION_ID, frame, read_frame
from . import dispatch
from .runtime import EngineRuntime

logger = logging.getLogger("lkemu.engine")


class FastLane:
    def __init__(self, runtime: EngineRuntime) -> None:
        self.runtime = runtime
        self.address = ""
        self._server: asyncio.AbstractServer | None = None

    async def start(self, grpc_address: str) -> str:
        if grpc_address.startswith("unix:"):
            path = grpc_address.removeprefix("unix:").removeprefix("//") + ".fast"
            self._server = await asyncio.start_unix_server(self._serve, path=path)
            self.address = f"unix:{path}"
        else:
            host = grpc_address.rpartition(":")[0].strip("[]")
            self._server = await asyncio.start_server(self._serve, host=host, port=0)
            port = self._server.sockets[0].getsockname()[1]
            self.address = f"{host}:{port}"
        return self.address

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            kind, payload = await read_frame(reader)
            if kind != HELLO or len(payload) != SESSION_ID.size:
                raise ValueError("the first frame must be a hello with the session id")
            (session_id,) = SESSION_ID.unpack(payload)
            while True:
                kind, payload = await read_frame(reader)
                writer.write(self._answer(session_id, kind, payload))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            # The client went away (its gRPC event stream closes the session), or the engine
            # is stopping. Not re-raising a cancel here keeps asyncio from logging it.
            pass
        except ValueError as error:
            logger.warning("fast lane: %s; closing the connection", error)
        finally:
            writer.close()

    def _answer(self, session_id: int, kind: int, payload: bytes) -> bytes:
        if kind == CALL:
            call = engine_pb2.FfiCall.FromString(payload)
            call.session_id = session_id
            session = self.runtime.sessions.get(session_id)
            if session is None:
                reply = engine_pb2.FfiReply(
                    error=f"no session {session_id} (closed or never opened)",
                    error_kind=engine_pb2.NO_SESSION,
                )
            else:
                reply = dispatch.execute(self.runtime, session, call)
            return frame(CALL, reply.SerializeToString())
        if kind == DROP:
            request = engine_pb2.DropHandleRequest.FromString(payload)
            existed = self.runtime.drop_handle(session_id, request.handle)
            return frame(DROP, engine_pb2.DropHandleResponse(existed=existed).SerializeToString())
        raise ValueError(f"unknown frame kind {kind}")
