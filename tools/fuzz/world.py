"""A session's world: live handles of every type the protocol hands out, so fuzzed requests
get past the handle check into the work (sources, tracks, streams, resamplers, an APM, a
room with a local and a remote participant, a publication, stream readers and writers, a
data track). Built the same way for a worker's session and for a corpus replay.

Also what the fuzzer reads from responses and events: the handles they hand out (by the
type of the message holding them), the async ids they answer and the names they mention.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from lkemu.proto import audio_frame_pb2, engine_pb2, ffi_pb2, track_pb2, video_frame_pb2

from . import tokens
from .generate import HandlePool, Sample
from .transport import Transport

_NAME_FIELDS = {
    "sid",
    "identity",
    "stream_id",
    "track_sid",
    "participant_identity",
    "id",
    "topic",
    "method",
    "name",
    "invocation_id",
}


def owned_handles(message: Message) -> Iterator[tuple[str, int]]:
    """(type of the message holding it, id) of every FfiOwnedHandle in `message`."""
    stack = [message]
    while stack:
        current = stack.pop()
        for fd, value in current.ListFields():
            if fd.message_type is None:
                continue
            if fd.message_type.name == "FfiOwnedHandle":
                if value.id:
                    yield current.DESCRIPTOR.name, int(value.id)
            elif fd.is_repeated:
                if not fd.message_type.GetOptions().map_entry:
                    stack.extend(value)
            else:
                stack.append(value)


def names_in(message: Message) -> list[str]:
    found = []
    stack = [message]
    while stack:
        current = stack.pop()
        for fd, value in current.ListFields():
            if fd.message_type is not None:
                if fd.is_repeated:
                    if not fd.message_type.GetOptions().map_entry:
                        stack.extend(value)
                else:
                    stack.append(value)
            elif fd.name in _NAME_FIELDS and isinstance(value, str):
                found.append(value)
    return found


def async_id_of(message: Message) -> int:
    """The async id of a response or callback event (its inner message's), or 0."""
    which = message.WhichOneof("message")
    if which is None:
        return 0
    inner = getattr(message, which)
    if "async_id" in inner.DESCRIPTOR.fields_by_name:
        return int(inner.async_id)
    return 0


def callback_error(event: Message) -> str:
    which = event.WhichOneof("message")
    inner: Any = getattr(event, which) if which else None
    if inner is None or "error" not in inner.DESCRIPTOR.fields_by_name:
        return ""
    if not inner.HasField("error"):
        return ""
    error = inner.error
    return error if isinstance(error, str) else str(error)


def request(build: Callable[[ffi_pb2.FfiRequest], None]) -> Sample:
    message = ffi_pb2.FfiRequest()
    build(message)
    kind = message.WhichOneof("message") or ""
    return Sample("world", kind, message.SerializePartialToString(), message)


@dataclass
class World:
    """What a session was given to start with, and what it has learnt since."""

    transport: Transport
    pool: HandlePool
    room: str
    identity: str
    remote: str = ""
    room_handle: int = 0
    local_participant: int = 0
    strings: list[str] = field(default_factory=list)
    pending_events: list[Message] = field(default_factory=list)

    def send(self, sample: Sample) -> Any:
        outcome = self.transport.send(sample)
        if not outcome.ok or outcome.response is None:
            return None
        self.learn(outcome.response, pinned=True)
        which = outcome.response.WhichOneof("message")
        return getattr(outcome.response, which) if which else None

    def learn(self, message: Message, pinned: bool = False) -> list[int]:
        """Keep the handles `message` hands out; returns those evicted, for dropping."""
        evicted: list[int] = []
        for type_name, handle in owned_handles(message):
            evicted += self.pool.add(type_name, handle, pinned=pinned)
        return evicted

    def wait_callback(self, async_id: int, timeout: float = 5.0) -> Message | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.transport.take_events():
                self.pending_events.append(event)
            for index, event in enumerate(self.pending_events):
                if async_id_of(event) == async_id:
                    del self.pending_events[index]
                    return event
            time.sleep(0.002)
        return None

    def call(self, sample: Sample, timeout: float = 5.0) -> Message | None:
        """An async request and its callback event (None if refused or never answered)."""
        response = self.send(sample)
        if response is None or "async_id" not in response.DESCRIPTOR.fields_by_name:
            return None
        event = self.wait_callback(int(response.async_id), timeout)
        if event is not None:
            self.learn(event, pinned=True)
        return event


def build(
    transport: Transport,
    pool: HandlePool,
    room: str,
    identity: str,
    control: Any = None,
    streams: bool = True,
) -> World:
    """Make the world of a fresh session. `control` (an EngineControl) adds a participant the
    engine plays, for remote participants, tracks and stream readers; without `streams`, no
    audio or video stream (whose frames would come as events nobody reads)."""
    world = World(transport, pool, room, identity)

    def audio_source(r: ffi_pb2.FfiRequest) -> None:
        r.new_audio_source.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
        r.new_audio_source.sample_rate, r.new_audio_source.num_channels = 48000, 1
        r.new_audio_source.queue_size_ms = 1000

    audio = world.send(request(audio_source))
    audio_source_handle = audio.source.handle.id if audio is not None else 0

    def video_source(r: ffi_pb2.FfiRequest) -> None:
        r.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
        r.new_video_source.resolution.width = r.new_video_source.resolution.height = 64

    video = world.send(request(video_source))
    video_source_handle = video.source.handle.id if video is not None else 0

    def audio_track(r: ffi_pb2.FfiRequest) -> None:
        r.create_audio_track.name, r.create_audio_track.source_handle = "mic", audio_source_handle

    def video_track(r: ffi_pb2.FfiRequest) -> None:
        r.create_video_track.name, r.create_video_track.source_handle = "cam", video_source_handle

    track = world.send(request(audio_track))
    audio_track_handle = track.track.handle.id if track is not None else 0
    made = world.send(request(video_track))
    video_track_handle = made.track.handle.id if made is not None else 0

    def audio_stream(r: ffi_pb2.FfiRequest) -> None:
        m = r.new_audio_stream
        m.track_handle, m.type = audio_track_handle, audio_frame_pb2.AUDIO_STREAM_NATIVE
        m.sample_rate, m.num_channels = 16000, 1

    def video_stream(r: ffi_pb2.FfiRequest) -> None:
        m = r.new_video_stream
        m.track_handle, m.type = video_track_handle, video_frame_pb2.VIDEO_STREAM_NATIVE

    def sox(r: ffi_pb2.FfiRequest) -> None:
        m = r.new_sox_resampler
        m.input_rate, m.output_rate, m.num_channels = 48000, 16000, 1

    def apm(r: ffi_pb2.FfiRequest) -> None:
        m = r.new_apm
        m.echo_canceller_enabled = m.noise_suppression_enabled = True
        m.gain_controller_enabled = m.high_pass_filter_enabled = True

    for maker in (audio_stream, video_stream, sox, apm) if streams else (sox, apm):
        world.send(request(maker))
    world.send(request(lambda r: r.new_audio_resampler.SetInParent()))

    def connect(r: ffi_pb2.FfiRequest) -> None:
        r.connect.url = "ws://lkemu"
        r.connect.token = tokens.valid(identity, room, canUpdateOwnMetadata=True)
        r.connect.options.auto_subscribe = True

    connected: Any = world.call(request(connect))
    if connected is None or connected.connect.HasField("error"):
        return world
    world.room_handle = connected.connect.result.room.handle.id
    world.local_participant = connected.connect.result.local_participant.handle.id
    local = world.local_participant

    def publish(r: ffi_pb2.FfiRequest) -> None:
        r.publish_track.local_participant_handle = local
        r.publish_track.track_handle = audio_track_handle
        r.publish_track.options.source = track_pb2.SOURCE_MICROPHONE

    world.call(request(publish))

    def byte_writer(r: ffi_pb2.FfiRequest) -> None:
        r.byte_stream_open.local_participant_handle = local
        r.byte_stream_open.options.topic = "fuzz"

    def text_writer(r: ffi_pb2.FfiRequest) -> None:
        r.text_stream_open.local_participant_handle = local
        r.text_stream_open.options.topic = "fuzz"

    def data_track(r: ffi_pb2.FfiRequest) -> None:
        r.publish_data_track.local_participant_handle = local
        r.publish_data_track.options.name = "fuzz-track"

    for maker in (byte_writer, text_writer, data_track):
        world.call(request(maker))

    if control is not None:
        world.remote = f"{identity}-remote"
        signal = engine_pb2.GeneratedSignal(
            kind="sine", seconds=0.5, sample_rate=48000, num_channels=1, frequency_hz=440
        )
        try:
            control.inject_participant(room, world.remote, signal=signal, start_immediately=True)
            control.send_text(room, world.remote, "hello", topic="fuzz")
        except Exception:  # the world is smaller, the fuzzing goes on
            world.remote = ""
        # Its arrival, track and text stream come as events: taken into the pool.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not world.pool.by_type.get("OwnedTextStreamReader"):
            for event in transport.take_events():
                world.learn(event, pinned=True)
                world.strings += names_in(event)
            time.sleep(0.005)
    world.strings += [room, identity, world.remote]
    return world
