"""`make demo` runs `lkemu demo`: it must exit 0 and find the speech where it is."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_finds_every_spoken_segment() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "demo"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"(\d+) segments found \((\d+) spoken\)", done.stdout)
    assert found and found.group(1) == found.group(2), done.stdout
    rows = re.findall(
        r"([\d.]+) s - +([\d.]+) s +\(spoken +([\d.]+) s - +([\d.]+) s\)", done.stdout
    )
    assert rows
    for begin, end, true_begin, true_end in rows:
        assert abs(float(begin) - float(true_begin)) <= 0.04
        assert abs(float(end) - float(true_end)) <= 0.04
