"""Data tracks: publish_data_track, local_data_track_try_push, local_data_track_unpublish,
local_data_track_is_published, subscribe_data_track, remote_data_track_is_published,
data_track_stream_read, remote_data_track_set_pipeline_options, define_schema and
get_schema, with the room events data_track_published and data_track_unpublished.

As the native core (livekit-ffi's server/data_track.rs, the livekit-datatrack crate and
livekit's local_participant.rs, for livekit 1.2.1) and a LiveKit server (livekit-server's
participant_data_track.go and participant_data_blob_handler.go, default limits):
- Publishing checks the schema metadata first (a schema needs a frame encoding; a frame
  encoding that is not self-describing needs a schema that describes it), then takes one
  of 65535 publication handles, then the server refuses a participant without
  canPublishData, an empty name or one over 256 bytes, a custom encoding that is empty or
  over 32 bytes, and a name already published. Every other participant hears
  data_track_published; one who joins later hears it once connected.
- `try_push` queues a frame for the track's task, 16 frames at most ("Failed to publish
  frame: queue full"); the task splits it into packets of at most 16000 bytes (a 12-byte
  header, 24 with a user timestamp). A frame with no payload makes no packet and never
  arrives; a subscriber drops a frame of more than 128 packets. The `_data_track` channel
  holds one frame in flight and one waiting: a newer frame replaces the waiting one.
  Frames keep their payload, user timestamp and order.
- Subscribing answers a stream at once and subscribes in the background: to a track that
  is gone the stream ends with "Cannot subscribe to unknown track" (INTERNAL); without
  canSubscribe or the publisher's permission the server never answers, so it ends after
  10 s with TIMEOUT; streams of one track share one subscription, whose buffer
  (`buffer_size`, 16 by default, 0 taken as 1) is a broadcast channel rounded up to a power
  of two: a reader that falls behind loses the oldest frames, and a stream only gets frames
  sent after it subscribed. A stream hands out one frame per read request; once the track
  is unpublished (or the subscriber leaves) it ends after the frames it still holds.
  Dropping the last stream unsubscribes.
- Unpublishing (the request, dropping the track's handle, leaving the room) tells the
  others data_track_unpublished; a participant who leaves takes its tracks with it.
- A full reconnection (rooms/reconnect.py): the reconnecting client's core keeps the
  remote data tracks it knew and their subscriptions, and republishes its own tracks under
  the same handles; the server gives them new sids, so the others, who saw the old session
  leave, hear data_track_unpublished, then data_track_published with the new sid.
- Schemas are data blobs the server keeps per participant: define_schema stores one (no
  parsing), get_schema reads another participant's; errors carry the server's reason.

Where lkemu differs, and why:
- A server keeps data blobs only with enable_participant_data_blob (LiveKit Cloud);
  lkemu plays such a server. The key's length is its Go text form (schema_id:{name:"..."
  encoding:{...}}) as lkemu spells it; Go may add a space, so the 256-byte limit can fall
  one byte apart.
- A stream whose subscription fails in the request itself (a track already gone, a room
  left) sends its end at its first read, not at once: the SDK starts listening for the
  stream's events only once the request has answered, so an earlier end would be lost.
- The data track channel drains at the data channels' bandwidth (rooms/data_channel.py):
  at once on the virtual clock, so no frame is replaced there. Packets are never lost or
  reordered, so max_partial_frames changes nothing a subscriber sees. A later grant of
  permission does not complete a subscription already waiting. `buffer_size` is capped at
  65536 frames (native would try to allocate any size). lkemu rooms do not encrypt:
  `uses_e2ee` is false.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from lkemu.proto import data_track_pb2, ffi_pb2, participant_pb2, room_pb2

from ..core.call import Call, FollowUp, field_or
from ..core.errors import InvalidRequest, Refused
from ..core.registry import handles
from ..core.session import Session
from ..core.sids import new_sid
from .data_channel import DataChannels
from .model import ARRIVAL_HOOKS, Member, RoomView, local_view

PublishCode = data_track_pb2.PublishDataTrackErrorCode
PushCode = data_track_pb2.LocalDataTrackTryPushErrorCode
SubscribeCode = data_track_pb2.SubscribeDataTrackErrorCode
FrameEncoding = data_track_pb2.DataTrackFrameEncoding
SchemaEncoding = data_track_pb2.DataTrackSchemaEncoding

# livekit-datatrack: local/manager.rs, local/pipeline.rs, packet/, remote/.
FRAME_BUFFER_COUNT = 16  # frames try_push may queue per track
MAX_PUBLICATION_HANDLES = 65_535  # the u16 handle allocator, 0 reserved
TRANSPORT_MTU = 16_000
BASE_HEADER_BYTES = 12
USER_TIMESTAMP_HEADER_BYTES = 24  # + extension word count, marker and 8-byte value
MAX_PACKETS_PER_FRAME = 128  # the depacketizer's buffer
DEFAULT_SUBSCRIBE_BUFFER = 16
MAX_SUBSCRIBE_BUFFER = 65_536  # lkemu's own limit
SUBSCRIBE_TIMEOUT_S = 10.0  # remote/mod.rs: no answer from the server
DATA_BLOB_TIMEOUT_S = 5.0  # local_participant.rs DATA_BLOB_REQUEST_TIMEOUT
# livekit-server config.go defaults.
MAX_NAME_BYTES = 256
MAX_CUSTOM_ENCODING_BYTES = 32
MAX_DATA_BLOB_KEY_BYTES = 256
MAX_DATA_BLOBS_BYTES = 64_000

# Texts of the native errors (Display of the Rust error types).
DISCONNECTED = "Room disconnected"
NOT_ALLOWED = "Data track publishing unauthorized"
DUPLICATE_NAME = "Track name already taken"
INVALID_NAME = "Track name invalid"
LIMIT_REACHED = "Data track publication limit reached"
BAD_ENCODING = "SFU rejected: encoding identifier is empty or exceeds the maximum length"
MISSING_FRAME_ENCODING = "Frame encoding is required when providing schema ID"
MISSING_SCHEMA_ID = "Schema ID is required for frame encoding that is not self-describing"
INCOMPATIBLE = "Specified schema and frame encodings are incompatible"
PUSH_FAILED = "Failed to publish frame: {reason}"
UNKNOWN_TRACK = "Cannot subscribe to unknown track"
SUBSCRIBE_TIMED_OUT = "Request to subscribe to data track timed-out"
SUBSCRIBE_DISCONNECTED = "Cannot subscribe to data track when disconnected"


def _frame_encoding(name: str) -> int:
    return FrameEncoding.WellKnownFrameEncoding.Value(f"WELL_KNOWN_FRAME_ENCODING_{name}")


def _schema_encoding(name: str) -> int:
    return SchemaEncoding.WellKnownSchemaEncoding.Value(f"WELL_KNOWN_SCHEMA_ENCODING_{name}")


SELF_DESCRIBING = frozenset(_frame_encoding(n) for n in ("CBOR", "MSGPACK", "JSON"))
# (frame encoding, schema encoding): the schema describes such frames.
DESCRIBED_BY = frozenset(
    (_frame_encoding(frame), _schema_encoding(schema))
    for frame, schema in (
        ("ROS1", "ROS1_MSG"),
        ("CDR", "ROS2_MSG"),
        ("CDR", "ROS2_IDL"),
        ("CDR", "OMG_IDL"),
        ("PROTOBUF", "PROTOBUF"),
        ("FLATBUFFER", "FLATBUFFER"),
        ("JSON", "JSON_SCHEMA"),
    )
)

# An encoding as the native core holds it: a well-known value (0: one it does not know,
# "Other"), or a custom name.
Encoding = int | str


class PublishFailed(Exception):
    """A publication refused: its PublishDataTrackErrorCode (by its short name) and text."""

    def __init__(self, code_name: str, message: str) -> None:
        super().__init__(message)
        self.code = PublishCode.Value(f"PUBLISH_DATA_TRACK_ERROR_CODE_{code_name}")
        self.message = message


def subscribe_error(code_name: str, message: str) -> data_track_pb2.SubscribeDataTrackError:
    error = data_track_pb2.SubscribeDataTrackError(message=message)
    code = SubscribeCode.Value(f"SUBSCRIBE_DATA_TRACK_ERROR_CODE_{code_name}")
    error.code = cast(data_track_pb2.SubscribeDataTrackErrorCode, code)
    return error


# ---------------------------------------------------------------- schema metadata


def _encoding(message: FrameEncoding | SchemaEncoding | None) -> Encoding:
    """What livekit-ffi's conversion makes of a proto encoding (unset or unknown: Other)."""
    if message is None:
        return 0
    which = message.WhichOneof("encoding")
    if which == "custom":
        return str(message.custom)
    return int(message.well_known) if which == "well_known" else 0


def validate_schema(frame: Encoding | None, schema: Encoding | None) -> str | None:
    """livekit-datatrack's validate_schema: the error text, or None when valid."""
    if frame is None:
        return MISSING_FRAME_ENCODING if schema is not None else None
    undetermined = frame == 0 or isinstance(frame, str)  # Other or custom: cannot tell
    if schema is None:
        return None if undetermined or frame in SELF_DESCRIBING else MISSING_SCHEMA_ID
    return None if undetermined or (frame, schema) in DESCRIBED_BY else INCOMPATIBLE


def _custom_ok(encoding: Encoding | None) -> bool:
    """The server's check of a custom encoding's identifier."""
    if not isinstance(encoding, str):
        return True
    return 0 < len(encoding.encode()) <= MAX_CUSTOM_ENCODING_BYTES


@dataclass(frozen=True)
class SchemaId:
    name: str
    encoding: Encoding

    @classmethod
    def of(cls, message: data_track_pb2.DataTrackSchemaId) -> SchemaId:
        encoding = message.encoding if message.HasField("encoding") else None
        return cls(message.name, _encoding(encoding))

    def to_proto(self) -> data_track_pb2.DataTrackSchemaId:
        out = data_track_pb2.DataTrackSchemaId(name=self.name)
        if isinstance(self.encoding, str):
            out.encoding.custom = self.encoding
        else:
            out.encoding.well_known = self.encoding  # type: ignore[assignment]
        return out

    def key_too_long(self) -> bool:
        """Whether its blob key passes the server's limit, known without building it: the
        key quotes the name and encoding, which never makes them shorter (building the key
        of a fuzzed 1 MB name took ~45 ms of the engine's loop)."""
        custom = self.encoding if isinstance(self.encoding, str) else ""
        return len(self.name.encode()) + len(custom.encode()) > MAX_DATA_BLOB_KEY_BYTES

    def blob_key(self) -> str:
        """The data blob key as the server's Go text form prints it (its length is checked)."""
        if isinstance(self.encoding, str):
            encoding = f"custom:{_go_quoted(self.encoding)}"
        else:
            encoding = f"well_known:{SchemaEncoding.WellKnownSchemaEncoding.Name(self.encoding)}"
        name = f"name:{_go_quoted(self.name)} " if self.name else ""
        return f"schema_id:{{{name}encoding:{{{encoding}}}}}"


# Go's %q escapes, as a str.translate table: one pass in C (the same join one character at a
# time in Python took ~70 ms of the engine's loop for a fuzzed 1 MB schema name).
_GO_ESCAPES = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)},
    **{ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"},
}


def _go_quoted(text: str) -> str:
    return f'"{text.translate(_GO_ESCAPES)}"'


def _frame_encoding_proto(encoding: Encoding) -> FrameEncoding:
    out = FrameEncoding()
    if isinstance(encoding, str):
        out.custom = encoding
    else:
        out.well_known = encoding  # type: ignore[assignment]
    return out


# ---------------------------------------------------------------- frames on the wire


@dataclass(frozen=True, slots=True)
class Frame:
    payload: bytes
    user_timestamp: int | None

    @classmethod
    def of(cls, message: data_track_pb2.DataTrackFrame) -> Frame:
        stamp = message.user_timestamp if message.HasField("user_timestamp") else None
        return cls(bytes(message.payload), stamp)

    def to_proto(self, out: data_track_pb2.DataTrackFrame) -> None:
        out.payload = self.payload
        if self.user_timestamp is not None:
            out.user_timestamp = self.user_timestamp

    def header_bytes(self) -> int:
        return BASE_HEADER_BYTES if self.user_timestamp is None else USER_TIMESTAMP_HEADER_BYTES

    def packets(self) -> int:
        """How many packets the packetizer cuts it into (0 for an empty payload)."""
        per_packet = TRANSPORT_MTU - self.header_bytes()
        return -(-len(self.payload) // per_packet)

    def wire_bytes(self) -> int:
        return len(self.payload) + self.packets() * self.header_bytes()


# ---------------------------------------------------------------- the publishing side


class LocalDataTrack:
    """A published data track (what its FfiLocalDataTrack handle names), as its publisher's
    core and the server know it."""

    native_type_name = "livekit_ffi::server::data_track::FfiLocalDataTrack"

    def __init__(
        self,
        owner: LocalDataTracks,
        member: Member,
        pub_handle: int,
        name: str,
        schema: SchemaId | None,
        frame_encoding: Encoding | None,
    ) -> None:
        self.owner, self.pub_handle, self.name = owner, pub_handle, name
        self.member = member  # the session it is published in (a full reconnect makes another)
        self.schema, self.frame_encoding = schema, frame_encoding
        self.sid = new_sid("DTR")
        self.published = True
        self.queue: deque[Frame] = deque()
        self._draining: asyncio.Handle | None = None
        self.subscribers: list[RemoteDataTrack] = []  # active subscriptions (the server's)

    def info(self) -> data_track_pb2.DataTrackInfo:
        info = data_track_pb2.DataTrackInfo(name=self.name, sid=self.sid, uses_e2ee=False)
        if self.schema is not None:
            info.schema.CopyFrom(self.schema.to_proto())
        if self.frame_encoding is not None:
            info.frame_encoding.CopyFrom(_frame_encoding_proto(self.frame_encoding))
        return info

    def try_push(self, frame: Frame) -> data_track_pb2.LocalDataTrackTryPushError | None:
        if not self.published:
            code_name, reason = "TRACK_UNPUBLISHED", "track unpublished"
        elif len(self.queue) >= FRAME_BUFFER_COUNT:
            code_name, reason = "QUEUE_FULL", "queue full"
        else:
            self.queue.append(frame)
            if self._draining is None:  # the track's task takes them when the loop turns
                self._draining = asyncio.get_running_loop().call_soon(self._drain)
            return None
        error = data_track_pb2.LocalDataTrackTryPushError(message=PUSH_FAILED.format(reason=reason))
        code = PushCode.Value(f"LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_{code_name}")
        error.code = cast(data_track_pb2.LocalDataTrackTryPushErrorCode, code)
        return error

    def _drain(self) -> None:
        self._draining = None
        while self.queue:
            frame = self.queue.popleft()
            if frame.packets() == 0:
                continue  # nothing to send: the packetizer makes no packet of it
            self.owner.send(frame, partial(self.forward, frame))

    def forward(self, frame: Frame) -> None:
        """The frame reached the server: on to every subscriber."""
        if not self.published or frame.packets() > MAX_PACKETS_PER_FRAME:
            return  # unknown handle at the server, or the depacketizer's buffer full
        for remote in list(self.subscribers):
            remote.receive(frame)

    def unpublish(self) -> None:
        if not self.published:
            return
        self.published = False
        self.queue.clear()
        if self._draining is not None:
            self._draining.cancel()
            self._draining = None
        self.owner.tracks.pop(self.pub_handle, None)
        publisher, room = self.owner.view.member, self.owner.view.room
        for other in list(room.members.values()):
            if other is not publisher and publisher is not None and publisher.visible_to(other):
                other.view.state(RemoteDataTracks).withdrawn(self.sid)
        self.subscribers.clear()

    def close(self) -> None:
        """Its handle was dropped: native unpublishes the track."""
        self.unpublish()


class LocalDataTracks:
    """One view's publications, its data track channel, and the data blobs the server keeps
    for it (schemas): RoomView.state."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.tracks: dict[int, LocalDataTrack] = {}  # by publication handle
        self.handles_taken = 0
        self.blobs: dict[str, str] = {}  # schema key (Go text) -> definition
        self._in_flight: asyncio.TimerHandle | None = None
        self._waiting: Callable[[], None] | None = None
        self._waiting_bytes = 0

    def publish(
        self, member: Member, name: str, schema: SchemaId | None, frame_encoding: Encoding | None
    ) -> LocalDataTrack:
        """The core's checks, then the server's (PublishFailed)."""
        schema_encoding = schema.encoding if schema is not None else None
        error = validate_schema(frame_encoding, schema_encoding)
        if error is not None:
            raise PublishFailed("INVALID_SCHEMA", error)
        if self.handles_taken >= MAX_PUBLICATION_HANDLES:
            raise PublishFailed("LIMIT_REACHED", LIMIT_REACHED)
        self.handles_taken += 1
        if not member.grant_publish_data:
            raise PublishFailed("NOT_ALLOWED", NOT_ALLOWED)
        if not 0 < len(name.encode()) <= MAX_NAME_BYTES:
            raise PublishFailed("INVALID_NAME", INVALID_NAME)
        if not (_custom_ok(frame_encoding) and _custom_ok(schema_encoding)):
            raise PublishFailed("INTERNAL", BAD_ENCODING)  # an INVALID_REQUEST from the server
        if any(track.name == name for track in self.tracks.values()):
            raise PublishFailed("DUPLICATE_NAME", DUPLICATE_NAME)
        track = LocalDataTrack(self, member, self.handles_taken, name, schema, frame_encoding)
        self.tracks[track.pub_handle] = track
        return track

    def announce(self, track: LocalDataTrack) -> None:
        """The server tells every participant who may know of the publisher."""
        publisher = self.view.member
        if publisher is None:
            return
        for other in list(self.view.room.members.values()):
            # One whose connection is not up yet hears of it once it is (_arrived).
            connected = other.state == participant_pb2.PARTICIPANT_STATE_ACTIVE
            if other is not publisher and publisher.visible_to(other) and connected:
                other.view.state(RemoteDataTracks).announce(publisher, track)

    def republish(self, member: Member) -> None:
        """A full reconnection joined `member`, a new session: the core republishes every
        track under its handle (the server gives a new sid), and the others hear of it."""
        for track in list(self.tracks.values()):
            if track.member is not member:
                track.member, track.sid = member, new_sid("DTR")
                track.subscribers.clear()  # the old session's went with it
                self.announce(track)

    # The `_data_track` channel: one frame in flight, one waiting (dc_sender.rs).

    def send(self, frame: Frame, arrive: Callable[[], None]) -> None:
        bytes_per_second = self.view.state(DataChannels).bytes_per_second
        if bytes_per_second is None:
            arrive()
        elif self._in_flight is None:
            self._transmit(frame.wire_bytes(), arrive, bytes_per_second)
        else:  # drop-oldest: a newer frame replaces the one waiting
            self._waiting, self._waiting_bytes = arrive, frame.wire_bytes()

    def _transmit(self, size: int, arrive: Callable[[], None], bytes_per_second: float) -> None:
        def sent() -> None:
            self._in_flight = None
            if self.view.connected_member is not None:
                arrive()
            waiting, self._waiting = self._waiting, None
            rate = self.view.state(DataChannels).bytes_per_second
            if waiting is not None:
                if rate is None:
                    waiting()
                else:
                    self._transmit(self._waiting_bytes, waiting, rate)

        loop = asyncio.get_running_loop()
        self._in_flight = loop.call_later(size / bytes_per_second, sent)

    # As a view state: leaving unpublishes everything (the manager's shutdown).

    def peer_left(self, identity: str) -> None:
        pass

    def closed(self) -> None:
        for track in list(self.tracks.values()):
            track.unpublish()
        if self._in_flight is not None:
            self._in_flight.cancel()
            self._in_flight = None
        self._waiting = None
        self.blobs.clear()


# ---------------------------------------------------------------- the subscribing side


class RemoteDataTrack:
    """A data track someone else publishes, as one subscriber's core knows it (what its
    FfiRemoteDataTrack handle names), with that subscriber's one subscription to it."""

    native_type_name = "livekit_ffi::server::data_track::FfiRemoteDataTrack"

    def __init__(self, inbox: RemoteDataTracks, publisher: Member, track: LocalDataTrack) -> None:
        self.inbox, self.track = inbox, track
        self.publisher_identity = publisher.identity
        self.publisher = publisher
        self.info = track.info()
        self.published = True
        self.max_partial_frames = 1
        self.capacity = 0  # of the active subscription's broadcast channel; 0: none
        self.streams: list[DataTrackStream] = []  # attached to the active subscription
        self.waiting: list[DataTrackStream] = []  # the server has not answered yet

    @property
    def sid(self) -> str:
        return str(self.info.sid)

    def subscribe(self, stream: DataTrackStream, buffer_size: int) -> None:
        stream.remote = self
        if self.inbox.shut:
            stream.fail("DISCONNECTED", SUBSCRIBE_DISCONNECTED, held=True)
        elif not self.published:
            stream.fail("INTERNAL", UNKNOWN_TRACK, held=True)
        elif self.capacity:
            self.streams.append(stream)
            stream.attach(self.capacity)
        elif self.waiting:
            self._wait(stream)
        elif self._allowed():
            self.capacity = 1 << (buffer_size - 1).bit_length()  # tokio rounds it up
            self.track.subscribers.append(self)
            self.streams.append(stream)
            stream.attach(self.capacity)
        else:
            self._wait(stream)

    def _allowed(self) -> bool:
        """Whether the server subscribes this participant (else it never answers)."""
        member = self.inbox.view.connected_member
        return (
            member is not None
            and member.grant_subscribe
            and self.publisher.permissions.allows(member.identity, self.sid)
        )

    def _wait(self, stream: DataTrackStream) -> None:
        self.waiting.append(stream)
        stream.timeout = asyncio.get_running_loop().call_later(
            SUBSCRIBE_TIMEOUT_S,
            lambda: stream.fail("TIMEOUT", SUBSCRIBE_TIMED_OUT),
        )

    def receive(self, frame: Frame) -> None:
        for stream in list(self.streams):
            stream.push(frame)

    def stream_gone(self, stream: DataTrackStream) -> None:
        if stream in self.waiting:
            self.waiting.remove(stream)
        if stream in self.streams:
            self.streams.remove(stream)
            if not self.streams:  # no receiver left: the track task unsubscribes
                self._unsubscribe()

    def _unsubscribe(self) -> None:
        self.capacity = 0
        if self in self.track.subscribers:
            self.track.subscribers.remove(self)

    def end(self) -> None:
        """Unpublished, or the subscriber's room closed: waiting subscriptions fail, active
        streams end once they have handed out what they hold."""
        self.published = False
        self._unsubscribe()
        for stream in list(self.waiting):
            stream.fail("DISCONNECTED", SUBSCRIBE_DISCONNECTED)
        for stream in list(self.streams):
            stream.source_ended()
        self.waiting.clear()
        self.streams.clear()


class RemoteDataTracks:
    """The data tracks one view knows of (the remote manager): RoomView.state."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.tracks: dict[str, RemoteDataTrack] = {}  # by sid
        self.shut = False

    def announce(self, publisher: Member, track: LocalDataTrack) -> None:
        session = self.view.session
        if session is None or self.shut or track.sid in self.tracks or not track.published:
            return
        remote = RemoteDataTrack(self, publisher, track)
        self.tracks[track.sid] = remote
        handle = self.view.runtime.handles.store(remote, session.id)

        def published(e: room_pb2.RoomEvent) -> None:
            owned = e.data_track_published.track
            owned.handle.id = handle
            owned.info.CopyFrom(remote.info)
            owned.publisher_identity = remote.publisher_identity

        self.view.emit(published)

    def withdrawn(self, sid: str) -> None:
        remote = self.tracks.pop(sid, None)
        if remote is None:
            return
        remote.end()
        self.view.emit(lambda e: setattr(e.data_track_unpublished, "sid", sid))

    def peer_left(self, identity: str) -> None:
        if identity in self.view.room.members:
            # Still in the room: this view's own client reconnects in full and forgets
            # everyone; its core keeps the data tracks (the new join names the same ones).
            return
        for remote in [r for r in self.tracks.values() if r.publisher_identity == identity]:
            self.withdrawn(remote.sid)

    def closed(self) -> None:
        self.shut = True
        for remote in self.tracks.values():
            remote.end()
        self.tracks.clear()


def _arrived(member: Member) -> None:
    """A member's connection is up: after a full reconnection its own tracks are published
    again; and it hears of the data tracks already published."""
    own = member.view.states.get(LocalDataTracks)
    if own is not None:
        assert isinstance(own, LocalDataTracks)
        own.republish(member)
    for other in list(member.view.room.members.values()):
        tracks = other.view.states.get(LocalDataTracks)
        if other is member or tracks is None or not other.visible_to(member):
            continue
        assert isinstance(tracks, LocalDataTracks)
        for track in list(tracks.tracks.values()):
            member.view.state(RemoteDataTracks).announce(other, track)


ARRIVAL_HOOKS.append(_arrived)


class DataTrackStream:
    """One subscription stream (its FfiDataTrackStream handle): the receiver of the track's
    broadcast channel, and the task that sends one frame per read request (a Notify: a read
    while the task is busy leaves one permit, never more)."""

    native_type_name = "livekit_ffi::server::data_track::FfiDataTrackStream"

    def __init__(self, session: Session) -> None:
        self.session = session
        self.handle = 0
        self.remote: RemoteDataTrack | None = None
        self.buffer: deque[Frame] = deque()
        self.subscribed = False
        self.reading = False  # the task waits for a frame (else for a read, once subscribed)
        self.permit = False
        self.source_closed = False
        self.eos: data_track_pb2.DataTrackStreamEOS | None = None
        self._eos_held = False
        self.timeout: asyncio.TimerHandle | None = None

    def read(self) -> data_track_pb2.DataTrackStreamEOS | None:
        if self.eos is not None:
            if self._eos_held:
                self._eos_held = False
                self._emit_eos()
            return self.eos
        if self.subscribed and not self.reading:
            self.reading = True
            self._pump()
        else:
            self.permit = True
        return None

    def attach(self, capacity: int) -> None:
        self._cancel_timeout()
        self.subscribed = True
        self.buffer = deque(maxlen=capacity)
        if self.permit:
            self.permit, self.reading = False, True

    def push(self, frame: Frame) -> None:
        if self.eos is not None or not self.subscribed:
            return
        self.buffer.append(frame)  # full: the oldest goes (a lagging broadcast receiver)
        self._pump()

    def source_ended(self) -> None:
        self.source_closed = True
        self._pump()

    def _pump(self) -> None:
        while self.reading and self.eos is None:
            if self.buffer:
                self._emit_frame(self.buffer.popleft())
                self.reading, self.permit = self.permit, False
            elif self.source_closed:
                self._end(None)
            else:
                return

    def fail(self, code_name: str, message: str, *, held: bool = False) -> None:
        """The subscription failed; `held`: decided in the request itself, sent at the
        first read (see the module's notes)."""
        if self.eos is None:
            self._end(subscribe_error(code_name, message), held=held)

    def _end(
        self, error: data_track_pb2.SubscribeDataTrackError | None, held: bool = False
    ) -> None:
        self.eos = data_track_pb2.DataTrackStreamEOS()
        if error is not None:
            self.eos.error.CopyFrom(error)
        self.reading = False
        self._eos_held = held
        if not held:
            self._emit_eos()
        self._detach()

    def close(self) -> None:
        """Its handle was dropped: the task ends without a word."""
        if self.eos is None:
            self.eos = data_track_pb2.DataTrackStreamEOS()
        self._eos_held = False
        self._detach()

    def _detach(self) -> None:
        self._cancel_timeout()
        self.buffer.clear()
        if self.remote is not None:
            self.remote.stream_gone(self)

    def _cancel_timeout(self) -> None:
        if self.timeout is not None:
            self.timeout.cancel()
            self.timeout = None

    def _event(self) -> tuple[ffi_pb2.FfiEvent, data_track_pb2.DataTrackStreamEvent]:
        event = ffi_pb2.FfiEvent()
        event.data_track_stream_event.stream_handle = self.handle
        return event, event.data_track_stream_event

    def _emit_frame(self, frame: Frame) -> None:
        event, detail = self._event()
        frame.to_proto(detail.frame_received.frame)
        self.session.emit(event)

    def _emit_eos(self) -> None:
        assert self.eos is not None
        event, detail = self._event()
        detail.eos.CopyFrom(self.eos)
        self.session.emit(event)


# ---------------------------------------------------------------- requests


@handles("publish_data_track")
def on_publish_data_track(
    call: Call, request: data_track_pb2.PublishDataTrackRequest
) -> data_track_pb2.PublishDataTrackResponse:
    view = local_view(call, request.local_participant_handle)
    options = request.options
    name = options.name
    schema = SchemaId.of(options.schema) if options.HasField("schema") else None
    frame_encoding = (
        _encoding(options.frame_encoding) if options.HasField("frame_encoding") else None
    )

    async def publish(callback: Any) -> FollowUp | None:
        member = view.connected_member
        tracks = view.state(LocalDataTracks)
        try:
            if member is None:  # the manager is gone with the room
                raise PublishFailed("DISCONNECTED", DISCONNECTED)
            track = tracks.publish(member, name, schema, frame_encoding)
        except PublishFailed as failed:
            callback.error.code, callback.error.message = failed.code, failed.message
            return None
        callback.track.handle.CopyFrom(call.own(track))
        callback.track.info.CopyFrom(track.info())
        return lambda: tracks.announce(track)

    response = data_track_pb2.PublishDataTrackResponse()
    response.async_id = call.answer_later(request, publish)
    return response


@handles("local_data_track_try_push")
def on_local_data_track_try_push(
    call: Call, request: data_track_pb2.LocalDataTrackTryPushRequest
) -> data_track_pb2.LocalDataTrackTryPushResponse:
    track = call.get(request.track_handle, LocalDataTrack)
    response = data_track_pb2.LocalDataTrackTryPushResponse()
    error = track.try_push(Frame.of(request.frame))
    if error is not None:
        response.error.CopyFrom(error)
    return response


@handles("local_data_track_unpublish")
def on_local_data_track_unpublish(
    call: Call, request: data_track_pb2.LocalDataTrackUnpublishRequest
) -> data_track_pb2.LocalDataTrackUnpublishResponse:
    call.get(request.track_handle, LocalDataTrack).unpublish()
    return data_track_pb2.LocalDataTrackUnpublishResponse()


@handles("local_data_track_is_published")
def on_local_data_track_is_published(
    call: Call, request: data_track_pb2.LocalDataTrackIsPublishedRequest
) -> data_track_pb2.LocalDataTrackIsPublishedResponse:
    track = call.get(request.track_handle, LocalDataTrack)
    return data_track_pb2.LocalDataTrackIsPublishedResponse(is_published=track.published)


@handles("subscribe_data_track")
def on_subscribe_data_track(
    call: Call, request: data_track_pb2.SubscribeDataTrackRequest
) -> data_track_pb2.SubscribeDataTrackResponse:
    remote = call.get(request.track_handle, RemoteDataTrack)
    buffer_size = field_or(request.options, "buffer_size", DEFAULT_SUBSCRIBE_BUFFER)
    if buffer_size > MAX_SUBSCRIBE_BUFFER:
        raise InvalidRequest(
            f"buffer_size {buffer_size} is over lkemu's limit of {MAX_SUBSCRIBE_BUFFER} frames"
        )
    if buffer_size == 0:
        call.session.log(ffi_pb2.LOG_WARN, "Zero is not a valid buffer size, using one")
        buffer_size = 1
    stream = DataTrackStream(call.session)
    response = data_track_pb2.SubscribeDataTrackResponse()
    response.stream.handle.CopyFrom(call.own(stream))
    stream.handle = response.stream.handle.id
    remote.subscribe(stream, buffer_size)
    return response


@handles("remote_data_track_is_published")
def on_remote_data_track_is_published(
    call: Call, request: data_track_pb2.RemoteDataTrackIsPublishedRequest
) -> data_track_pb2.RemoteDataTrackIsPublishedResponse:
    remote = call.get(request.track_handle, RemoteDataTrack)
    return data_track_pb2.RemoteDataTrackIsPublishedResponse(is_published=remote.published)


@handles("data_track_stream_read")
def on_data_track_stream_read(
    call: Call, request: data_track_pb2.DataTrackStreamReadRequest
) -> data_track_pb2.DataTrackStreamReadResponse:
    eos = call.get(request.stream_handle, DataTrackStream).read()
    response = data_track_pb2.DataTrackStreamReadResponse()
    if eos is not None:
        response.eos_event.CopyFrom(eos)
    return response


@handles("remote_data_track_set_pipeline_options")
def on_remote_data_track_set_pipeline_options(
    call: Call, request: data_track_pb2.RemoteDataTrackSetPipelineOptionsRequest
) -> data_track_pb2.RemoteDataTrackSetPipelineOptionsResponse:
    remote = call.get(request.track_handle, RemoteDataTrack)
    # Native builds the options afresh: an unset field is the default (1), not "keep".
    wanted = field_or(request.options, "max_partial_frames", 1)
    if wanted == 0:
        call.session.log(
            ffi_pb2.LOG_WARN, "Zero is not a valid value for max_partial_frames, using one"
        )
    if remote.published and not remote.inbox.shut:
        remote.max_partial_frames = max(wanted, 1)
    return data_track_pb2.RemoteDataTrackSetPipelineOptionsResponse()


def _store_refusal(blobs: dict[str, str], schema: SchemaId, definition: str) -> str | None:
    """Why the server refuses to store a schema (its RequestResponse reason, as Rust's Debug
    names it, and message), or None."""
    if schema.key_too_long():
        return "(InvalidRequest): data blob is invalid"
    key = len(schema.blob_key().encode())
    if key > MAX_DATA_BLOB_KEY_BYTES:
        return "(InvalidRequest): data blob is invalid"
    if not _custom_ok(schema.encoding):
        return "(InvalidRequest): encoding identifier is empty or exceeds the maximum length"
    if not definition:
        return "(InvalidRequest): data blob is empty"
    stored = sum(len(k.encode()) + len(v.encode()) for k, v in blobs.items())
    if stored + key + len(definition.encode()) > MAX_DATA_BLOBS_BYTES:
        return "(LimitExceeded): async attribute definition exceeds limit"
    return None


@handles("define_schema")
def on_define_schema(
    call: Call, request: data_track_pb2.DefineSchemaRequest
) -> data_track_pb2.DefineSchemaResponse:
    view = local_view(call, request.local_participant_handle)
    schema, definition = SchemaId.of(request.schema_id), request.definition

    async def define(callback: Any) -> None:
        if view.connected_member is None:  # no server to answer
            await asyncio.sleep(DATA_BLOB_TIMEOUT_S)
            raise Refused("room failure: store data blob timed out")
        blobs = view.state(LocalDataTracks).blobs
        refusal = _store_refusal(blobs, schema, definition)
        if refusal is not None:
            raise Refused(f"room failure: store data blob request failed {refusal}")
        blobs[schema.blob_key()] = definition  # the server replaces one of the same key

    response = data_track_pb2.DefineSchemaResponse()
    response.async_id = call.answer_later(request, define)
    return response


@handles("get_schema")
def on_get_schema(
    call: Call, request: data_track_pb2.GetSchemaRequest
) -> data_track_pb2.GetSchemaResponse:
    view = local_view(call, request.local_participant_handle)
    schema, identity = SchemaId.of(request.schema_id), request.participant_identity

    async def get(callback: Any) -> None:
        failed = "room failure: failed to fetch schema: "
        if view.connected_member is None:
            await asyncio.sleep(DATA_BLOB_TIMEOUT_S)
            raise Refused(failed + "signal failure: get data blob timed out")
        failed += "internal error: get data blob request failed (NotFound): "
        holder = view.room.members.get(identity)
        if holder is None:
            raise Refused(failed + "participant not found")
        stored = holder.view.state(LocalDataTracks).blobs
        definition = None if schema.key_too_long() else stored.get(schema.blob_key())
        if definition is None:
            raise Refused(failed + "data blob not found")
        callback.definition = definition

    response = data_track_pb2.GetSchemaResponse()
    response.async_id = call.answer_later(request, get)
    return response
