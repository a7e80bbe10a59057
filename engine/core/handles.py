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
        return value

    def drop(self, handle: int, session_id: int) -> bool:
        entry = self._entries.get(handle)
        if entry is None or entry.session_id != session_id:
            return False
        del self._entries[handle]
        if isinstance(entry.value, Closable):
            entry.value.close()
        return True

    def release_session(self, session_id: int) -> int:
        """Drop every handle a session still holds (it disposed or went away)."""
        owned = [h for h, e in self._entries.items() if e.session_id == session_id]
        for handle in owned:
            self.drop(handle, session_id)
        return len(owned)

    def count(self, session_id: int = 0) -> Counter[str]:
        return Counter(
            type(e.value).__name__
            for e in self._entries.values()
            if session_id in (0, e.session_id)
        )
