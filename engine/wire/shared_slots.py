"""Shared-memory slots: /dev/shm blob files that both sides keep mapped and reuse.

A one-shot blob (shared_blobs) is a new tmpfs file each time. Measured for 8 MB (a 1080p
RGBA frame) on this 2-core machine: its writer spends 3.6 ms in write(2) getting and
zeroing fresh pages, its reader ~3 ms in page faults on first touch, and unmapping frees
the pages for another 1.6 ms: ~8 ms of CPU a frame in each direction, where copying into
pages already mapped takes 0.3 ms. Video frames recur at one size, so a slot is written,
read, handed back, and written again, in the same pages.

A slot is a blob file named `lkemu-blob-<tag>-slot-<random>`: it follows every rule of the
session's blobs (its tag, O_NOFOLLOW, this user's regular files only, removed once its
reader mapped it, removed with the session if it never did; shared_blobs.take maps it the
first time). The file holds a header page, then the payload:

    u64 magic, u64 state, u64 length (payload bytes in use), u64 capacity

States: FULL (written: the reader's until it is done), FREE (the writer's again), RETIRED
(the writer gave it up: the reader unmaps it too). The writer writes the payload, then
FULL, then sends the name; the reader sets FREE when nothing uses the payload any more.
The message carrying the name orders the two (its system calls are barriers). An output
may also be made in place: reserve() lends a free slot's payload to write into (a video
stream converts its frame there), sent or cancelled afterwards. A writer whose slots are
all in use makes another, up to its limits, then falls back to one-shot blobs; a reader
refuses slots past its limits, so a client cannot make the engine map without bound.
As with one-shot blobs, a writer that kept the file open and truncated it could make the
reader's next access fault (SIGBUS): both are processes of one user, one session's.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import secrets
import threading
from typing import Any

import numpy as np

from . import shared_blobs

HEADER_BYTES = mmap.PAGESIZE  # the payload starts page-aligned, as an allocation would
_MAGIC = 0x6C6B_656D_7573_6C74  # "lkemuslt"
FREE, FULL, RETIRED = 0, 1, 2
_MAGIC_AT, _STATE_AT, _LENGTH_AT, _CAPACITY_AT = 0, 1, 2, 3
_MARK = "slot-"
# What one side maps for one session's slots, each way: a dozen 1080p RGBA frames in
# flight, or four 4K ones.
MAX_SLOTS = 24
MAX_BYTES = 160 << 20


def enabled() -> bool:
    return os.environ.get("LKEMU_SHARED_SLOTS", "1") != "0"


def is_slot(name: str) -> bool:
    return f"-{_MARK}" in name


def _capacity(size: int) -> int:
    return -(-size // mmap.PAGESIZE) * mmap.PAGESIZE


class _Slot:
    """One mapped slot file (either side's)."""

    __slots__ = ("capacity", "header", "map", "name")

    def __init__(self, name: str, mapped: mmap.mmap) -> None:
        self.name, self.map = name, mapped
        self.header = np.frombuffer(mapped, np.uint64, count=4)
        self.capacity = len(mapped) - HEADER_BYTES

    @property
    def state(self) -> int:
        return int(self.header[_STATE_AT])

    def set_state(self, state: int) -> None:
        self.header[_STATE_AT] = state

    def payload(self, length: int) -> np.ndarray:
        return np.frombuffer(self.map, np.uint8, count=length, offset=HEADER_BYTES)

    def close(self) -> None:
        self.header = np.array([0, RETIRED, 0, 0], np.uint64)  # the map's last view of ours
        with contextlib.suppress(BufferError):  # still viewed: closed when the views go
            self.map.close()


class SlotWriter:
    """The slots one side writes for one session (thread-safe)."""

    def __init__(self, tag: str, max_slots: int = MAX_SLOTS, max_bytes: int = MAX_BYTES) -> None:
        self.tag, self.max_slots, self.max_bytes = tag, max_slots, max_bytes
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()  # a forked child shares the maps: it must not write them
        self.closed = False

    def write(self, data: Any) -> str | None:
        """Copy `data` (any buffer) into a free slot; its name, or None (no slot free and no
        room for another: the caller sends a one-shot blob)."""
        view = memoryview(data).cast("B")
        return self._fill(len(view), lambda payload: payload.__setitem__(slice(None), view))

    def write_from(self, address: int, size: int) -> str | None:
        """Copy `size` bytes at `address` of this process (checked readable by the caller)."""
        return self._fill(size, lambda payload: ctypes.memmove(payload.ctypes.data, address, size))

    def reserve(self, size: int) -> tuple[str, np.ndarray] | None:
        """A free slot's payload to write `size` bytes into directly (an output made in
        place); its name is sent once it is written, or it is given back with cancel()."""
        slot = self._acquire(size)
        if slot is None:
            return None
        slot.header[_LENGTH_AT] = size
        return slot.name, slot.payload(size)

    def cancel(self, name: str) -> None:
        """A reserved slot that was not sent: free again."""
        with self._lock:
            for slot in self._slots:
                if slot.name == name and slot.state == FULL:
                    slot.set_state(FREE)

    def _fill(self, size: int, copy: Any) -> str | None:
        slot = self._acquire(size)
        if slot is None:
            return None
        try:
            copy(slot.payload(size))
        except BaseException:
            slot.set_state(FREE)
            raise
        slot.header[_LENGTH_AT] = size
        slot.set_state(FULL)
        return slot.name

    def _acquire(self, size: int) -> _Slot | None:
        """A FREE slot that fits `size` (not much larger), held as FULL; a new one if none."""
        if self.closed or os.getpid() != self._pid:
            return None
        capacity = _capacity(size)
        with self._lock:
            for slot in self._slots:
                if capacity <= slot.capacity <= 2 * capacity and slot.state == FREE:
                    slot.set_state(FULL)  # ours while we write (the reader sees nothing)
                    return slot
            if not self._make_room(capacity):
                return None
            try:
                slot = self._create(capacity)
            except OSError:
                return None
            self._slots.append(slot)
            slot.set_state(FULL)
            return slot

    def _make_room(self, capacity: int) -> bool:
        """Retire free slots until one of `capacity` fits the limits."""

        def fits() -> bool:
            used = sum(s.capacity for s in self._slots)
            return len(self._slots) < self.max_slots and used + capacity <= self.max_bytes

        for slot in sorted(self._slots, key=lambda s: -s.capacity):
            if fits():
                break
            if slot.state == FREE:
                slot.set_state(RETIRED)
                self._slots.remove(slot)
                shared_blobs.discard(slot.name)  # never mapped by the reader: gone
                slot.close()
        return fits()

    def _create(self, capacity: int) -> _Slot:
        name = f"{shared_blobs._PREFIX}{self.tag}-{_MARK}{secrets.token_hex(16)}"
        path = os.path.join(shared_blobs.SHARED_DIR, name)
        flags = os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW
        descriptor = os.open(path, flags, 0o600)
        try:
            os.ftruncate(descriptor, HEADER_BYTES + capacity)
            mapped = mmap.mmap(descriptor, HEADER_BYTES + capacity)
        except BaseException:
            os.close(descriptor)
            shared_blobs.discard(name)
            raise
        os.close(descriptor)
        slot = _Slot(name, mapped)
        slot.header[_MAGIC_AT] = _MAGIC
        slot.header[_CAPACITY_AT] = capacity
        return slot

    def close(self) -> None:
        """Give every slot up: files nobody mapped are removed, readers unmap the rest."""
        with self._lock:
            self.closed = True
            for slot in self._slots:
                slot.set_state(RETIRED)
                shared_blobs.discard(slot.name)
                slot.close()
            self._slots.clear()

    def count(self) -> int:
        with self._lock:
            return len(self._slots)


class SlotError(ValueError):
    """A slot that cannot be read: the text says why."""


class SlotReader:
    """The slots one side reads for one session, mapped once and kept (thread-safe)."""

    def __init__(self, tag: str, max_slots: int = MAX_SLOTS, max_bytes: int = MAX_BYTES) -> None:
        self.tag, self.max_slots, self.max_bytes = tag, max_slots, max_bytes
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def take(self, name: str) -> tuple[np.ndarray, _Slot]:
        """The payload of a FULL slot (a view of its pages) and the slot, to be handed back
        with release(). SlotError, OSError or ValueError (shared_blobs.take's) if it cannot
        be read."""
        with self._lock:
            slot = self._slots.get(name)
            if slot is None:
                slot = self._map(name)
            if slot.state != FULL:
                raise SlotError(f"slot {name} is not full (state {slot.state})")
            length = int(slot.header[_LENGTH_AT])
            if length > slot.capacity:
                raise SlotError(f"slot {name} claims {length} bytes, holds {slot.capacity}")
            return slot.payload(length), slot

    def _map(self, name: str) -> _Slot:
        self._sweep()
        if len(self._slots) >= self.max_slots:
            raise SlotError(f"slot {name}: this session maps {len(self._slots)} slots already")
        mapped = shared_blobs.take(name, self.tag)  # this session's, no link, this user's
        if not isinstance(mapped, mmap.mmap) or len(mapped) < HEADER_BYTES:
            raise SlotError(f"slot {name} is too short")
        slot = _Slot(name, mapped)
        used = sum(s.capacity for s in self._slots.values())
        if int(slot.header[_MAGIC_AT]) != _MAGIC or used + slot.capacity > self.max_bytes:
            slot.close()
            raise SlotError(f"slot {name} is not a slot, or past this session's limits")
        self._slots[name] = slot
        return slot

    def _sweep(self) -> None:
        """Unmap what the writer retired."""
        for name in [n for n, s in self._slots.items() if s.state == RETIRED]:
            self._slots.pop(name).close()

    @staticmethod
    def release(slot: _Slot) -> None:
        """The payload is no longer used here: the writer may fill the slot again."""
        if slot.state == FULL:
            slot.set_state(FREE)

    def close(self) -> None:
        with self._lock:
            for slot in self._slots.values():
                slot.close()
            self._slots.clear()

    def count(self) -> int:
        with self._lock:
            return len(self._slots)
