"""The `lkemu` command: serve an engine, run the demo, inspect an engine."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from lkemu import __version__


def _serve(args: argparse.Namespace) -> int:
    from lkemu.engine.core.allocator import use_one_malloc_arena

    use_one_malloc_arena()  # before the server's threads start (allocator.py says why)
    from lkemu.engine.core.server import AddressError, check_local_address, serve

    try:
        check_local_address(args.address)
    except AddressError as error:
        print(f"lkemu serve: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(name)s: %(message)s")
    try:
        asyncio.run(
            serve(
                args.address,
                clock=args.clock,
                parent_pid=args.parent_pid,
                secret_file=args.secret_file,
            )
        )
    except AddressError as error:
        print(f"lkemu serve: {error}", file=sys.stderr)
        return 2
    return 0


def _demo(args: argparse.Namespace) -> int:
    from lkemu.demo import main as demo_main

    return demo_main()


def _run(args: argparse.Namespace) -> int:
    import subprocess
    from pathlib import Path

    from lkemu.bindings.embedded import ADDRESS_ENV, EmbeddedEngine

    command = list(args.program)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("lkemu run: give a command, e.g. lkemu run -- python app.py", file=sys.stderr)
        return 2
    env = dict(os.environ)
    engine = None
    clock = args.clock or env.get("LKEMU_CLOCK") or "real"
    if clock == "simulated" and not env.get(ADDRESS_ENV):
        # No engine process: each Python process runs an engine on each of its event loops,
        # on simulated time (lkemu.bindings.inprocess): its rooms are its own.
        env["LKEMU_CLOCK"] = "simulated"
    elif not env.get(ADDRESS_ENV):
        # One engine for the program and every Python process it starts: they share rooms.
        engine = EmbeddedEngine.start(clock=clock)
        env.update(engine.environment())
    boot = str(Path(__file__).resolve().parent / "boot")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (boot, env.get("PYTHONPATH", "")) if p)
    env["LKEMU_DROPIN"] = "1"
    try:
        child = subprocess.Popen(command, env=env)
    except FileNotFoundError:
        if engine is not None:
            engine.stop()
        print(f"lkemu run: command not found: {command[0]}", file=sys.stderr)
        return 127

    def forward(signum: int, frame: object) -> None:
        child.send_signal(signum)  # the program decides how to stop; we wait for it

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    try:
        return child.wait()
    finally:
        if engine is not None:
            engine.stop()


def _info(args: argparse.Namespace) -> int:
    from lkemu.engine.core import coverage

    address = args.address or os.environ.get("LKEMU_ADDRESS")
    if not address:
        # No engine named: what this installation's engine answers.
        from lkemu.engine.core import dispatch

        print(f"lkemu {__version__}, FFI protocol of livekit {coverage.PROTOCOL_VERSION}")
        print(coverage.render_text(dispatch.coverage()))
        return 0
    from lkemu.bindings import EngineControl, EngineUnavailable
    from lkemu.bindings.credentials import from_file

    secret = from_file(args.secret_file) if args.secret_file else None
    try:
        control = EngineControl.connect(address, timeout=args.timeout, secret=secret)
        try:
            info = control.info()
            counts = control.count_handles()
        finally:
            control.close()
    except EngineUnavailable as error:
        print(f"lkemu info: {error}", file=sys.stderr)
        return 1
    print(f"engine {info.engine_version} (protocol of livekit {info.protocol_version}), "
          f"clock {info.clock}, pid {info.pid}, {info.sessions} session(s)")  # fmt: skip
    print(f"live handles: {counts.total} {dict(counts.by_type)}")
    print(coverage.render_text(coverage.rows_from_info(info)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lkemu", description="LiveKit FFI emulator")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run an engine (prints the address it bound)")
    serve.add_argument(
        "--address", default="127.0.0.1:0", help="HOST:PORT on loopback, or unix:PATH"
    )
    serve.add_argument("--clock", choices=("real", "virtual"), default="real")
    serve.add_argument(
        "--secret-file",
        default=None,
        help="where to write the engine's secret (0600; default: next to a Unix socket, "
        "or in the user's runtime directory); clients read it through LKEMU_SECRET_FILE",
    )
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="the main job, on an embedded engine")
    demo.set_defaults(run=_demo)

    run = commands.add_parser(
        "run", help="run a program with livekit.rtc on lkemu: lkemu run -- python app.py"
    )
    run.add_argument(
        "--clock",
        choices=("real", "virtual", "simulated"),
        default=None,
        help="the engine's clock (default: LKEMU_CLOCK or real); simulated: no engine "
        "process, an engine on each of the program's event loops, time jumping when all wait",
    )
    run.add_argument("program", nargs=argparse.REMAINDER)
    run.set_defaults(run=_run)

    info = commands.add_parser(
        "info", help="request kinds answered (of an engine, with --address or LKEMU_ADDRESS)"
    )
    info.add_argument("--address", default=None)
    info.add_argument(
        "--secret-file", default=None, help="the engine's secret (default: where it writes it)"
    )
    info.add_argument("--timeout", type=float, default=5.0, help=argparse.SUPPRESS)
    info.set_defaults(run=_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
