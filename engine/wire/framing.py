"""The fast lane's frames: FfiCall and DropHandle over a plain socket (engine/core/fastlane.py
serves them, lkemu.bindings.connection sends them).

Frame: little-endian u32 length of what follows, u8 kind, payload. The first frame of a
connection is a HELLO: the session id (u64), the session's token and the engine's secret
(engine/wire/secret.py). The engine answers it with an empty HELLO, or with an ERROR (its
reason, UTF-8) and closes the connection; then each CALL or DROP gets one answer of the
same kind. The secret and token are checked once, at the hello: calls cost nothing more.
"""

from __future__ import annotations

import asyncio
import struct
from typing import BinaryIO

from .limits import MAX_MESSAGE_BYTES

HEADER = struct.Struct("<IB")
SESSION_ID = struct.Struct("<Q")
HELLO, CALL, DROP, ERROR = 1, 2, 3, 4
MAX_FRAME = MAX_MESSAGE_BYTES
# A hello is a few dozen bytes: a longer one is not a hello (and is not read whole).
MAX_HELLO = 1024


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
    return session_id, payload[SESSION_ID.size + 1 : token_end], payload[token_end:]


def _checked(length: int, limit: int = MAX_FRAME) -> int:
    if length < 1 or length > limit:
        raise FramingError(f"bad frame length {length}")
    return length - 1


async def read_frame(reader: asyncio.StreamReader, limit: int = MAX_FRAME) -> tuple[int, bytes]:
    """The next frame from an asyncio stream, of at most `limit` bytes (IncompleteReadError
    when it ends)."""
    length, kind = HEADER.unpack(await reader.readexactly(HEADER.size))
    return kind, await reader.readexactly(_checked(length, limit))


def read_frame_blocking(reader: BinaryIO) -> tuple[int, bytes]:
    """The next frame from a blocking file (ConnectionError when it ends)."""
    header = reader.read(HEADER.size)
    if len(header) < HEADER.size:
        raise ConnectionError("the engine closed the fast lane")
    length, kind = HEADER.unpack(header)
    size = _checked(length)
    body = reader.read(size)
    if len(body) < size:
        raise ConnectionError("the engine closed the fast lane")
    return kind, body
