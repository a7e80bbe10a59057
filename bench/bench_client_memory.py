"""Reading the caller's memory behind a *_ptr field: 480 samples (960 B), 64 KB and a 1080p
RGBA frame (8 MB).

- `string_at`: the unchecked ctypes copy the bindings used before (a bad pointer crashes);
- `copy_checked[<strategy>]`: lkemu.bindings.safe_memory.read_bytes, what travels to the
  engine, with the kernel's check (madvise MADV_POPULATE_READ, then the copy) or the
  process_vm_readv copy;
- `view_unchecked` / `view_checked[<strategy>]`: the local lane's read, in place (no copy)
  where the strategy allows it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

import numpy as np
import pytest

from lkemu.bindings import safe_memory

SIZES = {"960B": 960, "64KB": 64 * 1024, "8MB": 1920 * 1080 * 4}
STRATEGIES = ["madvise", "process_vm"]


@pytest.fixture(params=list(SIZES), scope="module")
def buffer(request: pytest.FixtureRequest) -> np.ndarray:
    size = SIZES[request.param]
    return np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> Iterator[str]:
    with safe_memory.using(request.param):
        yield request.param


def _group(buffer: np.ndarray) -> str:
    return f"client memory read, {buffer.nbytes} bytes"


def test_string_at(benchmark, buffer: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(buffer)
    address, size = buffer.ctypes.data, buffer.nbytes
    assert benchmark(ctypes.string_at, address, size) == buffer.tobytes()


def test_copy_checked(benchmark, buffer: np.ndarray, strategy: str) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(buffer)
    address, size = buffer.ctypes.data, buffer.nbytes
    assert benchmark(safe_memory.read_bytes, address, size) == buffer.tobytes()


def test_view_unchecked(benchmark, buffer: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(buffer)
    address, size = buffer.ctypes.data, buffer.nbytes

    def view() -> memoryview:
        return memoryview((ctypes.c_char * size).from_address(address)).cast("B").toreadonly()

    assert len(benchmark(view)) == size


def test_view_checked(benchmark, buffer: np.ndarray, strategy: str) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = _group(buffer)
    address, size = buffer.ctypes.data, buffer.nbytes
    assert len(benchmark(safe_memory.read, address, size)) == size
