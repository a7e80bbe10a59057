"""pytest plugin: `pytest --lkemu` runs livekit.rtc on an lkemu engine for the whole session.

Registered through the `pytest11` entry point and off unless `--lkemu` is given. One engine
per test session, or per xdist worker; LKEMU_ADDRESS, if set, names an engine to use
instead. Fixtures give tests the engine's address and its control service; where
livekit-agents (and pytest-asyncio) are installed, also the voice agent fixtures of
lkemu.bindings.agent_fixtures (`agent_room`, `agent`, `agent_script`).

Child processes share the engine, as `lkemu run`'s do: the session's environment gets what
`lkemu run` gives its program (the engine's address and secret, LKEMU_DROPIN=1, the boot
folder first on PYTHONPATH, whose sitecustomize installs the drop-in at interpreter start),
so a Python process a test starts (subprocess, multiprocessing spawn or forkserver,
livekit-agents' job process pool) runs livekit.rtc on the same engine and meets the test's
rooms; it is restored when the session ends. On simulated time the engine lives in each
test's event loop and no other process can reach it: children are left as they are.

A suite written against a real server can name the fixture that starts one
(`--lkemu-server-fixture NAME`, or the `lkemu_server_fixtures` ini list): under `--lkemu`
that fixture is not run (its value is the engine's address), since the engine answers every
URL as the server would.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import lkemu

from .control import EngineControl
from .embedded import ADDRESS_ENV, CLOCK_ENV, EmbeddedEngine

_engine_key = pytest.StashKey[EmbeddedEngine | None]()
_saved_environment_key = pytest.StashKey[dict[str, str | None]]()
AGENT_FIXTURES = "lkemu-agents"  # the plugin name of lkemu.bindings.agent_fixtures
IN_PROCESS = "in-process"  # lkemu_address on simulated time: the engine is in each test's loop
DROPIN_ENV = "LKEMU_DROPIN"
# The folder whose sitecustomize.py installs the drop-in in every Python process started
# with it first on PYTHONPATH and LKEMU_DROPIN=1 (as `lkemu run` starts its program).
BOOT_FOLDER = str(Path(lkemu.__file__).resolve().parent / "boot")
SERVER_FIXTURES_INI = "lkemu_server_fixtures"


def child_environment(engine: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
    """The variables to set so that Python processes started with `environ` (updated by
    them) use the drop-in on the engine `engine` names: `lkemu run`'s environment."""
    path = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != BOOT_FOLDER]
    return {**engine, DROPIN_ENV: "1", "PYTHONPATH": os.pathsep.join([BOOT_FOLDER, *path])}


def _export_to_children(config: pytest.Config, engine: dict[str, str]) -> None:
    """Set the children's environment in os.environ, remembering what it replaced."""
    variables = child_environment(engine, dict(os.environ))
    config.stash[_saved_environment_key] = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)


def _restore_environment(config: pytest.Config) -> None:
    for name, value in config.stash.get(_saved_environment_key, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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
    group.addoption(
        "--lkemu-server-fixture",
        action="append",
        default=[],
        metavar="NAME",
        help="a fixture that starts a LiveKit server: under --lkemu it is not run (the engine "
        "plays the server); repeatable, added to the lkemu_server_fixtures ini list",
    )
    parser.addini(
        SERVER_FIXTURES_INI,
        type="args",
        default=[],
        help="fixtures that start a LiveKit server, not run under --lkemu",
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
    config.stash[_engine_key] = engine
    # Processes started by tests reach the same engine, hence the same rooms. With a
    # configured engine its address (and LKEMU_SECRET or LKEMU_SECRET_FILE, if given) are
    # inherited as they are.
    _export_to_children(config, engine.environment() if engine is not None else {})

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
    _restore_environment(config)


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


def _server_fixtures(config: pytest.Config) -> set[str]:
    names: list[str] = [
        *config.getini(SERVER_FIXTURES_INI),
        *config.getoption("--lkemu-server-fixture"),
    ]
    return set(names)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> object:
    """Under --lkemu, a fixture named as starting a LiveKit server is not run."""
    if not request.config.getoption("--lkemu") or fixturedef.argname not in _server_fixtures(
        request.config
    ):
        return None
    value = os.environ.get(ADDRESS_ENV) or IN_PROCESS
    # Cached as pytest caches a fixture's value, so the fixture is "set up" once per scope.
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)  # type: ignore[arg-type]
    return value


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
