"""The README's "Measured" table and `make bench` cannot drift apart.

`make bench` prints one table (bench/report.py) and writes it to bench/results.md; the
README's table is that file's content. Each benchmark module declares the rows it reports
(README_ROWS; its `bench_report` fixture refuses any other), and bench/conftest.py those
it reads off other benchmarks' results. Here: every row of the README's table is declared
by some benchmark, under the same name, and the table has bench/results.md's rows.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def declared_rows() -> dict[str, str]:
    """Every row a benchmark reports: its name -> the file that declares it."""
    sys.path.insert(0, str(BENCH))  # the benchmarks import their helpers (report, ...)
    try:
        found: dict[str, str] = {}
        modules = [(p, f"readme_figures_{p.stem}") for p in sorted(BENCH.glob("bench_*.py"))]
        for path, name in [*modules, (BENCH / "conftest.py", "readme_figures_conftest")]:
            for row in getattr(_import(path, name), "README_ROWS", []):
                assert row not in found, f"{row!r} declared by {found[row]} and {path.name}"
                found[row] = path.name
        return found
    finally:
        sys.path.remove(str(BENCH))


def _table(lines: list[str], header: str) -> list[str]:
    """The rows of the Markdown table that starts with `header` (header and rule left out)."""
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def _measured_section() -> list[str]:
    text = (ROOT / "README.md").read_text().splitlines()
    start = text.index("## Measured")
    end = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    return text[start:end]


def _report_header() -> str:
    sys.path.insert(0, str(BENCH))
    try:
        return str(_import(BENCH / "report.py", "readme_figures_report").HEADER)
    finally:
        sys.path.remove(str(BENCH))


def test_every_readme_row_is_reported_by_a_benchmark(declared_rows: dict[str, str]) -> None:
    rows = _table(_measured_section(), _report_header())
    assert rows, "the README's Measured section has no table in make bench's format"
    unknown = [name for name in _names(rows) if name not in declared_rows]
    assert not unknown, f"README rows no benchmark reports: {unknown}"


def _names(rows: list[str]) -> list[str]:
    return [row.split(" | ")[0].removeprefix("| ") for row in rows]


def test_the_readme_table_has_the_rows_of_bench_results() -> None:
    """Row for row, in order. (The figures are those of the run the README names; a later
    `make bench` rewrites bench/results.md with its own, which must not fail the tests.)"""
    results = BENCH / "results.md"
    if not results.exists():
        pytest.skip("no bench/results.md (make bench writes it)")
    header = _report_header()
    readme = _table(_measured_section(), header)
    assert _names(readme) == _names(_table(results.read_text().splitlines(), header))


def test_the_readme_has_every_cell_of_the_echo_matrix() -> None:
    """The per-cell table between the README's markers has bench/aec_matrix.md's cells (the
    figures are the named run's, as above), and every cell of the matrix."""
    sys.path.insert(0, str(ROOT))
    try:
        from tools.readme_figures import MATRIX, MATRIX_CLOSE, MATRIX_OPEN
    finally:
        sys.path.remove(str(ROOT))
    from lkemu.engine.dsp import echo_scenes

    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(MATRIX_OPEN) : readme.index(MATRIX_CLOSE)]
    scenes = [line.split(" | ")[:4] for line in block.splitlines() if line.startswith("| ")][2:]
    expected = [
        ["| " + c.far_end, c.room, f"{c.gain:g}", f"{c.delay_ms} ms"]
        for c in echo_scenes.matrix()
        if not c.stated
    ]
    assert scenes == expected, (
        "README's per-cell echo table lacks cells (python -m tools.readme_figures)"
    )
    if MATRIX.exists():
        made = [line.split(" | ")[:4] for line in MATRIX.read_text().splitlines()[2:]]
        assert made == expected
