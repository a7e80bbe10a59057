"""Isolation between the clients of one engine (issue #16, item 1).

Loopback TCP and Unix sockets are open to every local process. An engine serves only those
that show its secret (every gRPC service but health, and the fast lane's hello), and a
session is its client's alone: its id is random and every call on it shows its token.
These run against real `lkemu serve` processes, and the embedded engine of the test session.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import symbol_database
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lkemu.bindings import EngineControl, EngineRefused, FfiClient
from lkemu.bindings.connection import EngineConnection
from lkemu.bindings.credentials import FoundSecret, Metadata, find_secret
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.engine.wire import shared_blobs
from lkemu.engine.wire.framing import (
    CALL,
    ERROR,
    HEADER,
    HELLO,
    SESSION_ID,
    frame,
    hello,
    read_frame_blocking,
)
from lkemu.engine.wire.limits import GRPC_OPTIONS
from lkemu.engine.wire.secret import METADATA_KEY, SECRET_ENV, SECRET_FILE_ENV
from lkemu.proto import engine_pb2, engine_pb2_grpc, ffi_pb2, video_frame_pb2

NO_SECRET = FoundSecret("", "nowhere (this test)")
WRONG_SECRET = FoundSecret("0" * 64, "this test")
_READY = re.compile(r"serving on (\S+) .*secret in (.+)$")


class Served:
    """An `lkemu serve` subprocess: its address and the secret file it printed."""

    def __init__(self, address: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lkemu", "serve", "--address", address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().rstrip("\n")
        match = _READY.search(line)
        if match is None:
            self.stop()
            pytest.fail(f"lkemu serve did not start: {line!r}")
        self.address, self.secret_file = match.group(1), match.group(2)
        self.secret = FoundSecret(Path(self.secret_file).read_text().strip(), "its file")

    def stop(self) -> str:
        """Stop it; what it wrote to stderr."""
        self.process.terminate()
        _, errors = self.process.communicate(timeout=20)
        return errors


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    runtime = tmp_path_factory.mktemp("runtime")  # the engine's runtime directory, and ours
    engine = Served("127.0.0.1:0", env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))
    yield engine
    engine.stop()


def _methods() -> Iterator[tuple[str, str, bool]]:
    """Every method of lkemu's two services: (path, request type, server-streaming)."""
    for service in engine_pb2.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            yield (
                f"/{service.full_name}/{method.name}",
                method.input_type.full_name,
                method.server_streaming,
            )


def _raw_call(
    channel: grpc.Channel, path: str, request_type: str, streaming: bool, metadata: Metadata
) -> None:
    """Call `path` with an empty request; the answer's bytes are not decoded."""
    request = symbol_database.Default().GetSymbol(request_type)()
    if streaming:
        stream = channel.unary_stream(path, request.SerializeToString, None)
        for _ in stream(request, metadata=metadata, timeout=10):
            pass
    else:
        channel.unary_unary(path, request.SerializeToString, None)(
            request, metadata=metadata, timeout=10
        )


@pytest.mark.parametrize("given", ["none", "wrong"])
def test_every_call_without_the_secret_is_refused_at_once(served: Served, given: str) -> None:
    metadata: Metadata = () if given == "none" else ((METADATA_KEY, WRONG_SECRET.value),)
    expected = "carries no secret" if given == "none" else "wrong secret"
    methods = list(_methods())
    assert len(methods) >= 20  # both services, every method
    with grpc.insecure_channel(served.address, options=GRPC_OPTIONS) as channel:
        for path, request_type, streaming in methods:
            with pytest.raises(grpc.RpcError) as refused:
                _raw_call(channel, path, request_type, streaming, metadata)
            error = refused.value
            assert isinstance(error, grpc.Call)
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED, path
            assert expected in str(error.details()) and SECRET_ENV in str(error.details())
        # Readiness probes need no secret.
        health = health_pb2_grpc.HealthStub(channel)
        status = health.Check(health_pb2.HealthCheckRequest(), timeout=10).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    # Nothing the refused calls asked for happened.
    control = EngineControl.connect(served.address, secret=served.secret)
    try:
        assert control.info().sessions == 0
        assert control.list_rooms() == []
    finally:
        control.close()


def test_a_client_without_the_secret_gets_a_clear_refusal_not_a_wait(served: Served) -> None:
    # A timeout long enough that a wait would end in "no lkemu engine answered" instead.
    for secret, reason in ((NO_SECRET, "carries no secret"), (WRONG_SECRET, "wrong secret")):
        with pytest.raises(EngineRefused, match=reason) as refused:
            EngineControl.connect(served.address, timeout=60, secret=secret)
        assert secret.source in str(refused.value)  # where this client looked
        with pytest.raises(EngineRefused, match=reason):
            EngineConnection.connect(served.address, timeout=60, secret=secret)


def test_lkemu_info_finds_the_secret_and_refuses_without_it(served: Served, tmp_path: Path) -> None:
    runtime = str(Path(served.secret_file).parent.parent)  # XDG_RUNTIME_DIR/lkemu/...
    env = {k: v for k, v in os.environ.items() if k not in (SECRET_ENV, SECRET_FILE_ENV)}
    command = [sys.executable, "-m", "lkemu", "info", "--address", served.address]
    found = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**env, "XDG_RUNTIME_DIR": runtime}
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("engine ")
    elsewhere = {**env, "XDG_RUNTIME_DIR": str(tmp_path)}  # where no secret is
    missing = subprocess.run(command, capture_output=True, text=True, timeout=60, env=elsewhere)
    assert missing.returncode == 1
    assert "refused this client" in missing.stderr and "carries no secret" in missing.stderr
    assert "Traceback" not in missing.stderr
    given = subprocess.run(
        [*command, "--secret-file", served.secret_file],
        capture_output=True,
        text=True,
        timeout=60,
        env=elsewhere,
    )
    assert given.returncode == 0, given.stderr


def test_the_secret_is_found_in_the_environment(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # not in the usual place
    monkeypatch.delenv(SECRET_FILE_ENV, raising=False)
    monkeypatch.setenv("LKEMU_ADDRESS", served.address)
    monkeypatch.setenv(SECRET_ENV, served.secret.value)
    assert find_secret(served.address) == FoundSecret(served.secret.value, SECRET_ENV)
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv(SECRET_FILE_ENV, served.secret_file)
    assert find_secret(served.address).value == served.secret.value
    # Set for another engine, they are not shown to this one.
    monkeypatch.setenv("LKEMU_ADDRESS", "127.0.0.1:1")
    assert find_secret(served.address).value == ""


def _fast_lane(address: str) -> socket.socket:
    if address.startswith("unix:"):
        lane = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lane.connect(address.removeprefix("unix:"))
    else:
        host, _, port = address.rpartition(":")
        lane = socket.create_connection((host, int(port)))
    lane.settimeout(20)
    return lane


def _hello_answer(address: str, first_frame: bytes) -> tuple[int, bytes, bytes]:
    """The engine's answer to a fast-lane connection's first frame, and what follows it
    (b"" once the engine closed the connection)."""
    with _fast_lane(address) as lane:
        lane.sendall(first_frame)
        reader = lane.makefile("rb")
        kind, payload = read_frame_blocking(reader)
        if kind == ERROR:
            rest = reader.read()
        else:
            # Served: a call is answered (an empty FfiCall carries an empty request).
            lane.sendall(frame(CALL, b""))
            rest = read_frame_blocking(reader)[1]
        reader.close()
        return kind, payload, rest


def test_the_fast_lane_serves_only_a_hello_with_the_secret_and_the_sessions_token(
    served: Served,
) -> None:
    with grpc.insecure_channel(served.address, options=GRPC_OPTIONS) as channel:
        stub = engine_pb2_grpc.FfiEngineStub(channel)
        opened = stub.OpenSession(
            engine_pb2.OpenSessionRequest(sdk="test"), metadata=served.secret.metadata()
        )
        other = stub.OpenSession(
            engine_pb2.OpenSessionRequest(sdk="test"), metadata=served.secret.metadata()
        )
        lane, session, token = opened.fast_lane, opened.session_id, opened.session_token
        assert lane
        refusals = {
            "carries no secret": hello(session, token, ""),
            "wrong secret": hello(session, token, WRONG_SECRET.value),
            "no session": hello(session, other.session_token, served.secret.value),
            "must be a hello": frame(CALL, b""),
            "cut short": frame(HELLO, SESSION_ID.pack(session) + b"\x10abc"),
            "bad frame length": HEADER.pack(4097, HELLO),  # no hello is that long
        }
        for reason, first in refusals.items():
            kind, message, rest = _hello_answer(lane, first)
            assert kind == ERROR and reason in message.decode(), (reason, message)
            assert rest == b""  # and the engine closed the connection
        kind, _, reply = _hello_answer(lane, hello(session, token, served.secret.value))
        assert kind == HELLO
        assert engine_pb2.FfiReply.FromString(reply).error == "message is empty"
        for made in (opened, other):
            stub.CloseSession(
                engine_pb2.CloseSessionRequest(
                    session_id=made.session_id, session_token=made.session_token
                ),
                metadata=served.secret.metadata(),
            )


def _new_source(client: FfiClient) -> int:
    request = ffi_pb2.FfiRequest()
    request.new_video_source.resolution.width = 64
    request.new_video_source.resolution.height = 64
    return client.request(request).new_video_source.source.handle.id


@pytest.fixture
def victim(engine: EmbeddedEngine) -> Iterator[FfiClient]:
    made = FfiClient(address=engine.address, local_lane=False)
    yield made
    made.close()


@pytest.fixture
def intruder(engine: EmbeddedEngine) -> Iterator[EngineConnection]:
    """A second client of the same engine (with its secret), with a session of its own."""
    made = EngineConnection.connect(engine.address)
    made.open_session(False, "intruder", "0")
    yield made
    made.close_session()
    made.close()


def test_session_ids_are_random(victim: FfiClient, intruder: EngineConnection) -> None:
    ids = [victim.connection.session_id, intruder.session_id]
    # Sequential ids started at 1; random 63-bit ones are this small once in 2^31.
    assert all(session_id > 2**32 for session_id in ids)
    assert len(victim.connection.session_token) == len(intruder.session_token) == 16


def test_a_second_session_cannot_touch_anothers_handles(
    victim: FfiClient, intruder: EngineConnection
) -> None:
    source = _new_source(victim)
    mine = victim.connection.session_id
    assert victim.control.count_handles(mine).by_type["VideoSource"] == 1
    # Named through its own session: the handle is not its to use or drop.
    capture = ffi_pb2.FfiRequest()
    capture.capture_video_frame.source_handle = source
    reply = intruder.request(capture.SerializePartialToString())
    assert reply.handle == 0 and reply.error_kind == engine_pb2.INVALID_REQUEST
    assert intruder.drop_handle(source) is False
    # Naming the victim's session (its id is no secret here) without its token, on gRPC...
    engine = intruder._engine
    metadata = intruder.secret.metadata()
    for token in (b"", intruder.session_token, b"\x00" * 16):
        call = engine_pb2.FfiCall(session_id=mine, request=b"", session_token=token)
        reply = engine.Request(call, metadata=metadata)
        assert reply.error_kind == engine_pb2.NO_SESSION and "for this client" in reply.error
        drop = engine_pb2.DropHandleRequest(session_id=mine, handle=source, session_token=token)
        assert engine.DropHandle(drop, metadata=metadata).existed is False
    # ... or on the fast lane.
    assert victim.connection._fast is not None
    with _fast_lane(f"{victim.connection.address}.fast") as lane:
        lane.sendall(hello(mine, intruder.session_token, intruder.secret.value))
        kind, message = read_frame_blocking(lane.makefile("rb"))
    assert kind == ERROR and "no session" in message.decode()
    # The handle is alive and the victim still uses it.
    assert victim.control.count_handles(mine).by_type["VideoSource"] == 1
    victim.drop_handle(source)


async def test_a_second_session_cannot_take_anothers_events_or_close_it(
    victim: FfiClient, intruder: EngineConnection
) -> None:
    source = _new_source(victim)
    mine = victim.connection.session_id
    engine, metadata = intruder._engine, intruder.secret.metadata()
    for token in (b"", intruder.session_token):
        events = engine.Events(
            engine_pb2.EventsRequest(session_id=mine, session_token=token), metadata=metadata
        )
        with pytest.raises(grpc.RpcError) as refused:
            next(iter(events))
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        close = engine_pb2.CloseSessionRequest(session_id=mine, session_token=token)
        assert engine.CloseSession(close, metadata=metadata).released_handles == 0
    # Even its owner cannot take its events a second time (the first stream is running).
    second = engine.Events(
        engine_pb2.EventsRequest(session_id=mine, session_token=victim.connection.session_token),
        metadata=metadata,
    )
    with pytest.raises(grpc.RpcError) as refused:
        next(iter(second))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "already being read" in str(refused.value.details())
    # The victim's session is open, its handle alive, its events still its own.
    assert victim.control.count_handles(mine).by_type["VideoSource"] == 1
    queue = victim.queue.subscribe()
    request = ffi_pb2.FfiRequest()
    setattr(request.dispose, "async", True)
    async_id = victim.request(request).dispose.async_id
    event = await asyncio.wait_for(
        queue.wait_for(lambda e: e.WhichOneof("message") == "dispose"), timeout=10
    )
    assert event.dispose.async_id == async_id
    victim.queue.unsubscribe(queue)
    victim.drop_handle(source)


def test_a_second_session_cannot_take_anothers_blobs(
    victim: FfiClient, intruder: EngineConnection
) -> None:
    if not (victim.connection.shared_memory and intruder.shared_memory):
        pytest.skip("no shared memory between client and engine here")
    # A blob of the victim's session (named with its tag), as its client writes one.
    blob = shared_blobs.write(b"\x01" * 640 * 480 * 4, victim.connection.blob_tag)
    try:
        request = ffi_pb2.FfiRequest()
        request.video_convert.dst_type = video_frame_pb2.BGRA
        info = request.video_convert.buffer
        info.type, info.width, info.height = video_frame_pb2.RGBA, 640, 480
        info.data_ptr = 0x10000
        stolen = engine_pb2.Blob(address=0x10000, shared_name=blob)
        reply = intruder.request(request.SerializePartialToString(), [stolen])
        assert reply.handle == 0 and "not an lkemu shared blob of this session" in reply.error
        assert shared_blobs.exists(blob)  # left where it was, unread
    finally:
        shared_blobs.discard(blob)


def _mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_unix_sockets_and_secrets_are_private(engine: EmbeddedEngine) -> None:
    path = engine.address.removeprefix("unix:")
    assert _mode(os.path.dirname(path)) == 0o700
    for own in (path, path + ".fast", path + ".secret"):
        assert _mode(own) == 0o600, own
    assert Path(path + ".secret").read_text().strip() == engine.secret
    assert len(bytes.fromhex(engine.secret)) >= 16  # at least 128 bits


def test_a_unix_socket_in_a_directory_open_to_others_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "serve", "--address", f"unix:{shared}/engine.sock"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "open to other users" in done.stderr and "mode 0755" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (shared / "engine.sock").exists()


def test_a_missing_socket_directory_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    engine = Served(f"unix:{folder}/engine.sock")
    try:
        assert _mode(folder) == 0o700
        assert engine.secret_file == f"{folder}/engine.sock.secret"
        assert _mode(engine.secret_file) == 0o600
        assert _mode(f"{folder}/engine.sock") == 0o600
        # A client finds the secret next to the socket, with nothing set.
        assert find_secret(engine.address).value == engine.secret.value
    finally:
        engine.stop()
    assert not os.path.exists(engine.secret_file)  # removed with the engine


def test_a_tcp_engines_secret_is_in_a_private_runtime_directory(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    engine = Served("127.0.0.1:0", env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))
    try:
        port = engine.address.rpartition(":")[2]
        assert engine.secret_file == f"{runtime}/lkemu/engine-127.0.0.1-{port}.secret"
        assert _mode(runtime / "lkemu") == 0o700 and _mode(engine.secret_file) == 0o600
    finally:
        engine.stop()
    # A runtime directory others may enter is not used.
    (runtime / "lkemu").chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "serve", "--address", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)),
    )
    assert done.returncode == 2 and "open to other users" in done.stderr


def test_lkemu_run_gives_its_program_the_address_and_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LKEMU_ADDRESS", SECRET_ENV)}
    program = (
        "import os\n"
        "from lkemu.bindings import EngineControl\n"
        f"print(bool(os.environ.get({SECRET_ENV!r})))\n"
        "control = EngineControl.connect(os.environ['LKEMU_ADDRESS'])\n"
        "print(control.secret.source, control.info().pid > 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "run", "--", sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", SECRET_ENV, "True"]


def test_a_wrong_secret_for_the_embedded_engine_is_refused(engine: EmbeddedEngine) -> None:
    with pytest.raises(EngineRefused, match="wrong secret"):
        EngineConnection.connect(engine.address, timeout=60, secret=WRONG_SECRET)


def test_another_user_can_reach_neither_socket_nor_secret() -> None:
    """As root, a process of user `nobody` tries an engine's sockets and secret: the 0700
    directory keeps it out, and so do the files' own modes where the directory does not."""
    python = "/usr/bin/python3"
    if os.geteuid() != 0 or not os.access(python, os.X_OK):
        pytest.skip("needs root (to run as another user) and a system python3")
    folder = tempfile.mkdtemp(prefix="lkemu-isolation-")  # its parent: anyone may enter
    engine = Served(f"unix:{folder}/engine.sock")
    path = engine.address.removeprefix("unix:")
    attempt = (
        "import socket, sys\n"
        "for target in sys.argv[1:]:\n"
        "    try:\n"
        "        if target.endswith('.secret'):\n"
        "            open(target).read()\n"
        "        else:\n"
        "            socket.socket(socket.AF_UNIX).connect(target)\n"
        "        print('reached')\n"
        "    except PermissionError:\n"
        "        print('denied')\n"
    )
    try:
        for folder_mode in (0o700, 0o711):  # 0711: others may pass through, not list
            os.chmod(folder, folder_mode)
            done = subprocess.run(
                [python, "-I", "-S", "-c", attempt, path, path + ".fast", path + ".secret"],
                capture_output=True,
                text=True,
                timeout=60,
                user=65534,
                group=65534,
                cwd="/",
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.split() == ["denied"] * 3, folder_mode
    finally:
        os.chmod(folder, 0o700)
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)
