"""The engine process's malloc settings: one glibc arena for every thread.

glibc gives each thread that allocates while another holds the main arena's lock an arena
of its own (64 MB heaps, up to 8 per core). The engine's loop, gRPC's threads and its
executor then allocate in different arenas, and memory freed in one thread's arena is kept
there: malloc_trim cannot give back pages that the other arenas' few live blocks pin. After
the fuzzer's minute (tools/fuzz, 80,000-100,000 requests, load 11-12) the engine's RSS was
212 MB over its start with 66 MB of blocks in use, 215 MB free inside arenas, most of it in
thread arenas' 14-31 MB mappings; with one arena the same run ended 39 MB over its start
(load 24), its free memory given back by the periodic trim (server.py). The cost is a
shared lock, which the engine's one loop thread rarely contends for.

Only the engine process (`lkemu serve`) does this: the in-process engine of simulated time
runs in the client's process, whose allocator is its own business.
"""

from __future__ import annotations

import contextlib
import ctypes

M_ARENA_MAX = -8  # mallopt's parameter number (glibc malloc.h)


def use_one_malloc_arena() -> bool:
    """Limit glibc to its main arena for threads that allocate from now on (so call it
    before the engine starts threads); whether the allocator took it (False off glibc)."""
    with contextlib.suppress(OSError, AttributeError):
        return bool(ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1))
    return False
