"""Under --lkemu, the session fails if the native library was ever mapped in this process."""

from __future__ import annotations

import pytest


def _native_mapped() -> bool:
    try:
        with open("/proc/self/maps") as maps:
            return any("liblivekit_ffi" in line for line in maps)
    except OSError:
        return False


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--lkemu", default=False) and _native_mapped():
        print("\nFAIL: liblivekit_ffi was loaded in a --lkemu session")
        session.exitstatus = 1
