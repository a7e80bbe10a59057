"""What an engine uses: a process's CPU seconds (/proc), and the engine's heap per stream or
per room participant (bench/engine_heap.py, in a process of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HEAP_SCRIPT = Path(__file__).resolve().parent / "engine_heap.py"


def engine_cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_heap(kind: str, size: int) -> dict[str, Any]:
    """bench/engine_heap.py's figures for `size` streams or room participants."""
    done = subprocess.run(
        [sys.executable, str(HEAP_SCRIPT), kind, str(size)],
        capture_output=True, text=True, timeout=600, cwd=HEAP_SCRIPT.parents[1],
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"engine_heap.py {kind} {size} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
