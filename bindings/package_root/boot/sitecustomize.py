"""Activates the lkemu drop-in in every Python process started by `lkemu run` or by a test
under `pytest --lkemu`: both put this folder first on PYTHONPATH and set LKEMU_DROPIN=1 with
the engine's address and secret, so children (subprocesses, multiprocessing spawn and
forkserver processes, livekit-agents' job processes) run livekit.rtc on the same engine.

A process without livekit (another tool the program starts) is left alone, silently; one
where the drop-in cannot be installed says why on stderr and goes on natively.
"""

import importlib.util
import os
import sys


def _chain_next_sitecustomize() -> None:
    # Ours shadows any sitecustomize further on the path: run that one too.
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            with open(candidate) as source:
                exec(compile(source.read(), candidate, "exec"), {"__name__": "sitecustomize"})
            return


def _has_livekit_rtc() -> bool:
    try:
        return importlib.util.find_spec("livekit.rtc") is not None
    except (ImportError, ValueError):  # no livekit package at all
        return False


if os.environ.get("LKEMU_DROPIN") == "1" and _has_livekit_rtc():
    try:
        import lkemu

        lkemu.install()
    except Exception as error:  # never break the program being run
        print(f"lkemu: drop-in not active: {error}", file=sys.stderr)
_chain_next_sitecustomize()
