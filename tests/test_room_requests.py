"""Room requests the SDK does not reach (or not easily), through the FFI protocol itself:
chat messages, enabling remote tracks, statistics without a room, participant streams on
handles that name nothing, publish and visibility grants."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from lkemu.bindings import FfiClient, FfiRequestError
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.proto import audio_frame_pb2, ffi_pb2, track_pb2
from tests.helpers import Peer, make_token, new_source, new_track


@pytest.fixture
def second_client(engine: EmbeddedEngine) -> Iterator[FfiClient]:
    made = FfiClient(address=engine.address)
    yield made
    made.close()


async def _pair(client: FfiClient, second: FfiClient, **user_grant: Any) -> tuple[Peer, Peer]:
    room = f"req-{uuid.uuid4().hex[:8]}"
    agent, user = Peer(client), Peer(second)
    await agent.connect(make_token("agent", room))
    await user.connect(make_token("user", room, **user_grant))
    return agent, user


async def test_chat_messages_are_sent_and_edited(
    client: FfiClient, second_client: FfiClient
) -> None:
    agent, user = await _pair(client, second_client)
    request = ffi_pb2.FfiRequest()
    request.send_chat_message.local_participant_handle = user.local
    request.send_chat_message.message = "hi"
    sent = await user.call(request, "chat_message")  # FfiEvent names the callback so
    message = sent.chat_message
    assert message.message == "hi" and message.id and message.timestamp > 0
    received = await agent.room_event("chat_message")
    assert received.participant_identity == "user" and received.message == message

    request = ffi_pb2.FfiRequest()
    request.edit_chat_message.local_participant_handle = user.local
    request.edit_chat_message.edit_text = "hello"
    request.edit_chat_message.original_message.CopyFrom(message)
    edited = (await user.call(request, "chat_message")).chat_message
    assert (edited.id, edited.timestamp, edited.message) == (message.id, message.timestamp, "hello")
    assert edited.edit_timestamp >= message.timestamp
    assert (await agent.room_event("chat_message")).message.message == "hello"


async def test_a_disabled_remote_track_plays_silence(
    client: FfiClient, second_client: FfiClient
) -> None:
    agent, user = await _pair(client, second_client)
    source, _ = await user.publish_microphone()
    subscribed = await agent.room_event("track_subscribed")
    remote = subscribed.track.handle.id
    request = ffi_pb2.FfiRequest()
    request.new_audio_stream.track_handle = remote
    request.new_audio_stream.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
    stream = client.request(request).new_audio_stream.stream.handle.id

    def enable(enabled: bool) -> bool:
        request = ffi_pb2.FfiRequest()
        request.enable_remote_track.track_handle = remote
        request.enable_remote_track.enabled = enabled
        return bool(client.request(request).enable_remote_track.enabled)

    async def peak_of_next_frames(count: int) -> int:
        """Capture `count` 10 ms frames of a tone, read as many: the loudest sample heard."""
        tone = (np.sin(np.arange(480) / 3) * 8000).astype(np.int16)
        peak = 0
        for _ in range(count):
            request = ffi_pb2.FfiRequest()
            frame = request.capture_audio_frame
            frame.source_handle = source
            frame.buffer.data_ptr = tone.ctypes.data
            frame.buffer.sample_rate, frame.buffer.num_channels = 48000, 1
            frame.buffer.samples_per_channel = 480
            await user.call(request, "capture_audio_frame")
        for _ in range(count):
            event = await asyncio.wait_for(
                agent.events.wait_for(
                    lambda e: (
                        e.audio_stream_event.stream_handle == stream
                        and e.audio_stream_event.HasField("frame_received")
                    )
                ),
                5,
            )
            info = event.audio_stream_event.frame_received.frame.info
            data = ctypes.string_at(info.data_ptr, info.samples_per_channel * 2)
            peak = max(peak, int(np.abs(np.frombuffer(data, dtype=np.int16)).max()))
        return peak

    assert enable(False) is False
    assert await peak_of_next_frames(20) == 0
    assert enable(True) is True
    assert await peak_of_next_frames(40) > 4000
    with pytest.raises(FfiRequestError, match="not a remote track"):
        request = ffi_pb2.FfiRequest()
        request.enable_remote_track.track_handle = new_track(client, new_source(client), "t")
        client.request(request)


async def test_stats_of_a_track_outside_a_room_fail_as_native(client: FfiClient) -> None:
    peer = Peer(client)
    track = new_track(client, new_source(client), "t")
    request = ffi_pb2.FfiRequest()
    request.get_stats.track_handle = track
    done = await peer.call(request, "get_stats")
    assert done.error == "room failure: no transceiver found for track"


async def test_a_participant_stream_on_a_bad_handle_is_a_silent_stream_and_a_log(
    client: FfiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lkemu.bindings")
    request = ffi_pb2.FfiRequest()
    request.audio_stream_from_participant.participant_handle = 987654
    request.audio_stream_from_participant.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
    request.audio_stream_from_participant.track_source = track_pb2.SOURCE_MICROPHONE
    stream = client.request(request).audio_stream_from_participant.stream
    assert stream.handle.id != 0
    for _ in range(200):
        if "participant not found" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "failed to get participant: participant not found" in caplog.text


async def test_publish_sources_and_hidden_grants(
    client: FfiClient, second_client: FfiClient
) -> None:
    _, user = await _pair(client, second_client, canPublishSources=["camera"])
    _, published = await user.publish_microphone()
    assert "canPublishSources" in published.error and "microphone" in published.error

    hidden = Peer(FfiClient(address=client.connection.address))
    try:
        room_name = f"req-{uuid.uuid4().hex[:8]}"
        watcher = Peer(client)
        await watcher.connect(make_token("watcher", room_name))
        await hidden.connect(make_token("recorder", room_name, hidden=True))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(watcher.room_event("participant_connected"), 0.3)
    finally:
        hidden.client.close()


async def test_set_subscribed_needs_a_remote_publication(
    client: FfiClient, second_client: FfiClient
) -> None:
    _, user = await _pair(client, second_client)
    _, published = await user.publish_microphone()
    request = ffi_pb2.FfiRequest()
    request.set_subscribed.publication_handle = published.publication.handle.id
    request.set_subscribed.subscribe = True
    with pytest.raises(FfiRequestError, match="publication is not a RemotePublication"):
        second_client.request(request)
