"""Run a scenario on the native library (livekit 1.2.1) in a fresh interpreter.

Native code never runs inside the test process: the drop-in backend must be able to check
that `liblivekit_ffi` was never loaded there, and a native crash must not take pytest down.
A scenario is Python source that reads `inputs` (a dict of NumPy arrays) and fills
`outputs` (a dict of NumPy arrays or numbers); both cross the process boundary as .npz.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import ArrayLike

_WRAPPER = """
import sys, numpy as np
with np.load(sys.argv[1], allow_pickle=False) as data:
    inputs = {key: data[key] for key in data.files}
outputs = {}
exec(compile(open(sys.argv[2]).read(), "<native scenario>", "exec"))
np.savez(sys.argv[3], **{key: np.asarray(value) for key, value in outputs.items()})
"""


@functools.cache
def native_unavailable_reason() -> str | None:
    """Why the native library cannot run here, or None when it can."""
    probe = (
        "from livekit.rtc._ffi_client import FfiClient\n"
        "from livekit.rtc.version import __version__\n"
        "FfiClient.instance\n"
        "print(__version__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"native livekit is not usable here: {last}"
    if done.stdout.strip() != "1.2.1":
        return f"parity needs livekit 1.2.1, found {done.stdout.strip()}"
    return None


def require_native() -> None:
    reason = native_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)


def run_native(
    scenario: str, timeout: float = 120.0, /, **inputs: ArrayLike
) -> dict[str, np.ndarray]:
    """Run `scenario` against the native library; skips the test if it is unavailable.

    Every keyword is an input array (scenario and timeout are positional only).
    """
    require_native()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        arrays = {key: np.asarray(value) for key, value in inputs.items()}
        # mypy matches **arrays against savez's keyword allow_pickle too: the keys are names.
        np.savez(folder / "in.npz", **arrays)  # type: ignore[arg-type]
        (folder / "scenario.py").write_text(textwrap.dedent(scenario))
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _WRAPPER,
                str(folder / "in.npz"),
                str(folder / "scenario.py"),
                str(folder / "out.npz"),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"native scenario failed:\n{done.stderr}")
        with np.load(folder / "out.npz", allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
