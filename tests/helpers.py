"""Plumbing shared by the tests (tests/, tests/sdk) and the benchmarks (bench/).

- `make_token`: a LiveKit access token, as livekit-api's AccessToken mints it.
- Audio over the FFI protocol: sources, tracks, streams, captures and the frames they give.
- `Peer`: one room participant over the FFI protocol (connect, room events, a microphone).

Importable from a process started with the repository root as its working directory
(`from tests.helpers import make_token`), as the SDK suite and the benchmarks are.
"""

from __future__ import annotations

import asyncio
import ctypes
import time
import warnings
from typing import Any

import jwt
import numpy as np
from jwt.warnings import InsecureKeyLengthWarning

from lkemu.bindings import FfiClient
from lkemu.bindings.ffi_client import EventQueue
from lkemu.proto import audio_frame_pb2, ffi_pb2, track_pb2

# --- access tokens ------------------------------------------------------------------------


def make_token(
    identity: str,
    room: str,
    *,
    api_key: str = "devkey",
    secret: str = "secret",
    ttl_s: int = 600,
    name: str = "",
    metadata: str = "",
    attributes: dict[str, str] | None = None,
    kind: str = "",
    **grants: object,
) -> str:
    """An HS256 access token for `identity` to join `room`.

    `grants` go into the `video` claim under LiveKit's own (camelCase) names, e.g.
    canPublish=False, canSubscribe=False, canPublishData=False, hidden=True,
    canUpdateOwnMetadata=True, canPublishSources=["camera"]. The default key pair is
    LiveKit's development one (`livekit-server --dev`), the engine's default too.
    """
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": api_key,
        "sub": identity,
        "nbf": now,
        "exp": now + ttl_s,
        "video": {"roomJoin": True, "room": room, **grants},
    }
    if kind:  # the participant kind, a top-level claim ("agent", "sip", ...)
        claims["kind"] = kind
    if name:
        claims["name"] = name
    if metadata:
        claims["metadata"] = metadata
    if attributes:
        claims["attributes"] = attributes
    with warnings.catch_warnings():
        # The development secret is short on purpose (PyJWT warns below 32 bytes).
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")


# --- audio over the FFI protocol ----------------------------------------------------------


def new_source(
    client: FfiClient, rate: int = 48000, channels: int = 1, queue_ms: int = 1000
) -> int:
    """A native audio source; its handle."""
    request = ffi_pb2.FfiRequest()
    request.new_audio_source.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
    request.new_audio_source.sample_rate = rate
    request.new_audio_source.num_channels = channels
    request.new_audio_source.queue_size_ms = queue_ms
    return client.request(request).new_audio_source.source.handle.id


def new_track(client: FfiClient, source: int, name: str = "mic") -> int:
    """A local audio track on `source`; its handle."""
    request = ffi_pb2.FfiRequest()
    request.create_audio_track.name = name
    request.create_audio_track.source_handle = source
    return client.request(request).create_audio_track.track.handle.id


def new_stream(client: FfiClient, track: int, rate: int, channels: int, frame_ms: int = 0) -> int:
    """A native audio stream of `track` (frame_ms 0: the engine's 10 ms frames); its handle."""
    request = ffi_pb2.FfiRequest()
    request.new_audio_stream.track_handle = track
    request.new_audio_stream.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
    request.new_audio_stream.sample_rate = rate
    request.new_audio_stream.num_channels = channels
    if frame_ms:
        request.new_audio_stream.frame_size_ms = frame_ms
    return client.request(request).new_audio_stream.stream.handle.id


def capture_request(
    source: int, samples: np.ndarray, rate: int, channels: int
) -> ffi_pb2.FfiRequest:
    """A capture of interleaved int16 `samples`; they must outlive the request."""
    request = ffi_pb2.FfiRequest()
    request.capture_audio_frame.source_handle = source
    buffer = request.capture_audio_frame.buffer
    buffer.data_ptr = samples.ctypes.data
    buffer.num_channels = channels
    buffer.sample_rate = rate
    buffer.samples_per_channel = len(samples) // channels
    return request


async def capture(
    client: FfiClient, source: int, samples: np.ndarray, rate: int, channels: int
) -> str:
    """Capture and wait for the callback, as the SDK does; returns its error ('' if none)."""
    samples = np.ascontiguousarray(samples, dtype=np.int16)
    queue = client.queue.subscribe(
        filter_fn=lambda e: e.WhichOneof("message") == "capture_audio_frame"
    )
    try:
        response = client.request(capture_request(source, samples, rate, channels))
        async_id = response.capture_audio_frame.async_id
        event = await queue.wait_for(lambda e: e.capture_audio_frame.async_id == async_id)
        return event.capture_audio_frame.error
    finally:
        client.queue.unsubscribe(queue)


def stream_queue(client: FfiClient) -> EventQueue[ffi_pb2.FfiEvent]:
    """A queue of the client's audio stream events."""
    return client.queue.subscribe(
        filter_fn=lambda e: e.WhichOneof("message") == "audio_stream_event"
    )


async def collect(
    client: FfiClient, queue: EventQueue[ffi_pb2.FfiEvent], stream: int, frames: int
) -> list[ffi_pb2.FfiEvent]:
    """The next `frames` events of `stream` from `queue`."""
    got: list[ffi_pb2.FfiEvent] = []
    while len(got) < frames:
        event = await asyncio.wait_for(queue.get(), timeout=10)
        if event.audio_stream_event.stream_handle == stream:
            got.append(event)
    return got


def read_frame(client: FfiClient, event: ffi_pb2.FfiEvent) -> np.ndarray:
    """The int16 samples of a frame_received event; the frame's handle is dropped."""
    owned = event.audio_stream_event.frame_received.frame
    count = owned.info.samples_per_channel * owned.info.num_channels
    data = np.ctypeslib.as_array((ctypes.c_int16 * count).from_address(owned.info.data_ptr)).copy()
    client.drop_handle(owned.handle.id)
    return data


# --- a room participant over the FFI protocol ---------------------------------------------


class Peer:
    """One participant, through one client: its room and local participant handles.

    Several peers may share a client; `events` is then the client's queue they share (each
    wait drops the events that come before what it waits for).
    """

    def __init__(
        self,
        client: FfiClient,
        events: EventQueue[ffi_pb2.FfiEvent] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.client = client
        self.events = client.queue.subscribe() if events is None else events
        self.timeout = timeout
        self.room = self.local = 0

    async def call(self, request: ffi_pb2.FfiRequest, callback: str) -> Any:
        """Send an async request; its callback (the event's `callback` field)."""
        name = request.WhichOneof("message")
        response = self.client.request(request)
        async_id = getattr(
            response, name if name != "edit_chat_message" else "send_chat_message"
        ).async_id
        event = await asyncio.wait_for(
            self.events.wait_for(
                lambda e: (
                    e.WhichOneof("message") == callback
                    and getattr(e, callback).async_id == async_id
                )
            ),
            self.timeout,
        )
        return getattr(event, callback)

    async def connect(self, token: str) -> None:
        """Join the token's room, subscribing to every track automatically."""
        request = ffi_pb2.FfiRequest()
        request.connect.url = "ws://lkemu"
        request.connect.token = token
        request.connect.options.auto_subscribe = True
        done = await self.call(request, "connect")
        assert not done.HasField("error"), done.error
        self.room = done.result.room.handle.id
        self.local = done.result.local_participant.handle.id

    async def room_event(self, kind: str) -> Any:
        """The next room event of this kind (the room_event's `kind` field)."""
        event = await asyncio.wait_for(
            self.events.wait_for(lambda e: e.room_event.WhichOneof("message") == kind),
            self.timeout,
        )
        return getattr(event.room_event, kind)

    async def publish_microphone(self) -> tuple[int, Any]:
        """Publish a 48 kHz mono microphone: its source handle and the publish callback."""
        source = new_source(self.client)
        track = new_track(self.client, source)
        request = ffi_pb2.FfiRequest()
        request.publish_track.local_participant_handle = self.local
        request.publish_track.track_handle = track
        request.publish_track.options.source = track_pb2.SOURCE_MICROPHONE
        return source, await self.call(request, "publish_track")
