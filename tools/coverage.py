"""Write engine/COVERAGE.md: every request kind of the protocol and lkemu's status for it.

python tools/coverage.py            # rewrite it
python tools/coverage.py --check    # fail if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lkemu.engine.core import dispatch
from lkemu.engine.core.coverage import render_markdown

COVERAGE_FILE = Path(__file__).resolve().parent.parent / "engine" / "COVERAGE.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    text = render_markdown(dispatch.coverage())
    if args.check:
        if not COVERAGE_FILE.exists() or COVERAGE_FILE.read_text() != text:
            print(f"{COVERAGE_FILE.name} is stale: run `make coverage`")
            return 1
        print(f"{COVERAGE_FILE.name} is current")
        return 0
    COVERAGE_FILE.write_text(text)
    print(f"wrote {COVERAGE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
