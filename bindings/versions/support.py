"""Which `livekit` SDK versions the drop-in speaks, and which one is installed.

The range runs from the oldest livekit that livekit-agents pins (1.0.23) to the version of
lkemu's own protocol (engine/core/spec.py). Versions in between are translated
(lkemu.bindings.versions.adapter); `TESTED` are the ones `make test` runs the SDK suite on.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from lkemu.engine.core.spec import PROTOCOL_VERSION

OLDEST = "1.0.23"
NEWEST = PROTOCOL_VERSION
# The SDK suite (tests/sdk) runs on each of these under --lkemu in `make test`; the Makefile's
# SDK_VERSIONS must list the same (tests/versions/test_matrix.py checks it).
TESTED = ("1.0.25", "1.1.14", "1.1.21", "1.2.1")
# Versions pinned by livekit-agents releases (1.8.9 pins 1.1.21).
PINNED_BY_AGENTS = (
    "1.0.23", "1.0.25", "1.1.2", "1.1.5", "1.1.8", "1.1.13", "1.1.14", "1.1.15", "1.1.17",
    "1.1.20", "1.1.21",
)  # fmt: skip


class UnsupportedSdkVersion(RuntimeError):
    pass


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string ("1.1.21" -> (1, 1, 21)); () if none."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def _padded(parts: tuple[int, ...]) -> tuple[int, ...]:
    return parts + (0,) * (3 - len(parts))


def is_supported(version: str) -> bool:
    parts = release(version)
    if not parts or re.search(r"(a|b|rc|dev)\d*$", version.strip()):
        return False  # pre-releases: their protocol is not final
    return _padded(release(OLDEST)) <= _padded(parts) <= _padded(release(NEWEST))


def check_supported(version: str | None) -> str:
    """`version` if the drop-in speaks it; UnsupportedSdkVersion naming the range if not."""
    if version is None:
        raise UnsupportedSdkVersion(
            f"lkemu supports livekit {OLDEST} to {NEWEST}; the installed livekit's version "
            "could not be read"
        )
    if not is_supported(version):
        raise UnsupportedSdkVersion(
            f"lkemu supports livekit {OLDEST} to {NEWEST}; this is livekit {version}"
        )
    return version


def installed_sdk_version() -> str | None:
    """The version of the importable `livekit.rtc`, read without importing it (importing it
    may load the native library), or None if there is none."""
    loaded = sys.modules.get("livekit.rtc.version")
    if loaded is not None:
        return str(loaded.__version__)
    try:
        spec = importlib.util.find_spec("livekit")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "rtc" / "version.py"
        if path.is_file():
            found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", path.read_text())
            if found:
                return found.group(1)
    return None
