"""pytest plugin: `pytest --lkemu` runs livekit.rtc on an lkemu engine for the whole session.

Registered through the `pytest11` entry point and off unless `--lkemu` is given. One engine
per test session, or per xdist worker; LKEMU_ADDRESS, if set, names an engine to use
instead. Fixtures give tests the engine's address and its control service; where
livekit-agents (and pytest-asyncio) are installed, also the voice agent fixtures of
lkemu.bindings.agent_fixtures (`agent_room`, `agent`, `agent_script`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

from .control import EngineControl
from .embedded import ADDRESS_ENV, CLOCK_ENV, EmbeddedEngine

_engine_key = pytest.StashKey[EmbeddedEngine | None]()
AGENT_FIXTURES = "lkemu-agents"  # the plugin name of lkemu.bindings.agent_fixtures
IN_PROCESS = "in-process"  # lkemu_address on simulated time: the engine is in each test's loop


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lkemu")
    group.addoption(
        "--lkemu",
        action="store_true",
        default=False,
        help="run livekit.rtc against an lkemu engine instead of the native library",
    )
    group.addoption(
        "--lkemu-clock",
        choices=("real", "virtual", "simulated"),
        default=None,
        help="clock of the engine --lkemu starts (default: LKEMU_CLOCK or real); simulated: "
        "the engine runs on each test's event loop, whose time jumps ahead when all wait",
    )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # its parent package is missing
        return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lkemu_only: needs the lkemu engine (skipped natively)")
    if (
        _installed("livekit.agents")
        and _installed("pytest_asyncio")
        and not config.pluginmanager.has_plugin(AGENT_FIXTURES)
    ):
        # imports neither livekit.agents nor livekit.rtc (its fixtures do, after install())
        from . import agent_fixtures

        config.pluginmanager.register(agent_fixtures, AGENT_FIXTURES)
    if not config.getoption("--lkemu"):
        return
    engine = None
    configured = os.environ.get(ADDRESS_ENV)
    if configured:
        # A wrong LKEMU_ADDRESS fails the session once, at once, not every test.
        from .control import nothing_listens

        reason = nothing_listens(configured)
        if reason is not None:
            raise pytest.UsageError(f"{ADDRESS_ENV}={configured}: no lkemu engine there ({reason})")
    clock = config.getoption("--lkemu-clock") or os.environ.get(CLOCK_ENV) or "real"
    if clock == "simulated" and not configured:
        # No engine process: each test's loop runs its own engine (lkemu.bindings.inprocess)
        # on simulated time (lkemu.bindings.simulated_time).
        from .simulated_time import use_simulated_time

        os.environ[CLOCK_ENV] = clock
        use_simulated_time()
        config.stash[_engine_key] = None
        from lkemu.bindings.dropin import install

        install()
        return
    if not configured:
        engine = EmbeddedEngine.start(clock=clock)
        # Subprocesses started by tests reach the same engine, hence the same rooms.
        os.environ[ADDRESS_ENV] = engine.address
    config.stash[_engine_key] = engine

    from lkemu.bindings.dropin import install

    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    engine = config.stash.get(_engine_key, None)
    if engine is not None:
        from lkemu.bindings.dropin import installed_library

        library = installed_library()
        if library is not None:
            library.livekit_ffi_dispose()
        engine.stop()
        os.environ.pop(ADDRESS_ENV, None)


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("--lkemu"):
        if os.environ.get(ADDRESS_ENV):
            return f"lkemu: livekit.rtc runs on the engine at {os.environ.get(ADDRESS_ENV)}"
        return "lkemu: livekit.rtc runs on an engine in each test's event loop, on simulated time"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--lkemu"):
        return
    skip = pytest.mark.skip(reason="needs lkemu (run with --lkemu)")
    for item in items:
        if "lkemu_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lkemu_address(pytestconfig: pytest.Config) -> str:
    """The address of the engine livekit.rtc runs on (skips without --lkemu)."""
    if not pytestconfig.getoption("--lkemu"):
        pytest.skip("needs lkemu (run with --lkemu)")
    return os.environ.get(ADDRESS_ENV) or IN_PROCESS


@pytest.fixture
def lkemu_control(lkemu_address: str) -> Iterator[EngineControl]:
    """The engine's control service: info, live handle counts, the rooms (list, inject a
    participant, remove one, close a room, connection faults) and request faults."""
    if lkemu_address == IN_PROCESS:
        pytest.skip("the control service needs a served engine, not simulated time's")
    control = EngineControl.connect(lkemu_address)
    yield control
    control.close()
