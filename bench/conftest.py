"""Benchmarks run lkemu and the native library side by side in one run.

Each figure the README's "Measured" table quotes is recorded by the benchmark that measures
it, under that row's name, with the `bench_report` fixture (bench/report.py), or taken from
pytest-benchmark's results by DERIVED below (benchmarks this file's owner does not write).
At the end of the run the table is printed, in the README's format, lkemu and native side
by side with their ratios from this run; `--bench-results PATH` also writes it there
(`make bench` writes bench/results.md). tests/test_readme_figures.py checks that every row
of the README's table is one a benchmark reports.

Native code may be loaded in the benchmark process (never in tests/); a native benchmark
skips when livekit cannot be imported.
"""

from __future__ import annotations

import ctypes
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report import BenchReport, RowReporter

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--bench-results",
        default="",
        help="also write the table of README figures to this file (make bench: bench/results.md)",
    )


_REPORT = BenchReport()


@pytest.fixture
def bench_report(request: pytest.FixtureRequest) -> RowReporter:
    """Record a README figure: bench_report(row, "lkemu" | "native", value, unit=..., part=...);
    `row` must be one of the module's README_ROWS."""
    module = request.module
    declared = getattr(module, "README_ROWS", [])
    _DECLARED.setdefault(module.__name__, list(declared))
    return _REPORT.for_module(module.__name__, declared)


_DECLARED: dict[str, list[str]] = {}  # README_ROWS of the modules whose tests ran


def _median_us(bench: Any) -> float | None:
    data = bench.stats.data if bench.stats else None
    return statistics.median(data) * 1e6 if data else None


def _extra(key: str) -> Callable[[Any], float | None]:
    def value(bench: Any) -> float | None:
        found = bench.extra_info.get(key)
        return float(found) if isinstance(found, int | float) else None

    return value


@dataclass
class Derived:
    """A README figure read from a benchmark that does not record it itself."""

    row: str
    side: str
    test: str  # the benchmark's function name
    params: dict[str, Any] = field(default_factory=dict)
    part: int = 0
    unit: str = "us"
    value: Callable[[Any], float | None] = _median_us
    better: str = "lower"


APM_ROW = "APM, all four features, one 10 ms frame at 48 kHz mono: through the bindings / DSP alone"
FAMILY_ROW = "audio filter `{}`, one 10 ms frame at 16 / 48 kHz mono (DSP alone)"
FAMILIES = ["gain", "high_pass", "noise_suppression", "background_voice", "telephony"]
AGENTS_ROW = (
    "livekit-agents 1.8.9: the 30-s three-turn conversation, wall time on simulated time / "
    "the virtual clock / the real clock"
)
WALL = _extra("wall_s")
DERIVED = [
    Derived(APM_ROW, "lkemu", "test_apm_frame_lkemu"),
    Derived(APM_ROW, "lkemu", "test_apm_frame_dsp_lkemu", part=1),
    Derived(APM_ROW, "native", "test_apm_frame_native"),
    *(
        Derived(
            FAMILY_ROW.format(family),
            "lkemu",
            "test_filter_family_frame_lkemu",
            {"family": family, "rate": rate},
            part=part,
        )
        for family in FAMILIES
        for part, rate in enumerate((16000, 48000))
    ),
    *(
        Derived(AGENTS_ROW, "lkemu", "test_conversation", {"clock": clock}, part, "s", WALL)
        for part, clock in enumerate(("simulated", "virtual", "real"))
    ),
]
README_ROWS = list(dict.fromkeys(derived.row for derived in DERIVED))
DERIVED_NOTES = {
    (AGENTS_ROW, "native"): "a native agent runs on the real clock only, against a server",
    **{(FAMILY_ROW.format(f), "native"): "needs LiveKit Cloud" for f in FAMILIES},
}


_derived_upto = 0  # how many of pytest-benchmark's results _derive has looked at


def _derive(config: pytest.Config) -> None:
    global _derived_upto
    session = getattr(config, "_benchmarksession", None)
    if session is None:
        return
    fresh, _derived_upto = session.benchmarks[_derived_upto:], len(session.benchmarks)
    for bench in fresh:
        function = bench.name.split("[")[0]
        for derived in DERIVED:
            if function != derived.test:
                continue
            params = bench.params or {}
            if any(params.get(k) != v for k, v in derived.params.items()):
                continue
            value = derived.value(bench)
            if value is None:
                continue
            _REPORT(derived.row, derived.side, value, unit=derived.unit, part=derived.part,
                    better=derived.better)  # fmt: skip
            note = DERIVED_NOTES.get((derived.row, "native"))
            if note:
                _REPORT.note(derived.row, "native", note)


_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG.append(config)


def pytest_runtest_logfinish(nodeid: str) -> None:
    # Derived rows take their place in the table when their benchmark ran, as others do.
    if _CONFIG:
        _derive(_CONFIG[-1])


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The README's "Measured" table from this run, last, where -q shows it too."""
    _derive(terminalreporter.config)
    lines = _REPORT.lines()
    if not lines:
        return
    terminalreporter.section("README figures (lkemu and native in this run)")
    for line in lines:
        terminalreporter.write_line(line)
    declared = [row for rows in _DECLARED.values() for row in rows]
    missing = [row for row in declared if row not in _REPORT.rows]
    if missing:
        terminalreporter.write_line("Rows declared by a module that ran, without figures here:")
        for row in missing:
            terminalreporter.write_line(f"- {row}")
    target = terminalreporter.config.getoption("--bench-results")
    if target:
        Path(target).write_text("\n".join(lines) + "\n")
        terminalreporter.write_line(f"(written to {target})")
