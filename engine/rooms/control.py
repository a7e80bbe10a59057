"""Rooms steered from outside, as a LiveKit server's RoomService would: list rooms and
participants, remove a participant, close a room, change room metadata; and what only a
simulation can do: participants the engine plays itself (a WAV file or a generated
signal published as a microphone), and faults (connection quality, a reconnection).

The wire side is engine/core/server.py (EngineControl); this module works on the room model and
raises ControlError with a message for anything it cannot do.
"""

from __future__ import annotations

import asyncio
import io
import wave
from dataclasses import dataclass

import numpy as np

from lkemu.proto import engine_pb2, participant_pb2, room_pb2, track_pb2

from ..core.runtime import EngineRuntime
from ..dsp import signals
from ..media.audio_source import AudioSource
from ..media.tracks import LocalAudioTrack
from .health import reconnect, set_quality
from .media import Relay, offer, publish
from .model import Member, Rooms, RoomView, SimRoom, join, leave
from .tokens import Identity, VideoGrant


class ControlError(ValueError):
    """A control request that cannot be carried out, and why."""


@dataclass
class InjectedParticipant:
    """A participant the engine plays: its view, source and the task feeding it."""

    view: RoomView
    source: AudioSource
    track: LocalAudioTrack
    feeder: asyncio.Task[None] | None = None

    def stop(self) -> None:
        if self.feeder is not None:
            self.feeder.cancel()
        self.source.close()


class InjectedParticipants:
    """The participants the engine plays, by (room, identity) (runtime.area(...))."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.by_key: dict[tuple[str, str], InjectedParticipant] = {}

    def add(self, room: str, identity: str, injected: InjectedParticipant) -> None:
        self.by_key[(room, identity)] = injected

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
    if rate % 100 or not 8000 <= rate <= 192000:
        raise ControlError(f"sample_rate must be a multiple of 100 in 8000..192000, got {rate}")
    if not 0 < signal.seconds <= 3600:
        raise ControlError(f"seconds must be in (0, 3600], got {signal.seconds}")
    count = round(signal.seconds * rate)
    level = signal.level_dbfs or -20.0
    if signal.kind == "sine":
        mono = signals.sine(count, rate, signal.frequency_hz or 440.0, level)
    elif signal.kind == "speech":
        mono = signals.speech(signal.seconds, rate, seed=signal.seed, level_dbfs=level).samples
    elif signal.kind == "white_noise":
        mono = signals.white_noise(count, seed=signal.seed, level_dbfs=level)
    elif signal.kind == "silence":
        mono = np.zeros(count)
    else:
        raise ControlError(
            f"unknown signal kind {signal.kind!r}: sine, speech, white_noise or silence"
        )
    samples = signals.to_int16(mono[:count])
    return np.repeat(samples[:, None], channels, axis=1), rate, channels


def inject_participant(
    runtime: EngineRuntime, request: engine_pb2.InjectParticipantRequest
) -> engine_pb2.InjectParticipantReply:
    if not request.room or not request.identity:
        raise ControlError("room and identity are required")
    which = request.WhichOneof("audio")
    if which is None:
        raise ControlError("give the audio: wav bytes or a generated signal")
    samples, rate, channels = (
        _decode_wav(request.wav) if which == "wav" else _generate(request.signal)
    )
    if not len(samples):
        raise ControlError("the audio is empty")
    room = runtime.area(Rooms).get_or_create(request.room)
    view = RoomView(runtime, None, room)
    view.auto_subscribe = False  # it only talks
    who = Identity(
        identity=request.identity,
        name=request.name,
        metadata=request.metadata,
        grant=VideoGrant(room_join=True, room=request.room, can_subscribe=False),
    )
    member = join(view, who)
    source = AudioSource(runtime.media_clock, rate, channels, 1000)
    track = LocalAudioTrack(request.track_name or "microphone", source)
    published = publish(view, member, track, track_pb2.SOURCE_MICROPHONE)
    injected = InjectedParticipant(view, source, track)
    runtime.area(InjectedParticipants).add(room.name, member.identity, injected)
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


def remove_participant(runtime: EngineRuntime, room_name: str, identity: str, reason: int) -> None:
    member = _member(runtime, room_name, identity)
    leave(member.view, reason or participant_pb2.PARTICIPANT_REMOVED, notify_self=True)
    runtime.area(InjectedParticipants).remove(room_name, identity)


def close_room(runtime: EngineRuntime, room_name: str) -> int:
    room = _room(runtime, room_name)
    members = list(room.members.values())
    for member in members:
        remove_participant(runtime, room_name, member.identity, participant_pb2.ROOM_DELETED)
    runtime.area(Rooms).remove(room_name)
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
    reconnect(_member(runtime, room_name, identity).view)
