"""Benchmarks run lkemu and the native library side by side in one run.

Name each benchmark `..._lkemu` or `..._native` and put both in one pytest-benchmark group:
at the end of the run the ratio of their medians is printed per group. Native code may be
loaded in the benchmark process (never in tests/); a native benchmark skips when livekit
cannot be imported.
"""

from __future__ import annotations

import ctypes
import statistics
from collections.abc import Iterator

import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine


@pytest.fixture(scope="session", autouse=True)
def steady_allocator() -> None:
    """Large buffers from the heap, for both sides alike.

    glibc maps each allocation above its mmap threshold (128 KB until a large block is
    freed) fresh from the kernel and unmaps it on free: a 1080p frame then costs ~2k page
    faults each time. Which side pays depends on what ran before in the process: native
    VideoFrame.convert at 1080p measured 9.4 ms run alone and 1.1 ms after lkemu's runs.
    A fixed threshold makes both sides measure the conversion, not the kernel.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 512 * 1024 * 1024)
    libc.mallopt(m_trim_threshold, 1024 * 1024 * 1024)


@pytest.fixture(scope="session")
def bench_engine() -> Iterator[EmbeddedEngine]:
    started = EmbeddedEngine.start(clock="real")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def bench_virtual_engine() -> Iterator[EmbeddedEngine]:
    started = EmbeddedEngine.start(clock="virtual")
    yield started
    started.stop()


@pytest.fixture
def lkemu_client(bench_engine: EmbeddedEngine) -> Iterator[FfiClient]:
    client = FfiClient(address=bench_engine.address)
    yield client
    client.close()


@pytest.fixture(scope="session")
def native_rtc():  # type: ignore[no-untyped-def]
    rtc = pytest.importorskip("livekit.rtc", reason="livekit (native) not installed")
    return rtc


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups: dict[str, dict[str, float]] = {}
    for bench in session.benchmarks:
        name = bench.name.split("[")[0]
        impl = "native" if name.endswith("_native") else "lkemu" if name.endswith("_lkemu") else ""
        if not impl or not bench.stats or not bench.stats.data:
            continue
        key = f"{bench.group or name.rsplit('_', 1)[0]}{(bench.param and f'[{bench.param}]') or ''}"
        groups.setdefault(key, {})[impl] = statistics.median(bench.stats.data)
    rows = [(k, v) for k, v in sorted(groups.items()) if "lkemu" in v]
    if not rows:
        return
    terminalreporter.section("lkemu vs native (median per call)")
    for key, medians in rows:
        lk = medians["lkemu"]
        if "native" in medians:
            ratio = lk / medians["native"]
            terminalreporter.write_line(
                f"{key}: lkemu {lk * 1e6:.1f} us, native {medians['native'] * 1e6:.1f} us, "
                f"lkemu/native = {ratio:.2f}x"
            )
        else:
            terminalreporter.write_line(f"{key}: lkemu {lk * 1e6:.1f} us (native not measured)")
