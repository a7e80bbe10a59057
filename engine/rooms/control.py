"""Rooms steered from outside, as a LiveKit server's RoomService would: list rooms and
participants, remove a participant, close a room, change room metadata; and what only a
simulation can do: participants the engine plays itself (a WAV file or a generated
signal published as a microphone), and faults (connection quality, a reconnection, a
participant's network: loss, jitter, bandwidth, or gone for a while).

The wire side is engine/core/server.py (EngineControl); this module works on the room model and
raises ControlError with a message for anything it cannot do.
"""

from __future__ import annotations

import asyncio
import io
import wave
from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from lkemu.proto import data_stream_pb2, engine_pb2, participant_pb2, room_pb2, track_pb2

from ..core.runtime import EngineRuntime
from ..dsp import signals
from ..media.audio_source import AudioSource
from ..media.tracks import LocalAudioTrack
from . import reconnect, rpc
from .data_channel import DataChannels
from .data_streams import send_text_now
from .health import set_quality
from .media import Relay, offer, publish, reconcile
from .model import Member, Rooms, RoomView, SimRoom, activate, join, leave
from .network import Links
from .reconnect import resume
from .rpc import RpcEndpoint, RpcOutcome
from .tokens import PARTICIPANT_KINDS, Identity, VideoGrant

# lkemu's bounds on faults, far past any call that still works: 10 s of jitter, a day
# without network.
MAX_JITTER_MS = 10_000.0
MAX_OUTAGE_S = 86_400.0


class ControlError(ValueError):
    """A control request that cannot be carried out, and why."""


@dataclass
class InjectedParticipant:
    """A participant the engine plays: its view, and its microphone if it has one (the
    source and the task feeding it)."""

    view: RoomView
    source: AudioSource | None = None
    track: LocalAudioTrack | None = None
    feeder: asyncio.Task[None] | None = None

    def stop(self) -> None:
        if self.feeder is not None:
            self.feeder.cancel()
        if self.source is not None:
            self.source.close()
        if self.track is not None:  # (a closed source's tracks would play silence on)
            self.track.close()

    # As the view's state (RoomView.state): whichever way it leaves (removed, replaced by a
    # client taking its identity, the room closed), its microphone stops.

    def peer_left(self, identity: str) -> None:
        pass

    def closed(self) -> None:
        self.stop()


class InjectedParticipants:
    """The participants the engine plays, by (room, identity) (runtime.area(...))."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.by_key: dict[tuple[str, str], InjectedParticipant] = {}

    def add(self, room: str, identity: str, injected: InjectedParticipant) -> None:
        previous = self.by_key.pop((room, identity), None)
        if previous is not None:
            previous.stop()
        self.by_key[(room, identity)] = injected
        injected.view.states[InjectedParticipant] = injected

    def remove(self, room: str, identity: str) -> None:
        injected = self.by_key.pop((room, identity), None)
        if injected is not None:
            injected.stop()

    def stop(self) -> None:
        for injected in self.by_key.values():
            injected.stop()
        self.by_key.clear()


def _room(runtime: EngineRuntime, name: str) -> SimRoom:
    room = runtime.area(Rooms).get(name)
    if room is None:
        raise ControlError(f"no room named {name!r}")
    return room


def _member(runtime: EngineRuntime, room_name: str, identity: str) -> Member:
    member = _room(runtime, room_name).members.get(identity)
    if member is None:
        raise ControlError(f"no participant {identity!r} in room {room_name!r}")
    return member


def list_rooms(runtime: EngineRuntime) -> engine_pb2.ListRoomsReply:
    reply = engine_pb2.ListRoomsReply()
    for room in runtime.area(Rooms).by_name.values():
        info = room.info()
        reply.rooms.add(
            name=room.name,
            sid=room.sid,
            metadata=room.metadata,
            num_participants=info.num_participants,
            num_publishers=info.num_publishers,
            active_speakers=room.active_speakers,
        )
    return reply


def summary(member: Member) -> engine_pb2.ParticipantSummary:
    result = engine_pb2.ParticipantSummary(
        identity=member.identity,
        sid=member.sid,
        name=member.name,
        metadata=member.metadata,
        hidden=member.hidden,
        injected=member.view.session is None,
        audio_level=member.audio_level,
    )
    result.attributes.update(member.attributes)
    for published in member.publications.values():
        track = published.track
        result.tracks.add(
            sid=track.sid,
            name=track.name,
            kind="audio" if track.kind == track_pb2.KIND_AUDIO else "video",
            source=published.source,
            muted=track.muted,
        )
    result.subscribed_to.extend(sorted({s.publisher for s in member.view.subscriptions.values()}))
    return result


def list_participants(runtime: EngineRuntime, room_name: str) -> engine_pb2.ListParticipantsReply:
    reply = engine_pb2.ListParticipantsReply()
    for member in _room(runtime, room_name).members.values():
        reply.participants.append(summary(member))
    return reply


def _decode_wav(data: bytes) -> tuple[np.ndarray, int, int]:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            if reader.getsampwidth() != 2:
                raise ControlError(
                    f"WAV must be 16-bit PCM, this one has {8 * reader.getsampwidth()}-bit samples"
                )
            rate, channels = reader.getframerate(), reader.getnchannels()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise ControlError(f"not a readable WAV file: {error}") from None
    samples = np.frombuffer(frames, dtype="<i2").astype(np.int16).reshape(-1, channels)
    return samples, rate, channels


def _generate(signal: engine_pb2.GeneratedSignal) -> tuple[np.ndarray, int, int]:
    rate = signal.sample_rate or 48000
    channels = signal.num_channels or 1
    try:
        samples = signals.generate(
            signal.kind, signal.seconds, rate, frequency_hz=signal.frequency_hz,
            level_dbfs=signal.level_dbfs, seed=signal.seed, max_seconds=3600,
        )  # fmt: skip
    except ValueError as error:
        raise ControlError(str(error)) from None
    return np.repeat(samples[:, None], channels, axis=1), rate, channels


def inject_participant(
    runtime: EngineRuntime, request: engine_pb2.InjectParticipantRequest
) -> engine_pb2.InjectParticipantReply:
    if not request.room or not request.identity:
        raise ControlError("room and identity are required")
    kind = (request.kind or "standard").lower()
    if kind not in PARTICIPANT_KINDS:
        raise ControlError(f"kind must be one of {', '.join(PARTICIPANT_KINDS)}, not {kind!r}")
    which = request.WhichOneof("audio")
    audio = None
    if which is not None:
        audio = _decode_wav(request.wav) if which == "wav" else _generate(request.signal)
        if not len(audio[0]):
            raise ControlError("the audio is empty")
    room = runtime.area(Rooms).get_or_create(request.room)
    view = RoomView(runtime, None, room)
    # As a caller's client, it subscribes to what the others publish (unless told not to):
    # an agent's audio output waits for a subscriber before it plays.
    view.auto_subscribe = not request.no_subscribe
    who = Identity(
        identity=request.identity,
        name=request.name,
        metadata=request.metadata,
        grant=VideoGrant(room_join=True, room=request.room, can_subscribe=True),
        kind=kind,
    )
    already = room.visible()
    member = join(view, who)
    activate(member)
    for other in already:  # what is already published reaches it as it would a client
        for published in list(other.publications.values()):
            reconcile(view, other, published)
    injected = InjectedParticipant(view)
    runtime.area(InjectedParticipants).add(room.name, member.identity, injected)
    if audio is None:
        return engine_pb2.InjectParticipantReply(participant=summary(member))
    samples, rate, channels = audio
    source = AudioSource(runtime.media_clock, rate, channels, 1000)
    track = LocalAudioTrack(request.track_name or "microphone", source)
    published = publish(view, member, track, track_pb2.SOURCE_MICROPHONE)
    injected.source, injected.track = source, track
    for other in list(room.members.values()):
        if other is not member:
            offer(other.view, member, published)

    async def feed() -> None:
        while not request.start_immediately and not any(
            isinstance(sink, Relay) for sink in track.sinks
        ):
            await source.changed()  # a new sink wakes the source
        while True:
            await source.capture(samples)
            if not request.loop or source.closed:
                return

    injected.feeder = asyncio.get_running_loop().create_task(feed())
    return engine_pb2.InjectParticipantReply(
        participant=summary(member), track_sid=track.sid, samples=len(samples)
    )


def _played(runtime: EngineRuntime, room_name: str, identity: str) -> Member:
    member = _member(runtime, room_name, identity)
    if member.view.session is not None:
        raise ControlError(f"{identity!r} is not a participant the engine plays")
    return member


def set_rpc_replies(runtime: EngineRuntime, request: engine_pb2.SetRpcRepliesRequest) -> None:
    member = _played(runtime, request.room, request.identity)
    replies = {}
    for reply in request.replies:
        if reply.error_code:
            replies[reply.method] = RpcOutcome(
                code=reply.error_code,
                message=reply.error_message,
                data=reply.error_data,
                failed=True,
            )
        else:
            replies[reply.method] = RpcOutcome(payload=reply.payload)
    member.view.state(RpcEndpoint).set_canned(replies)


async def perform_rpc(
    runtime: EngineRuntime, request: engine_pb2.ControlPerformRpcRequest
) -> engine_pb2.ControlPerformRpcReply:
    member = _played(runtime, request.room, request.identity)
    outcome = await rpc.perform(
        member.view,
        member,
        request.destination_identity,
        request.method,
        request.payload,
        request.response_timeout_ms or rpc.DEFAULT_RESPONSE_TIMEOUT_MS,
        request.max_round_trip_latency_ms or rpc.DEFAULT_MAX_ROUND_TRIP_LATENCY_MS,
    )
    return engine_pb2.ControlPerformRpcReply(
        payload=outcome.payload,
        error_code=outcome.code,
        error_message=outcome.message,
        error_data=outcome.data or "",
    )


async def send_text(
    runtime: EngineRuntime, request: engine_pb2.ControlSendTextRequest
) -> engine_pb2.ControlSendTextReply:
    member = _played(runtime, request.room, request.identity)
    options = data_stream_pb2.StreamTextOptions(
        topic=request.topic, destination_identities=request.destination_identities
    )
    options.attributes.update(request.attributes)
    header = await send_text_now(member.view, member, options, request.text)
    return engine_pb2.ControlSendTextReply(stream_id=header.stream_id)


def set_data_bandwidth(runtime: EngineRuntime, request: engine_pb2.SetDataBandwidthRequest) -> None:
    member = _member(runtime, request.room, request.identity)
    member.view.state(DataChannels).set_bandwidth(request.bits_per_second)


def remove_participant(runtime: EngineRuntime, room_name: str, identity: str, reason: int) -> None:
    member = _member(runtime, room_name, identity)
    if reason not in participant_pb2.DisconnectReason.values():
        raise ControlError(f"{reason} is not a DisconnectReason")
    why = cast(participant_pb2.DisconnectReason, reason or participant_pb2.PARTICIPANT_REMOVED)
    leave(member.view, why, notify_self=True)
    runtime.area(InjectedParticipants).remove(room_name, identity)


def close_room(runtime: EngineRuntime, room_name: str) -> int:
    room = _room(runtime, room_name)
    members = list(room.members.values())
    for member in members:
        remove_participant(runtime, room_name, member.identity, participant_pb2.ROOM_DELETED)
    runtime.area(Rooms).remove(room)
    return len(members)


def update_room_metadata(runtime: EngineRuntime, room_name: str, metadata: str) -> None:
    room = _room(runtime, room_name)
    room.metadata = metadata
    room.tell_everyone(lambda e: setattr(e.room_metadata_changed, "metadata", metadata))


def set_connection_quality(
    runtime: EngineRuntime, room_name: str, identity: str, quality: int
) -> None:
    if quality not in room_pb2.ConnectionQuality.values():
        raise ControlError(f"quality must be 0 (poor) to 3 (lost), got {quality}")
    set_quality(_member(runtime, room_name, identity), quality)


def simulate_reconnect(runtime: EngineRuntime, room_name: str, identity: str) -> None:
    resume(_member(runtime, room_name, identity).view)


def set_network_conditions(
    runtime: EngineRuntime, request: engine_pb2.SetNetworkConditionsRequest
) -> None:
    member = _member(runtime, request.room, request.identity)
    if not 0 <= request.loss_percent <= 100:
        raise ControlError(f"loss_percent must be 0 to 100, got {request.loss_percent}")
    if not 0 <= request.jitter_ms <= MAX_JITTER_MS:
        raise ControlError(f"jitter_ms must be 0 to {MAX_JITTER_MS:g}, got {request.jitter_ms}")
    links = runtime.area(Links)
    key = (request.room, member.identity)
    links.set(
        *key,
        replace(
            links.of(*key),
            loss=request.loss_percent / 100,
            jitter_ms=request.jitter_ms,
            bandwidth_bps=request.bandwidth_bps,
            seed=request.seed,
        ),
    )


def cut_network(runtime: EngineRuntime, room_name: str, identity: str, seconds: float) -> None:
    member = _member(runtime, room_name, identity)
    if not 0 <= seconds <= MAX_OUTAGE_S:
        raise ControlError(f"seconds must be 0 (until restored) to {MAX_OUTAGE_S:g}, got {seconds}")
    reconnect.cut_network(member.view, seconds)


def restore_network(runtime: EngineRuntime, room_name: str, identity: str) -> None:
    _room(runtime, room_name)
    reconnect.restore_network(runtime, room_name, identity)
