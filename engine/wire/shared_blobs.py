"""Large blobs as files under /dev/shm rather than inside messages.

A 1080p RGBA frame is 8 MB. Inside protobuf messages it is copied at every step (into the
blob, into the call, into the batch, onto the socket, and back out on the other side): a
dozen copies, about 40 ms a frame. As a file on tmpfs (memory, never disk) it is copied
once: written by one process; the other maps the file (its pages, no copy) and removes it.

Both sides must see the same /dev/shm: at session open the client writes a probe file and
the engine reads it back (engine.proto, OpenSessionRequest.shared_probe). Without that,
blobs travel inline as before.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
import stat
from typing import Any

SHARED_DIR = "/dev/shm"
# Below this, a message copy costs less than creating and removing a file.
MIN_SHARED_BYTES = 256 * 1024
_PREFIX = "lkemu-blob-"


def available() -> bool:
    return os.path.isdir(SHARED_DIR) and os.access(SHARED_DIR, os.W_OK)


def new_tag() -> str:
    """A session's tag: the part of its blob names no other session knows."""
    return secrets.token_hex(16)


def _path(name: str, tag: str | None = None) -> str:
    # Names come from the other process: only ours (of this session's tag, when given), and
    # no way out of the directory.
    prefix = f"{_PREFIX}{tag}-" if tag else _PREFIX
    if not name.startswith(prefix) or "/" in name or "\0" in name or name in (".", ".."):
        raise ValueError(f"not an lkemu shared blob of this session: {name!r}")
    return os.path.join(SHARED_DIR, name)


def write(data: Any, tag: str = "") -> str:
    """Put `data` (any buffer) in a new file named with `tag`; returns its name."""
    name = f"{_PREFIX}{tag + '-' if tag else ''}{secrets.token_hex(16)}"
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW
    descriptor = os.open(_path(name), flags, 0o600)
    try:
        view = memoryview(data).cast("B")
        written = 0
        while written < len(view):
            written += os.write(descriptor, view[written:])
    except BaseException:
        os.close(descriptor)
        discard(name)
        raise
    os.close(descriptor)
    return name


def take(name: str, tag: str | None = None) -> mmap.mmap | bytearray:
    """Map a blob and remove its file: its pages stay, shared, until the map is released
    (no copy on this side). Only a regular file of this user's, named with `tag` if given,
    never through a link: ValueError otherwise, FileNotFoundError if it is gone."""
    path = _path(name, tag)
    descriptor = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
            raise ValueError(f"{name!r} is not a blob file of this user's")
        size = status.st_size
        # MAP_SHARED read-write, so buffers built on it (ctypes, NumPy) may be written.
        mapped: mmap.mmap | bytearray = mmap.mmap(descriptor, size) if size else bytearray()
    finally:
        os.close(descriptor)
    os.unlink(path)  # read: nobody else will
    return mapped


def exists(name: str) -> bool:
    try:
        return os.path.exists(_path(name))
    except ValueError:
        return False


def discard(name: str) -> None:
    """Remove a blob nobody will read (its reader went away)."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        os.unlink(_path(name))
