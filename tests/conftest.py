"""Shared fixtures: one engine per test session, a fresh client per test."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture
def virtual_client(virtual_engine: EmbeddedEngine) -> Iterator[FfiClient]:
    made = FfiClient(address=virtual_engine.address)
    yield made
    made.close()
