"""The fast lane: FfiCall and DropHandle over a plain framed socket.

A gRPC unary call from Python costs ~450 us on this kind of machine; the native core answers
a request in ~40 us. Requests are the hot path (capture a frame every 10 ms, drop a handle),
so they may also travel as length-prefixed frames (engine/wire/framing.py) on a Unix socket
(or loopback TCP), served by the same runtime on the same loop. gRPC stays the service of
record: sessions, events, control and health.

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

from lkemu.proto import engine_pb2

from ..wire.framing import (
    CALL,
    DROP,
    ERROR,
    HELLO,
    MAX_HELLO,
    FramingError,
    frame,
    parse_hello,
    read_frame,
)
from ..wire.secret import HOW_TO_GET_IT
from . import dispatch
from .runtime import EngineRuntime

logger = logging.getLogger("lkemu.engine")

HELLO_TIMEOUT_S = 10.0


class HelloRefused(Exception):
    """A hello the engine does not accept; the message goes back in an error frame."""


class FastLane:
    def __init__(self, runtime: EngineRuntime, secret: str) -> None:
        self.runtime = runtime
        self.address = ""
        self._secret = secret.encode()
        self._server: asyncio.AbstractServer | None = None

    async def start(self, grpc_address: str) -> str:
        if grpc_address.startswith("unix:"):
            path = grpc_address.removeprefix("unix:").removeprefix("//") + ".fast"
            self._server = await asyncio.start_unix_server(self._serve, path=path)
            os.chmod(path, 0o600)
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

    def _check_hello(self, kind: int, payload: bytes) -> int:
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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                kind, payload = await asyncio.wait_for(
                    read_frame(reader, MAX_HELLO), HELLO_TIMEOUT_S
                )
                session_id = self._check_hello(kind, payload)
            except (FramingError, HelloRefused) as refusal:
                writer.write(frame(ERROR, str(refusal).encode()))
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                logger.warning("fast lane: %s; closing the connection", refusal)
                return
            except TimeoutError:
                logger.warning("fast lane: no hello within %g s; closing", HELLO_TIMEOUT_S)
                return
            writer.write(frame(HELLO, b""))
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
