"""Put the figures of the last `make bench` into the README: bench/results.md becomes the
"Measured" section's table (with its line saying when and where it ran), and
bench/aec_matrix.md the echo canceller's per-cell table. Run after `make bench`:

    python -m tools.readme_figures

tests/test_readme_figures.py checks that the README's tables have the rows of those files.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "bench" / "results.md"
MATRIX = ROOT / "bench" / "aec_matrix.md"
MATRIX_OPEN, MATRIX_CLOSE = "<!-- bench/aec_matrix.md -->", "<!-- /bench/aec_matrix.md -->"


def with_matrix(readme: str, matrix: str) -> str:
    start = readme.index(MATRIX_OPEN) + len(MATRIX_OPEN)
    end = readme.index(MATRIX_CLOSE)
    return readme[:start] + "\n" + matrix.strip() + "\n" + readme[end:]


def with_results(readme: str, results: str) -> str:
    """The Measured section's run line and table replaced by results.md's (its text before
    them, and after the table, kept)."""
    lines = readme.splitlines()
    start = lines.index("## Measured")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = lines[start:end]
    first = next(i for i, line in enumerate(section) if line.startswith("`make bench` of "))
    table_end = next(
        i
        for i in range(first + 1, len(section) + 1)
        if i == len(section) or (section[i - 1].startswith("|") and not section[i].startswith("|"))
    )
    section[first:table_end] = results.strip().splitlines()
    return "\n".join([*lines[:start], *section, *lines[end:]]) + "\n"


def main() -> int:
    readme = README.read_text()
    if MATRIX.exists():
        readme = with_matrix(readme, MATRIX.read_text())
    if RESULTS.exists():
        readme = with_results(readme, RESULTS.read_text())
    README.write_text(readme)
    print(f"README.md: figures of {RESULTS.name} and {MATRIX.name} put in")
    return 0


if __name__ == "__main__":
    sys.exit(main())
