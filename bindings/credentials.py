"""How a client finds the secret of the engine it talks to (lkemu.engine.wire.secret).

In this order, for an engine at `address`:
1. an engine this process started (lkemu.bindings.embedded) told it;
2. LKEMU_SECRET, then the file LKEMU_SECRET_FILE names, when LKEMU_ADDRESS is unset or is
   this address (`lkemu run` and `pytest --lkemu` set both for the programs they start);
3. the file the engine wrote where its clients look: next to its Unix socket, or in this
   user's runtime directory for a TCP address.
Without any, calls go out without one and the engine's refusal says how to get it.
"""

from __future__ import annotations

import os
import threading
from typing import NamedTuple

from lkemu.engine.wire.secret import (
    METADATA_KEY,
    SECRET_ENV,
    SECRET_FILE_ENV,
    default_secret_path,
    read_secret,
)

ADDRESS_ENV = "LKEMU_ADDRESS"

Metadata = tuple[tuple[str, str], ...]


class FoundSecret(NamedTuple):
    value: str
    # Where it came from (or where it was looked for), for error messages.
    source: str

    def metadata(self) -> Metadata:
        """The gRPC call metadata that shows it (none without a secret)."""
        return ((METADATA_KEY, self.value),) if self.value else ()


_lock = threading.Lock()
_known: dict[str, str] = {}


def remember(address: str, secret: str) -> None:
    """The secret of an engine this process started: its clients here need look no further."""
    with _lock:
        _known[address] = secret


def forget(address: str) -> None:
    with _lock:
        _known.pop(address, None)


def from_file(path: str) -> FoundSecret:
    try:
        return FoundSecret(read_secret(path), f"the file {path}")
    except OSError as error:
        return FoundSecret("", f"the file {path}, unreadable: {error.strerror}")


def find_secret(address: str) -> FoundSecret:
    """The secret to show the engine at `address` (its value "" if none was found)."""
    with _lock:
        known = _known.get(address)
    if known:
        return FoundSecret(known, "the engine this process started")
    if os.environ.get(ADDRESS_ENV, "").strip() in ("", address):
        if os.environ.get(SECRET_ENV):
            return FoundSecret(os.environ[SECRET_ENV].strip(), SECRET_ENV)
        if os.environ.get(SECRET_FILE_ENV):
            return from_file(os.environ[SECRET_FILE_ENV])
    path = default_secret_path(address)
    if os.path.exists(path):
        return from_file(path)
    return FoundSecret("", f"no {SECRET_ENV}, no {SECRET_FILE_ENV}, nothing at {path}")
