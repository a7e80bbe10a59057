"""The values the fuzzer puts in fields: edge values per protobuf type and per field name,
and memory for the protocol's pointers, good and bad.

Pointers are real addresses of the fuzzing process, so a request the bindings accept is
read (and, for in-place results, written) for real. The good ones point into a scratch
mapping with a page without access on both sides: any range that starts in it and runs past
its end meets a guard page (the bindings must refuse it) instead of the fuzzer's own heap,
which an in-place write would otherwise corrupt.
"""

from __future__ import annotations

import ctypes
import math
import mmap
import random
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

PAGE = mmap.PAGESIZE

INT32_EDGES = [0, 1, -1, 2, 7, 2**31 - 1, -(2**31), 2**15, -(2**15), 1000]
INT64_EDGES = [*INT32_EDGES, 2**63 - 1, -(2**63), 2**53, 2**31, 2**32]
UINT32_EDGES = [0, 1, 2, 3, 7, 2**32 - 1, 2**31, 2**31 - 1, 2**16, 480, 960, 1000]
UINT64_EDGES = [0, 1, 2, 2**64 - 1, 2**63, 2**63 - 1, 2**53, 2**48, 2**32, 2**32 - 1]
DOUBLE_EDGES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    5e-324,
    2.0**63,
    1e-9,
]
FLOAT_EDGES = [0.0, -0.0, 1.0, math.nan, math.inf, -math.inf, 3.4e38, 1e-45]
STRING_EDGES = [
    "",
    "a",
    "fuzz",
    "lk.chat",
    "lk.transcription",
    "../../etc/passwd",
    "\x00",
    "a\x00b",
    "é" * 33,
    "\U0001f600" * 7,
    " ",
    "{}",
    '{"a": 1}',
    "null",
    "[1, 2]",
    "%s%n",
    "\ud7ff",
    "SOURCE_MICROPHONE",
    "TR_fuzz",
    "PA_fuzz",
    "x" * 257,
    "y" * 4096,
]
BYTES_EDGES = [b"", b"\x00", b"\xff" * 16, bytes(range(256)), b"\x00" * 4096]

# Values that mean something for a field of this name: the generator mixes them in, so
# requests often reach past the first checks into the work itself.
NAMED: dict[str, list[Any]] = {
    "sample_rate": [
        0,
        1,
        7999,
        8000,
        16000,
        22050,
        24000,
        44100,
        48000,
        96000,
        384000,
        768000,
        768001,
        2**31,
        2**32 - 1,
    ],
    "input_rate": [
        0.0,
        1.0,
        8000.0,
        16000.0,
        44100.0,
        48000.0,
        768000.0,
        1e9,
        math.nan,
        math.inf,
        -48000.0,
        1234.5,
    ],
    "output_rate": [
        0.0,
        1.0,
        8000.0,
        16000.0,
        44100.0,
        48000.0,
        768000.0,
        1e9,
        math.nan,
        math.inf,
        -16000.0,
        8001.7,
    ],
    "num_channels": [0, 1, 2, 3, 8, 64, 65, 255, 2**31, 2**32 - 1],
    "samples_per_channel": [0, 1, 10, 160, 441, 480, 960, 4800, 48000, 2**31, 2**32 - 1],
    "width": [
        0,
        1,
        2,
        3,
        16,
        64,
        65,
        640,
        1280,
        1920,
        3840,
        4096,
        8192,
        16384,
        16385,
        65535,
        2**31,
        2**32 - 1,
    ],
    "height": [
        0,
        1,
        2,
        3,
        16,
        64,
        65,
        360,
        480,
        720,
        1080,
        2160,
        8192,
        16384,
        16385,
        65535,
        2**31,
        2**32 - 1,
    ],
    "stride": [0, 1, 4, 63, 64, 256, 7680, 2**16, 2**31, 2**32 - 1],
    "queue_size_ms": [0, 1, 10, 1000, 600_000, 600_001, 2**31, 2**32 - 1],
    "queue_size_frames": [0, 1, 2, 100, 10_000, 2**32 - 1],
    "frame_size_ms": [0, 1, 10, 20, 100, 1000, 60_000, 2**32 - 1],
    "buffer_size": [0, 1, 16, 65536, 65537, 2**32 - 1],
    "max_partial_frames": [0, 1, 16, 2**32 - 1],
    "delay_ms": [0, 1, 10, 500, 501, -1, 2**31 - 1, -(2**31)],
    "threshold": [0, 1, 1024, 2**63, 2**64 - 1],
    "timestamp_us": [0, 1, -1, 2**63 - 1, -(2**63)],
    "total_length": [0, 1, 100, 2**40, 2**64 - 1],
    "chunk_index": [0, 1, 2, 1000, 2**64 - 1],
    "key_index": [0, 1, -1, 255, 256, 2**31 - 1],
    "ratchet_window_size": [0, 1, 16, -1, 2**31 - 1],
    "failure_tolerance": [0, 1, -1, 2**31 - 1],
    "key_ring_size": [0, 1, 16, 256, 257, 2**31 - 1],
    "join_retries": [0, 1, 3, 2**32 - 1],
    "connect_timeout_ms": [0, 1, 100, 2**32 - 1],
    # Waits the protocol lets a caller choose: kept short (a legitimately long wait is not
    # a hang), but the edges 0 and 1 are tried.
    "response_timeout_ms": [0, 1, 50, 300],
    "max_round_trip_latency_ms": [0, 1, 50, 300],
    "code": [0, 1, 1500, 2000, 2**32 - 1],
    "digit": ["", "1", "#", "*", "12", "x" * 100],
    "url": ["ws://lkemu", "wss://example.invalid", "", "http://x", "ws://", "\x00"],
    "mime_type": ["", "text/plain", "application/octet-stream", "x" * 300],
    "topic": ["", "lk.chat", "lk.transcription", "lk.rpc_request", "fuzz", "x" * 300],
    "method": ["", "ping", "fuzz", "x" * 65, "x" * 64],
    "audio_filter_module_id": ["", "noise_cancellation", "fuzz", "\x00"],
    "audio_filter_options": ["", "{}", "{", '{"a":' * 200, "null", "[]", '{"x": 1e999}'],
}

# Fields naming files or shared libraries: never a device file or an arbitrary library, which
# would test only the operating system (a read of /dev/zero never ends, natively too).
FILE_FIELDS = {"file_path", "plugin_path", "dependencies", "directory"}


def edge_int(field: FieldDescriptor, rng: random.Random) -> int:
    kind = field.type
    if kind in (
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SFIXED32,
    ):
        pool, low, high = INT32_EDGES, -(2**31), 2**31 - 1
    elif kind in (
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SFIXED64,
    ):
        pool, low, high = INT64_EDGES, -(2**63), 2**63 - 1
    elif kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        pool, low, high = UINT32_EDGES, 0, 2**32 - 1
    else:
        pool, low, high = UINT64_EDGES, 0, 2**64 - 1
    roll = rng.random()
    if roll < 0.6:
        return int(rng.choice(pool))
    if roll < 0.85:
        return rng.randint(max(low, -1000), min(high, 100_000))
    return rng.randint(low, high)


def edge_double(rng: random.Random, single: bool = False) -> float:
    if rng.random() < 0.7:
        return float(rng.choice(FLOAT_EDGES if single else DOUBLE_EDGES))
    return rng.uniform(-1e6, 1e6)


def edge_string(rng: random.Random, context: list[str]) -> str:
    """An edge string, or one of `context` (identities, sids, names the world knows)."""
    roll = rng.random()
    if roll < 0.35 and context:
        return rng.choice(context)
    if roll < 0.85:
        return rng.choice(STRING_EDGES)
    if roll < 0.97:
        return "".join(
            chr(rng.choice([rng.randint(32, 126), rng.randint(0, 0x2FFF)]))
            for _ in range(rng.randint(1, 64))
        )
    return "z" * rng.choice([65_536, 262_144, 1_000_000])  # rare: a huge one


def edge_bytes(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(BYTES_EDGES)
    if roll < 0.97:
        return rng.randbytes(rng.randint(1, 20_000))
    return b"\x01" * rng.choice([65_536, 1_000_000, 4_000_000])  # rare: a huge one


class ScratchMemory:
    """A read-write mapping of `size` bytes between two pages without access, and addresses
    that are bad in each way a pointer can be."""

    def __init__(self, size: int = 16 << 20, seed: int = 0) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_long,
        ]
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        private_anonymous = 0x22
        read_write = mmap.PROT_READ | mmap.PROT_WRITE
        self.size = (size + PAGE - 1) // PAGE * PAGE
        total = self.size + 2 * PAGE
        base = libc.mmap(None, total, read_write, private_anonymous, -1, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap failed")
        base = int(base)
        libc.mprotect(base, PAGE, 0)
        libc.mprotect(base + PAGE + self.size, PAGE, 0)
        self.start = base + PAGE
        self.end = self.start + self.size
        self.guard_before, self.guard_after = base, self.end
        # Contents: noise (int16 and float samples of any value, NaN and inf included),
        # refreshed now and then by the generator.
        filler = random.Random(seed).randbytes(1 << 16)
        view = (ctypes.c_char * self.size).from_address(self.start)
        for offset in range(0, self.size, len(filler)):
            chunk = filler[: self.size - offset]
            ctypes.memmove(ctypes.addressof(view) + offset, chunk, len(chunk))
        # "Unmapped": a page kept reserved without access. A page really unmapped does not
        # stay so: a later mapping (pymalloc's arenas, glibc's) can take its address, and
        # the bad pointer then named live memory that in-place results were written into
        # (a drop-in worker crashed so). The kernel refuses both alike (EFAULT).
        self.unmapped = int(libc.mmap(None, PAGE, 0, private_anonymous, -1, 0))

    def good(self, rng: random.Random, size: int, align: int = 1) -> int:
        """An address with `size` readable bytes after it (the end of the mapping if the
        size does not fit: the range then runs into the guard page)."""
        room = max(0, self.size - size)
        offset = rng.randint(0, room) if room and rng.random() < 0.5 else 0
        offset -= offset % align
        return self.start + offset

    def bad(self, rng: random.Random) -> int:
        return int(
            rng.choice(
                [
                    0,
                    0x10,
                    0xFFFF_8000_0000_0000,
                    0x0000_8000_0000_0000,
                    self.unmapped,
                    self.guard_before,
                    self.end - 100,
                    0xFFFF_FFFF_FFFF_FF00,
                    self.start + 1,
                    self.end - 1,
                    2**64 - 1,
                    self.guard_after + PAGE // 2,
                ]
            )
        )

    def refresh(self, rng: random.Random) -> None:
        """New noise in a random stretch (in-place results write into it too)."""
        size = rng.randint(1, 1 << 16)
        offset = rng.randint(0, self.size - size)
        ctypes.memmove(self.start + offset, rng.randbytes(size), size)
