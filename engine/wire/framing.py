"""The fast lane's frames: FfiCall and DropHandle over a plain socket (engine/core/fastlane.py
serves them, lkemu.bindings.connection sends them).

Frame: little-endian u32 length of what follows, u8 kind, payload. The first frame of a
connection is a HELLO with the session id (u64); then each CALL or DROP gets one answer of
the same kind.
"""

from __future__ import annotations

import asyncio
import struct
from typing import BinaryIO

from .limits import MAX_MESSAGE_BYTES

HEADER = struct.Struct("<IB")
SESSION_ID = struct.Struct("<Q")
HELLO, CALL, DROP = 1, 2, 3
MAX_FRAME = MAX_MESSAGE_BYTES


class FramingError(ValueError):
    """A frame that breaks the format: the connection is closed."""


def frame(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(len(payload) + 1, kind) + payload


def hello(session_id: int) -> bytes:
    return frame(HELLO, SESSION_ID.pack(session_id))


def _checked(length: int) -> int:
    if length < 1 or length > MAX_FRAME:
        raise FramingError(f"bad frame length {length}")
    return length - 1


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next frame from an asyncio stream (IncompleteReadError when it ends)."""
    length, kind = HEADER.unpack(await reader.readexactly(HEADER.size))
    return kind, await reader.readexactly(_checked(length))


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
