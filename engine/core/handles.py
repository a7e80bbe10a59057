"""The handle table: every object a client owns, with the native ownership rules.

Ids come from one counter per engine, shared with async ids and response ids, as in
livekit-ffi (`FfiServer::next_id`, starting at 1; 0 is INVALID_HANDLE). Each handle belongs
to the session that created it; another session cannot see it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from .errors import InvalidRequest

INVALID_HANDLE = 0


@runtime_checkable
class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(slots=True)
class _Entry:
    value: object
    session_id: int


T = TypeVar("T")


def native_type_name(kind: type) -> str:
    """The Rust type name the native core prints in 'handle is not a ...' errors."""
    return getattr(kind, "native_type_name", kind.__name__)


class HandleTable:
    def __init__(self, first_id: int = 1) -> None:
        self._ids = itertools.count(first_id)
        self._entries: dict[int, _Entry] = {}
        # Bumped whenever handles go other than by a drop (a session releasing all it held,
        # a request consuming one): the fast lane tells its client to forget what it knew.
        self.removals = 0

    def next_id(self) -> int:
        return next(self._ids)

    def store(self, value: object, session_id: int) -> int:
        handle = self.next_id()
        self._entries[handle] = _Entry(value, session_id)
        return handle

    def exists(self, handle: int) -> bool:
        return handle in self._entries

    def _entry(self, handle: int, session_id: int) -> _Entry:
        if handle == INVALID_HANDLE:
            raise InvalidRequest("handle is invalid")
        entry = self._entries.get(handle)
        if entry is None or entry.session_id != session_id:
            raise InvalidRequest("handle not found")
        return entry

    def get(self, handle: int, kind: type[T], session_id: int) -> T:
        value = self._entry(handle, session_id).value
        if not isinstance(value, kind):
            raise InvalidRequest(f"handle is not a {native_type_name(kind)}")
        return value

    def take(self, handle: int, kind: type[T], session_id: int) -> T:
        """Remove and return the object: requests that consume their handle."""
        value = self.get(handle, kind, session_id)
        del self._entries[handle]
        self.removals += 1
        return value

    def drop(self, handle: int, session_id: int) -> bool:
        entry = self._entries.get(handle)
        if entry is None or entry.session_id != session_id:
            return False
        del self._entries[handle]
        # (what isinstance(value, Closable) asks, without the ~8 us a runtime-checkable
        # Protocol's isinstance costs on every drop)
        close = getattr(entry.value, "close", None)
        if callable(close):
            close()
        return True

    def newest(self) -> int:
        """The highest id stored so far that is still held (0 if none)."""
        return next(reversed(self._entries), INVALID_HANDLE)

    def stored_since(self, watermark: int, session_id: int) -> list[int]:
        """The handles of `session_id` stored after id `watermark` and still held, oldest
        first. Entries are kept in the order of their ids, so only those newer than
        the watermark are visited."""
        found = []
        for handle in reversed(self._entries):
            if handle <= watermark:
                break
            if self._entries[handle].session_id == session_id:
                found.append(handle)
        found.reverse()
        return found

    def release_session(self, session_id: int) -> int:
        """Drop every handle a session still holds (it disposed or went away)."""
        owned = [h for h, e in self._entries.items() if e.session_id == session_id]
        self.removals += 1
        for handle in owned:
            self.drop(handle, session_id)
        return len(owned)

    def count(self, session_id: int = 0) -> Counter[str]:
        return Counter(
            type(e.value).__name__
            for e in self._entries.values()
            if session_id in (0, e.session_id)
        )
