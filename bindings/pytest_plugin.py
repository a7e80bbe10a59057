"""pytest plugin for lkemu, registered through the `pytest11` entry point and off by default."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lkemu")
    group.addoption(
        "--lkemu",
        action="store_true",
        default=False,
        help="run livekit.rtc against an lkemu engine instead of the native library",
    )
