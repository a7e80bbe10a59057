"""Activates the lkemu drop-in in every Python process started by `lkemu run`."""

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


if os.environ.get("LKEMU_DROPIN") == "1":
    try:
        import lkemu

        lkemu.install()
    except Exception as error:  # never break the program being run
        print(f"lkemu: drop-in not active: {error}", file=sys.stderr)
_chain_next_sitecustomize()
