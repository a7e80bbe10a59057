"""Files a request names live where the client is: send_file's file is read here and
shipped with the call, and byte_write_to_file's bytes are written here, into the directory
the reader names, atomically (a temporary file in that directory, flushed to disk, then
renamed), so nobody ever sees a half-written file under the final name.

I/O errors read as the native core words them (Rust's io::Error):
"I/O error: No such file or directory (os error 2)".
"""

from __future__ import annotations

import contextlib
import mmap
import os
import secrets
import tempfile

from lkemu.engine.wire import shared_blobs
from lkemu.proto import ffi_pb2
from lkemu.proto.engine_pb2 import Blob


def io_error(error: OSError) -> str:
    if error.errno is None:
        return f"I/O error: {error}"
    return f"I/O error: {error.strerror} (os error {error.errno})"


# A file larger than this cannot travel inside a message (gRPC's and the fast lane's limit
# is 256 MiB): it goes through shared memory, or is refused where the session has none.
MAX_INLINE_FILE_BYTES = 200 * 1024 * 1024


def read_for_request(path: str, blob_tag: str | None = None) -> Blob:
    """send_file's file, read here: its bytes (in a shared blob named with the session's
    `blob_tag` when large and the session shares memory), or the error reading it gave."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        return Blob(kind=Blob.CLIENT_FILE, path=path, error=io_error(error))
    if blob_tag is not None and len(data) >= shared_blobs.MIN_SHARED_BYTES:
        return Blob(
            kind=Blob.CLIENT_FILE, path=path, shared_name=shared_blobs.write(data, blob_tag)
        )
    if len(data) > MAX_INLINE_FILE_BYTES:
        too_large = f"I/O error: {len(data)} bytes is too large to send without shared memory"
        return Blob(kind=Blob.CLIENT_FILE, path=path, error=f"{too_large} (lkemu)")
    return Blob(kind=Blob.CLIENT_FILE, path=path, data=data)


def write_atomically(directory: str, name: str, data: bytes | bytearray | mmap.mmap) -> str:
    """Write `data` as `directory/name` (the temporary directory when `directory` is
    empty); returns the path. `name` must be a plain file name (the engine checked it)."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    folder = directory or tempfile.gettempdir()
    final = os.path.join(folder, name)
    partial = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.lkemu-partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, final)  # overwrites, as native's File::create does
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return final


def apply_file_writes(
    event: ffi_pb2.FfiEvent, outputs: list[Blob], blob_tag: str = ""
) -> list[Blob]:
    """Carry out the FILE_WRITE blobs of an event and fill in its write_to_file callback
    (the path, or the I/O error); returns the other blobs."""
    rest = []
    for blob in outputs:
        if blob.kind != Blob.FILE_WRITE:
            rest.append(blob)
            continue
        callback = event.byte_stream_reader_write_to_file
        try:
            data = shared_blobs.take(blob.shared_name, blob_tag) if blob.shared_name else blob.data
            callback.file_path = write_atomically(blob.directory, blob.path, data)
        except OSError as error:
            callback.error.description = io_error(error)
        except ValueError as error:  # a NUL in the directory: still an answer, never none
            callback.error.description = f"I/O error: {error}"
    return rest
