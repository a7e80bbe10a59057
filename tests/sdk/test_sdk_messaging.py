"""RPC and text/byte streams between three participants, through the public livekit.rtc
API only.

Written to run against a LiveKit server too: with LIVEKIT_URL (and LIVEKIT_API_KEY /
LIVEKIT_API_SECRET) set it runs natively there; without it, only under --lkemu. The
expectations are the native core's (livekit 1.2.1): between 1.2.1 peers RPC travels as data
streams and has no 15 KiB limit; an unknown recipient is never acked, so the call ends in
CONNECTION_TIMEOUT after max_round_trip_latency, and only a v1 request (to such a recipient)
over 15 KiB is refused with REQUEST_PAYLOAD_TOO_LARGE at once.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import pytest
from livekit import rtc

from tests.helpers import make_token
from tests.sdk.sdk_support import (
    HAS_MAX_ROUND_TRIP_LATENCY,
    HAS_SEND_BYTES,
    HAS_STREAM_ERROR,
    requires,
    since,
)

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

pytestmark = [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]


class Trio:
    """Three participants of one room: the agent, the user and a bystander."""

    def __init__(self) -> None:
        self.name = f"msg-{uuid.uuid4().hex[:8]}"
        self.agent, self.user, self.bystander = rtc.Room(), rtc.Room(), rtc.Room()
        self.tasks: list[asyncio.Task[None]] = []

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a stream handler's reading (handlers are called synchronously)."""
        self.tasks.append(asyncio.ensure_future(work))

    async def connect(self) -> None:
        for identity, room in self.rooms().items():
            await room.connect(URL, make_token(identity, self.name, api_key=KEY, secret=SECRET))
        await _until(lambda: all(len(r.remote_participants) == 2 for r in self.rooms().values()))

    def rooms(self) -> dict[str, rtc.Room]:
        return {"agent": self.agent, "user": self.user, "bystander": self.bystander}

    async def disconnect(self) -> None:
        for room in self.rooms().values():
            await room.disconnect()


async def _until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


@pytest.fixture
async def trio() -> AsyncIterator[Trio]:
    made = Trio()
    await made.connect()
    yield made
    await made.disconnect()


# RPC


async def test_rpc_round_trip_with_a_1000_character_payload(trio: Trio) -> None:
    seen: list[rtc.RpcInvocationData] = []

    async def echo(data: rtc.RpcInvocationData) -> str:
        seen.append(data)
        return data.payload[::-1]

    trio.agent.local_participant.register_rpc_method("echo", echo)

    payload = "".join(chr(ord("a") + i % 26) for i in range(1000))
    answer = await trio.user.local_participant.perform_rpc(
        destination_identity="agent", method="echo", payload=payload
    )
    assert answer == payload[::-1]
    assert seen[0].caller_identity == "user" and seen[0].payload == payload
    # The callee is told the caller's timeout less the round trip allowance (15 s - 7 s).
    assert seen[0].response_timeout == pytest.approx(8.0)


async def test_rpc_application_error_passes_code_message_and_data(trio: Trio) -> None:
    async def fail(data: rtc.RpcInvocationData) -> str:
        raise rtc.RpcError(code=4242, message="no luck", data='{"why": "testing"}')

    trio.agent.local_participant.register_rpc_method("fail", fail)

    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="fail", payload=""
        )
    assert raised.value.code == 4242
    assert raised.value.message == "no luck"
    assert raised.value.data == '{"why": "testing"}'


async def test_rpc_handler_that_raises_gives_application_error(trio: Trio) -> None:
    async def broken(data: rtc.RpcInvocationData) -> str:
        raise ValueError("a bug in the handler")

    trio.agent.local_participant.register_rpc_method("broken", broken)

    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="broken", payload=""
        )
    assert raised.value.code == rtc.RpcError.ErrorCode.APPLICATION_ERROR


async def test_rpc_unsupported_method(trio: Trio) -> None:
    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="nobody-registered-this", payload="x"
        )
    assert raised.value.code == rtc.RpcError.ErrorCode.UNSUPPORTED_METHOD
    assert raised.value.message == "Method not supported at destination"


async def test_rpc_unregistered_method_is_unsupported_again(trio: Trio) -> None:
    trio.agent.local_participant.register_rpc_method("once", lambda data: "here")
    assert (
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="once", payload=""
        )
        == "here"
    )
    trio.agent.local_participant.unregister_rpc_method("once")
    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="once", payload=""
        )
    assert raised.value.code == rtc.RpcError.ErrorCode.UNSUPPORTED_METHOD


@requires(HAS_MAX_ROUND_TRIP_LATENCY, "perform_rpc(max_round_trip_latency=...)")
async def test_rpc_to_an_unknown_recipient_is_never_acked(trio: Trio) -> None:
    started = asyncio.get_running_loop().time()
    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="nobody",
            method="echo",
            payload="x",
            max_round_trip_latency=0.3,
        )
    assert raised.value.code == rtc.RpcError.ErrorCode.CONNECTION_TIMEOUT
    assert 0.25 < asyncio.get_running_loop().time() - started < 2.0


async def test_rpc_response_timeout_within_one_and_a_half_times_the_timeout(
    trio: Trio,
) -> None:
    async def slow(data: rtc.RpcInvocationData) -> str:
        await asyncio.sleep(30)
        return "too late"

    trio.agent.local_participant.register_rpc_method("slow", slow)

    started = asyncio.get_running_loop().time()
    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="agent", method="slow", payload="", response_timeout=1.0
        )
    elapsed = asyncio.get_running_loop().time() - started
    assert raised.value.code == rtc.RpcError.ErrorCode.RESPONSE_TIMEOUT
    assert 0.9 < elapsed < 1.5


async def test_rpc_payload_over_15_kib_to_a_v1_recipient_is_refused(trio: Trio) -> None:
    big = "x" * (15 * 1024 + 1)
    started = asyncio.get_running_loop().time()
    with pytest.raises(rtc.RpcError) as raised:
        await trio.user.local_participant.perform_rpc(
            destination_identity="nobody", method="echo", payload=big
        )
    assert raised.value.code == rtc.RpcError.ErrorCode.REQUEST_PAYLOAD_TOO_LARGE
    assert asyncio.get_running_loop().time() - started < 1.0  # refused before anything is sent


@since("1.1.9", "its core has RPC v1 only, where a payload over 15 KiB is refused")
async def test_rpc_payload_over_15_kib_between_current_peers_goes_through(trio: Trio) -> None:
    trio.agent.local_participant.register_rpc_method("size", lambda data: str(len(data.payload)))
    big = "y" * 40_000
    answer = await trio.user.local_participant.perform_rpc(
        destination_identity="agent", method="size", payload=big
    )
    assert answer == "40000"


# Streams


async def test_send_text_to_one_destination_is_not_seen_by_a_third(trio: Trio) -> None:
    received: dict[str, asyncio.Queue[tuple[str, str]]] = {}
    for identity in ("agent", "bystander"):
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        received[identity] = queue

        def handler(
            reader: rtc.TextStreamReader, sender: str, q: asyncio.Queue[tuple[str, str]] = queue
        ) -> None:
            async def read() -> None:
                q.put_nowait((sender, await reader.read_all()))

            trio.spawn(read())

        trio.rooms()[identity].register_text_stream_handler("chat", handler)

    info = await trio.user.local_participant.send_text(
        "for the agent only", topic="chat", destination_identities=["agent"]
    )
    assert info.mime_type == "text/plain" and info.topic == "chat"
    sender, text = await asyncio.wait_for(received["agent"].get(), 5)
    assert (sender, text) == ("user", "for the agent only")
    await asyncio.sleep(0.3)
    assert received["bystander"].empty()


async def test_stream_text_of_several_writes_arrives_as_one_text_in_order(trio: Trio) -> None:
    done: asyncio.Future[tuple[str, dict[str, str]]] = asyncio.get_running_loop().create_future()

    def handler(reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            text = await reader.read_all()
            done.set_result((text, dict(reader.info.attributes or {})))

        trio.spawn(read())

    trio.agent.register_text_stream_handler("lk.transcription", handler)
    writer = await trio.user.local_participant.stream_text(
        topic="lk.transcription", attributes={"lk.segment_id": "s1"}
    )
    parts = ["Hello", ", ", "wörld", " — ", "ünïcödé " * 3000]  # the last over 15000 bytes
    for part in parts:
        await writer.write(part)
    await writer.aclose()
    text, attributes = await asyncio.wait_for(done, 5)
    assert text == "".join(parts)
    assert attributes["lk.segment_id"] == "s1"


@requires(HAS_SEND_BYTES, "LocalParticipant.send_bytes")
async def test_send_bytes_of_300_kb_arrives_byte_exact(trio: Trio) -> None:
    payload = os.urandom(300_000)
    done: asyncio.Future[tuple[bytes, str, int | None]] = asyncio.get_running_loop().create_future()

    def handler(reader: rtc.ByteStreamReader, sender: str) -> None:
        async def read() -> None:
            chunks = [chunk async for chunk in reader]
            done.set_result((b"".join(chunks), reader.info.name, reader.info.size))

        trio.spawn(read())

    trio.agent.register_byte_stream_handler("blob", handler)
    info = await trio.user.local_participant.send_bytes(
        payload, topic="blob", name="noise.bin", destination_identities=["agent"]
    )
    assert info.size == len(payload)
    data, name, size = await asyncio.wait_for(done, 10)
    assert data == payload and name == "noise.bin" and size == len(payload)


async def test_send_file_arrives_with_its_name_and_bytes(trio: Trio, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n" + os.urandom(40_000))
    done: asyncio.Future[tuple[bytes, str, str]] = asyncio.get_running_loop().create_future()

    def handler(reader: rtc.ByteStreamReader, sender: str) -> None:
        async def read() -> None:
            data = b"".join([chunk async for chunk in reader])
            done.set_result((data, reader.info.name, reader.info.mime_type))

        trio.spawn(read())

    trio.agent.register_byte_stream_handler("files", handler)
    await trio.user.local_participant.send_file(str(path), topic="files")
    data, name, mime_type = await asyncio.wait_for(done, 10)
    assert data == path.read_bytes()
    assert name == "report.csv" and mime_type == "text/csv"


@requires(HAS_STREAM_ERROR, "rtc.StreamError")
async def test_send_file_of_a_missing_file_fails_as_native(trio: Trio, tmp_path: Path) -> None:
    with pytest.raises(rtc.StreamError, match=r"No such file or directory \(os error 2\)"):
        await trio.user.local_participant.send_file(str(tmp_path / "absent.bin"), topic="x")


@requires(HAS_STREAM_ERROR, "rtc.StreamError")
async def test_a_sender_that_leaves_mid_stream_gives_its_reader_an_error(trio: Trio) -> None:
    done: asyncio.Future[BaseException | str] = asyncio.get_running_loop().create_future()

    def handler(reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            try:
                done.set_result(await reader.read_all())
            except Exception as error:
                done.set_result(error)

        trio.spawn(read())

    trio.agent.register_text_stream_handler("half", handler)
    writer = await trio.user.local_participant.stream_text(topic="half")
    await writer.write("the first half")
    await trio.user.disconnect()
    outcome = await asyncio.wait_for(done, 5)
    assert isinstance(outcome, rtc.StreamError)
    assert "user unexpectedly disconnected in the middle of sending data" in str(outcome)
