"""Shared fixtures: one engine per test session, a fresh client per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.embedded import EmbeddedEngine


@pytest.fixture(scope="session")
def engine() -> Iterator[EmbeddedEngine]:
    started = EmbeddedEngine.start(clock="real")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def virtual_engine() -> Iterator[EmbeddedEngine]:
    started = EmbeddedEngine.start(clock="virtual")
    yield started
    started.stop()


@pytest.fixture
def client(engine: EmbeddedEngine) -> Iterator[FfiClient]:
    """A client with its own session: whatever a test leaves behind is released after it."""
    made = FfiClient(address=engine.address)
    yield made
    made.close()


@pytest.fixture(params=["local", "engine"])
def lane_client(request: pytest.FixtureRequest, engine: EmbeddedEngine) -> Iterator[FfiClient]:
    """A client that runs process-local requests (resamplers, APM, video_convert) in its own
    process, or one that sends them to the engine: both must answer alike."""
    made = FfiClient(address=engine.address, local_lane=request.param == "local")
    yield made
    made.close()


@pytest.fixture
def engine_client(engine: EmbeddedEngine) -> Iterator[FfiClient]:
    """A client that sends every request to the engine, across the process boundary."""
    made = FfiClient(address=engine.address, local_lane=False)
    yield made
    made.close()


@pytest.fixture
def virtual_client(virtual_engine: EmbeddedEngine) -> Iterator[FfiClient]:
    made = FfiClient(address=virtual_engine.address)
    yield made
    made.close()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # tests/sdk is the SDK-level parity suite: it loads livekit.rtc (natively or on lkemu)
    # and so runs in its own pytest processes, started by tests/test_dropin.py.
    import os

    if collection_path.name == "sdk" and not os.environ.get("LKEMU_SDK_SUITE"):
        return True
    return None
