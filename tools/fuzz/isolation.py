"""Isolation cases (issue 16, items 1 and 2): an intruder with the engine's secret and a
session of its own tries another session's handles, session id, token, events and blobs,
and a caller without the right secret tries every service. Each case says what went wrong,
or None when the engine refused it as it must; after each, the victim's handles are all
still there and its session still answers.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import symbol_database

from lkemu.bindings.credentials import find_secret
from lkemu.engine.wire import shared_blobs
from lkemu.engine.wire.framing import ERROR, hello, read_frame_blocking
from lkemu.engine.wire.limits import GRPC_OPTIONS
from lkemu.engine.wire.secret import METADATA_KEY
from lkemu.proto import engine_pb2, engine_pb2_grpc, ffi_pb2, video_frame_pb2

from .generate import KINDS, Generator, HandlePool

# Kinds native answers whatever their handle names: a stream from a participant the
# handle does not name is a stream that never plays (with an error log), as natively
# (engine/rooms/participant_streams.py); it reads nothing of the victim's.
ANSWERED_WITHOUT_THE_HANDLE = {"audio_stream_from_participant", "video_stream_from_participant"}


def _methods() -> list[tuple[str, str, bool]]:
    found = []
    for service in engine_pb2.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            found.append(
                (
                    f"/{service.full_name}/{method.name}",
                    method.input_type.full_name,
                    method.server_streaming,
                )
            )
    return found


METHODS = _methods()


class Intrusion:
    """The intruder's view: the engine's address, its own client, and what it learnt of the
    victim (session id, token length, handles, blob tag), as a local process could."""

    def __init__(
        self,
        address: str,
        client: object,  # lkemu.bindings.FfiClient of the intruder
        victim: object,  # lkemu.bindings.FfiClient of the victim
        victim_pool: HandlePool,
        rng: random.Random,
    ) -> None:
        from lkemu.bindings import FfiClient

        assert isinstance(client, FfiClient) and isinstance(victim, FfiClient)
        self.address = address
        self.client = client
        self.victim = victim
        self.victim_pool = victim_pool
        self.rng = rng
        self.secret = find_secret(address)
        self.channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        self.engine = engine_pb2_grpc.FfiEngineStub(self.channel)
        self.cases: list[Callable[[Generator], str | None]] = [
            self.foreign_handles,
            self.drop_foreign,
            self.without_secret,
            self.foreign_session,
            self.foreign_events,
            self.foreign_close,
            self.foreign_fast_lane,
            self.foreign_blob,
            self.planted_blob,
        ]

    def close(self) -> None:
        self.channel.close()

    def one(self, generator: Generator) -> tuple[str, str | None]:
        case = self.rng.choice(self.cases)
        before = self._victim_handles()
        try:
            problem = case(generator)
        except grpc.RpcError as error:  # an answer that never came is a finding, not a crash
            code = error.code() if isinstance(error, grpc.Call) else None
            problem = f"the engine answered with {code}, not a refusal"
        if problem is None:
            after = self._victim_handles()
            if after < before:
                problem = f"the victim lost handles: {before} before, {after} after"
        return case.__name__, problem

    def _victim_handles(self) -> int:
        connection = self.victim.connection
        return int(self.victim.control.count_handles(connection.session_id).total)

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.secret.value),)

    # --- the cases --------------------------------------------------------------------

    def foreign_handles(self, generator: Generator) -> str | None:
        """A request naming only the victim's handles is refused as an unknown handle."""
        from lkemu.bindings import FfiRequestError

        kinds = [k for k in KINDS if _handle_fields(k)]
        kind = self.rng.choice(kinds)
        request = generator.structured(kind).message
        if request is None:
            return None
        inner = getattr(request, kind)
        for path in _handle_fields(kind):
            picked = self.victim_pool.pick(path.rsplit(".", 1)[-1], self.rng)
            if picked is None:
                return None
            _set_path(inner, path, picked[1])
        try:
            response = self.client.request(request)
        except FfiRequestError:
            return None  # refused, as it must be (the reason varies with the fields)
        which = response.WhichOneof("message")
        answered: Any = getattr(response, which) if which else None
        fields = answered.DESCRIPTOR.fields_by_name if answered is not None else {}
        if "error" in fields and answered.HasField("error"):
            return None
        if kind in ANSWERED_WITHOUT_THE_HANDLE:
            return None
        return f"{kind} with only the victim's handles was answered: {response}"[:500]

    def drop_foreign(self, generator: Generator) -> str | None:
        handles = [h for _, h in self.victim_pool.all()]
        if not handles:
            return None
        handle = self.rng.choice(handles)
        if self.client.drop_handle(handle) and handle < (1 << 48):
            return f"the intruder's drop of the victim's handle {handle} said it existed"
        return None

    def without_secret(self, generator: Generator) -> str | None:
        path, request_type, streaming = self.rng.choice(METHODS)
        metadata = self.rng.choice(
            [
                (),
                ((METADATA_KEY, "0" * 64),),
                ((METADATA_KEY, ""),),
                ((METADATA_KEY, self.secret.value[:-1]),),
            ]
        )
        request = symbol_database.Default().GetSymbol(request_type)()
        try:
            if streaming:
                call = self.channel.unary_stream(path, request.SerializeToString, None)
                for _ in call(request, metadata=metadata, timeout=10):
                    break
            else:
                self.channel.unary_unary(path, request.SerializeToString, None)(
                    request, metadata=metadata, timeout=10
                )
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            if code == grpc.StatusCode.UNAUTHENTICATED:
                return None
            return f"{path} without the secret: {code}, not UNAUTHENTICATED"
        return f"{path} without the secret was served"

    def _victim_session(self) -> tuple[int, bytes]:
        connection = self.victim.connection
        own = self.client.connection.session_token
        token = self.rng.choice(
            [b"", own, os.urandom(16), b"\x00" * 16, connection.session_token[:-1]]
        )
        return connection.session_id, token

    def foreign_session(self, generator: Generator) -> str | None:
        session_id, token = self._victim_session()
        request = generator.next()
        call = engine_pb2.FfiCall(
            session_id=session_id, request=request.payload, session_token=token
        )
        reply = self.engine.Request(call, metadata=self._metadata(), timeout=10)
        if reply.handle != 0 or reply.error_kind != engine_pb2.NO_SESSION:
            return f"a call on the victim's session with a wrong token: {reply.error_kind}"
        handles = [h for _, h in self.victim_pool.all()]
        if handles:
            drop = engine_pb2.DropHandleRequest(
                session_id=session_id, handle=self.rng.choice(handles), session_token=token
            )
            if self.engine.DropHandle(drop, metadata=self._metadata(), timeout=10).existed:
                return "a drop on the victim's session with a wrong token went through"
        return None

    def foreign_events(self, generator: Generator) -> str | None:
        session_id, token = self._victim_session()
        stream = self.engine.Events(
            engine_pb2.EventsRequest(session_id=session_id, session_token=token),
            metadata=self._metadata(),
            timeout=10,
        )
        try:
            for _ in stream:
                return "the intruder read the victim's events"
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                return None
            return f"the victim's events with a wrong token: {code}"
        return "the victim's event stream ended for the intruder"

    def foreign_close(self, generator: Generator) -> str | None:
        session_id, token = self._victim_session()
        close = engine_pb2.CloseSessionRequest(session_id=session_id, session_token=token)
        released = self.engine.CloseSession(close, metadata=self._metadata(), timeout=10)
        if released.released_handles:
            return f"the intruder closed the victim's session ({released.released_handles})"
        return None

    def foreign_fast_lane(self, generator: Generator) -> str | None:
        if not self.address.startswith("unix:"):
            return None
        session_id, token = self._victim_session()
        secret = self.rng.choice([self.secret.value, "", "0" * 64])
        if secret == self.secret.value and token == self.victim.connection.session_token:
            return None
        path = self.address.removeprefix("unix:") + ".fast"
        if not os.path.exists(path):
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as lane:
            lane.settimeout(10)
            lane.connect(path)
            lane.sendall(hello(session_id, token, secret))
            with lane.makefile("rb") as reader:
                kind, _ = read_frame_blocking(reader)
        if kind != ERROR:
            return "a fast-lane hello with the victim's session and a wrong token was served"
        return None

    def _blob_request(self, name: str) -> engine_pb2.FfiReply:
        request = ffi_pb2.FfiRequest()
        request.video_convert.dst_type = video_frame_pb2.BGRA
        info = request.video_convert.buffer
        info.type, info.width, info.height = video_frame_pb2.RGBA, 256, 256
        info.data_ptr = 0x10000
        blob = engine_pb2.Blob(address=0x10000, shared_name=name)
        return self.client.connection.request(request.SerializePartialToString(), [blob])

    def foreign_blob(self, generator: Generator) -> str | None:
        victim = self.victim.connection
        if not (victim.shared_memory and shared_blobs.available()):
            return None
        name = shared_blobs.write(b"\x01" * 256 * 256 * 4, victim.blob_tag)
        try:
            candidates = [
                name,
                f"../{name}",
                name + "/",
                "lkemu-blob-" + "0" * 32,
                f"lkemu-blob-{self.rng.randbytes(8).hex()}",
                "/etc/passwd",
                "",
            ]
            tried = self.rng.choice(candidates)
            reply = self._blob_request(tried)
            if reply.handle != 0:
                return f"a request naming the blob {tried!r} of another session was served"
            if tried == name and not shared_blobs.exists(name):
                return "the victim's blob was consumed by the intruder's request"
        finally:
            shared_blobs.discard(name)
        return None

    def planted_blob(self, generator: Generator) -> str | None:
        """A link in /dev/shm under a name of the intruder's own session, to a file: the
        engine must not follow it."""
        own = self.client.connection
        if not (own.shared_memory and shared_blobs.available()):
            return None
        target = os.path.join(shared_blobs.SHARED_DIR, f"lkemu-fuzz-target-{os.getpid()}")
        with open(target, "wb") as file:
            file.write(b"\x02" * 256 * 256 * 4)
        name = f"lkemu-blob-{own.blob_tag}-{self.rng.randbytes(16).hex()}"
        link = os.path.join(shared_blobs.SHARED_DIR, name)
        os.symlink(target, link)
        try:
            reply = self._blob_request(name)
            if reply.handle != 0:
                return "a symlinked blob was followed"
            if not os.path.exists(target):
                return "the target of a symlinked blob was removed"
        finally:
            with contextlib.suppress(OSError):
                os.unlink(link)
            with contextlib.suppress(OSError):
                os.unlink(target)
        return None


def _handle_fields(kind: str) -> list[str]:
    """Paths (within the kind's message) of its uint64 *_handle fields, nested included."""
    descriptor = getattr(ffi_pb2.FfiRequest(), kind).DESCRIPTOR
    found: list[str] = []
    stack = [(descriptor, "")]
    while stack:
        current, prefix = stack.pop()
        for fd in current.fields:
            if fd.message_type is not None and fd.is_required:
                stack.append((fd.message_type, f"{prefix}{fd.name}."))
            elif fd.name.endswith("_handle") and fd.is_required:
                # (an optional one, like new_audio_source's platform_audio_handle, may be
                # ignored: a request naming only those is no intrusion)
                found.append(prefix + fd.name)
    return found


def _set_path(message: object, path: str, value: int) -> None:
    *parents, last = path.split(".")
    for part in parents:
        message = getattr(message, part)
    setattr(message, last, value)
