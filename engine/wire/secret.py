"""The engine's secret: what every client shows before the engine serves it.

Loopback TCP and a Unix socket are reachable by every local process, other users' included;
session ids alone used to be the only credential. So an engine makes a random secret at
start (256 bits) and serves only calls that carry it: gRPC calls in the `lkemu-secret`
metadata (the health service stays open, for readiness probes), the fast lane in its
hello. It writes the secret to a file only its user can read, and clients find it there
or in the environment (`lkemu run` and `pytest --lkemu` set LKEMU_SECRET for the programs
they start):

- a Unix socket's secret is next to it: `PATH.secret`, in the socket's 0700 directory;
- a TCP engine's is in this user's runtime directory (0700): `$XDG_RUNTIME_DIR/lkemu` or
  `$TMPDIR/lkemu-UID`, named after the address (`engine-127.0.0.1-PORT.secret`);
- `lkemu serve --secret-file PATH` puts it elsewhere; a client reads it through
  LKEMU_SECRET_FILE.

Shared by the engine (engine/core/server.py writes it) and the bindings (which read it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile

# gRPC metadata keys are lower case.
METADATA_KEY = "lkemu-secret"
SECRET_ENV = "LKEMU_SECRET"
SECRET_FILE_ENV = "LKEMU_SECRET_FILE"
SECRET_BYTES = 32
# A secret is hex text; anything longer than this in a hello is not one.
MAX_SECRET_CHARS = 256

HOW_TO_GET_IT = (
    f"the engine writes it to the file `lkemu serve` prints (next to a Unix socket, or in "
    f"the user's runtime directory for TCP); give it with {SECRET_ENV} or {SECRET_FILE_ENV}"
)


class SecretFileError(OSError):
    """A secret file or its directory that cannot be trusted or written; says why."""


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def unix_path(address: str) -> str:
    return address.removeprefix("unix:").removeprefix("//")


def runtime_dir() -> str:
    """This user's private directory for the secrets of TCP engines (not created here)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg and os.path.isdir(xdg):
        return os.path.join(xdg, "lkemu")
    return os.path.join(tempfile.gettempdir(), f"lkemu-{os.getuid()}")


def default_secret_path(address: str) -> str:
    """Where an engine serving `address` keeps its secret unless told otherwise."""
    if address.startswith("unix:"):
        return unix_path(address) + ".secret"
    host, _, port = address.rpartition(":")
    return os.path.join(runtime_dir(), f"engine-{host.strip('[]')}-{port}.secret")


def check_private_dir(path: str) -> None:
    """SecretFileError unless `path` is a directory of this user's that nobody else may
    enter (mode 0700 or stricter): another user could otherwise reach or swap what is in it."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise SecretFileError(f"{path} does not exist") from None
    if not stat.S_ISDIR(status.st_mode):
        raise SecretFileError(f"{path} is not a directory")
    mode = stat.S_IMODE(status.st_mode)
    if status.st_uid != os.getuid() or mode & 0o077:
        raise SecretFileError(
            f"{path} is open to other users (owner uid {status.st_uid}, mode {mode:04o}): "
            f"use a directory of your own with mode 0700"
        )


def ensure_private_dir(path: str) -> None:
    """Make `path` (mode 0700) if it is missing; SecretFileError if it is not private."""
    with contextlib.suppress(FileExistsError):
        os.makedirs(path, mode=0o700)
    check_private_dir(path)


def write_secret(path: str, secret: str) -> None:
    """Write `secret` to `path`, readable by this user only (0600), never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as error:
        raise SecretFileError(f"cannot write the secret to {path}: {error.strerror}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
            raise SecretFileError(f"{path} is not a regular file of this user's")
        os.fchmod(descriptor, 0o600)  # an existing file may have been created wider
        os.write(descriptor, (secret + "\n").encode())
    finally:
        os.close(descriptor)


def read_secret(path: str) -> str:
    """The secret in `path` ("" if there is none); OSError if it cannot be read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return os.read(descriptor, MAX_SECRET_CHARS + 2).decode(errors="replace").strip()
    finally:
        os.close(descriptor)


def remove_secret(path: str, secret: str) -> None:
    """Remove the secret file at `path` if it still holds `secret` (another engine on the
    same address since may have written its own)."""
    with contextlib.suppress(OSError):
        if read_secret(path) == secret:
            os.unlink(path)
