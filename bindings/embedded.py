"""The embedded default: with LKEMU_ADDRESS unset, a private engine subprocess.

It is spawned on first use, waited for until healthy, watched (it exits by itself when this
process is gone) and stopped at exit. Its socket is in a fresh 0700 folder; the secret it
makes is read from the file it names on its ready line and remembered for this process's
clients (lkemu.bindings.credentials), and `environment()` hands both address and secret to
the programs a client starts.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lkemu.engine.wire.secret import SECRET_ENV, read_secret

from . import credentials
from .connection import EngineUnavailable

ADDRESS_ENV = credentials.ADDRESS_ENV
CLOCK_ENV = "LKEMU_CLOCK"
START_TIMEOUT_S = 60.0  # a cold start (first .pyc compiles) on a busy 2-core machine took over 30 s
_READY = re.compile(r"serving on (\S+)")
_SECRET_FILE = re.compile(r"secret in (.+)$")


class EmbeddedEngine:
    def __init__(
        self, process: subprocess.Popen[str], address: str, folder: str, secret: str
    ) -> None:
        self.process = process
        self.address = address
        self.secret = secret
        self._folder = folder
        credentials.remember(address, secret)

    def environment(self) -> dict[str, str]:
        """What a program started from here needs to reach this engine."""
        return {ADDRESS_ENV: self.address, SECRET_ENV: self.secret}

    @classmethod
    def start(cls, clock: str | None = None) -> EmbeddedEngine:
        clock = clock or os.environ.get(CLOCK_ENV, "real")
        folder = tempfile.mkdtemp(prefix="lkemu-")
        command = [
            sys.executable, "-m", "lkemu", "serve",
            "--address", f"unix:{folder}/engine.sock",
            "--clock", clock,
            "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        address = ""
        try:
            address, secret_file = cls._wait_ready(process)
            engine = cls(process, address, folder, read_secret(secret_file))
            engine._wait_healthy()
        except BaseException:
            credentials.forget(address)
            process.kill()
            process.wait()
            shutil.rmtree(folder, ignore_errors=True)  # no empty lkemu-* folder left behind
            raise
        return engine

    def alive(self) -> bool:
        return self.process.poll() is None

    @staticmethod
    def _wait_ready(process: subprocess.Popen[str]) -> tuple[str, str]:
        """The address the engine serves on and the path of its secret file."""
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                line = process.stdout.readline()
                match = _READY.search(line)
                secret_file = _SECRET_FILE.search(line.rstrip("\n"))
                if match and secret_file:
                    return match.group(1), secret_file.group(1)
                if not line and process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
        process.kill()
        raise EngineUnavailable(
            f"the embedded lkemu engine did not start (exit code {process.poll()}); "
            "run `python -m lkemu serve` to see why"
        )

    def _wait_healthy(self) -> None:
        with grpc.insecure_channel(self.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    status = stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise EngineUnavailable(
                        f"the embedded lkemu engine at {self.address} is not healthy"
                    )
                time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        credentials.forget(self.address)
        shutil.rmtree(self._folder, ignore_errors=True)


_lock = threading.Lock()
_embedded: EmbeddedEngine | None = None
_embedded_pid = 0


def default_address() -> str:
    """LKEMU_ADDRESS if set, else the address of this process's embedded engine."""
    configured = os.environ.get(ADDRESS_ENV, "").strip()
    if configured:
        return configured
    global _embedded, _embedded_pid
    with _lock:
        if _embedded is not None and _embedded_pid == os.getpid() and not _embedded.alive():
            _embedded.stop()  # it died (killed, crashed): the next client gets a fresh one
            _embedded = None
        if _embedded is None or _embedded_pid != os.getpid():
            _embedded = EmbeddedEngine.start()
            _embedded_pid = os.getpid()
            atexit.register(_embedded.stop)
        return _embedded.address


def embedded_engine() -> EmbeddedEngine | None:
    return _embedded if _embedded_pid == os.getpid() else None
