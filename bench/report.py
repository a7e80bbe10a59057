"""The figures `make bench` prints at its end: one Markdown table, the README's "Measured".

A benchmark records each figure under the README row it belongs to, for one side (lkemu or
native) and one part of the row (a row such as "10 / 100 ms pushes" has two parts):

    bench_report("sox resampler ...", "lkemu", 1.42, unit="ms", part=0)

A module declares the rows it reports in README_ROWS; the fixture refuses any other, the
summary names declared rows a full run left without figures, and tests/test_readme_figures.py
checks that each row of the README's table is declared by some module.

Rows are printed in the order they were first reported (the Makefile runs the files in
the README's order). A part measured on both sides gets its ratio, from this run. A side
can carry a note instead of figures ("needs a LiveKit server"). Figures of benchmarks that
do not record rows themselves are taken from pytest-benchmark's results (DERIVED in
bench/conftest.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

SIDES = ("lkemu", "native")
HEADER = "| what | lkemu | native | lkemu against native (this run) |"
RULE = "| --- | --- | --- | --- |"


@dataclass
class Row:
    name: str
    unit: str = ""
    # "lower" or "higher": which way a figure is good, for the ratio; "difference": a
    # measure rather than a cost, shown as lkemu's figure minus native's
    better: str = "lower"
    figures: dict[str, dict[int, float]] = field(default_factory=lambda: {s: {} for s in SIDES})
    notes: dict[str, str] = field(default_factory=dict)


def number(value: float) -> str:
    """Three significant digits, thousands separated: 9.87, 98.7, 987, 9,870."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio_text(lkemu: float, native: float, better: str) -> str:
    """How lkemu compares with native on one figure: 'lkemu 1.66x slower'."""
    if lkemu <= 0 or native <= 0:
        return "-"
    cost = lkemu / native if better == "lower" else native / lkemu
    if cost >= 1:
        return f"{cost:.2f}x slower"
    return f"{1 / cost:.2f}x faster"


class BenchReport:
    """The rows of one `make bench` run."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.started = time.time()
        self.load_at_start = os.getloadavg()[0]

    def __call__(
        self,
        row: str,
        side: str,
        value: float,
        *,
        unit: str = "",
        part: int = 0,
        better: str = "lower",
    ) -> None:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {side!r}")
        entry = self.rows.setdefault(row, Row(row, unit, better))
        if unit and entry.unit and unit != entry.unit:
            raise ValueError(f"{row!r}: unit {unit!r} where {entry.unit!r} was reported")
        entry.unit = entry.unit or unit
        entry.better = better
        entry.figures[side][part] = float(value)

    def note(self, row: str, side: str, text: str) -> None:
        """Text in place of `side`'s figures (why there are none, what it is instead)."""
        self.rows.setdefault(row, Row(row)).notes[side] = text

    def _cell(self, row: Row, side: str) -> str:
        figures = row.figures[side]
        note = row.notes.get(side, "")
        if not figures:
            return note or "-"
        parts = range(max(figures) + 1)
        text = " / ".join(number(figures[p]) if p in figures else "-" for p in parts)
        text = f"{text} {row.unit}".rstrip()
        return f"{text} ({note})" if note else text

    def _ratio(self, row: Row) -> str:
        lkemu, native = row.figures["lkemu"], row.figures["native"]
        shared = sorted(set(lkemu) & set(native))
        if not shared:
            return "-"
        if row.better == "difference":  # a measure (dB), not a cost: lkemu's minus native's
            return " / ".join(f"{lkemu[p] - native[p]:+.1f}" for p in shared) + f" {row.unit}"
        return " / ".join(ratio_text(lkemu[p], native[p], row.better) for p in shared)

    def for_module(self, name: str, declared: list[str]) -> RowReporter:
        return RowReporter(self, name, declared)

    def lines(self) -> list[str]:
        """The table, and the line that says where and when it was measured."""
        if not self.rows:
            return []
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started))
        minutes = (time.time() - self.started) / 60
        context = (
            f"`make bench` of {stamp}, {minutes:.0f} min, on {os.cpu_count()} cores; load "
            f"average {self.load_at_start:.1f} at its start, {os.getloadavg()[0]:.1f} at its "
            "end (the machine is shared: figures move between runs, ratios less so)."
        )
        table = [HEADER, RULE]
        for row in self.rows.values():
            cells = [row.name, self._cell(row, "lkemu"), self._cell(row, "native")]
            table.append("| " + " | ".join([*cells, self._ratio(row)]) + " |")
        return [context, "", *table]


def median_us(benchmark: object) -> float:
    """A pytest-benchmark fixture's median, in microseconds."""
    return float(benchmark.stats.stats.median) * 1e6  # type: ignore[attr-defined]


class RowReporter:
    """What a benchmark module's tests get as `bench_report`: only its declared rows."""

    def __init__(self, report: BenchReport, module: str, declared: list[str]) -> None:
        self._report = report
        self._module = module
        self._declared = set(declared)

    def _check(self, row: str) -> None:
        if row not in self._declared:
            raise ValueError(f"{self._module} reports {row!r}, which its README_ROWS lacks")

    def __call__(
        self,
        row: str,
        side: str,
        value: float,
        *,
        unit: str = "",
        part: int = 0,
        better: str = "lower",
    ) -> None:
        self._check(row)
        self._report(row, side, value, unit=unit, part=part, better=better)

    def note(self, row: str, side: str, text: str) -> None:
        self._check(row)
        self._report.note(row, side, text)
