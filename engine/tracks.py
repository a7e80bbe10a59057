"""Local tracks (create_audio_track, local_track_mute) and the sink contract of media.

A track carries its source's audio to sinks: audio streams now, room publications later.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from lkemu.proto import track_pb2

from .errors import InvalidRequest

if TYPE_CHECKING:
    from .audio_source import AudioSource
    from .dispatch import Call

_track_numbers = itertools.count(1)


class AudioSink(Protocol):
    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        """A whole number of 10 ms chunks, int16 frames of shape (samples, channels)."""

    def ready(self) -> bool:
        """False while the sink's consumer is behind (the virtual clock then waits)."""

    def on_end(self) -> None:
        """The track will send nothing more."""


def new_sid(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(9).replace('-', 'x').replace('_', 'y')}"


class Ending(Protocol):
    def on_end(self) -> None: ...


class IdleSource:
    """The source of a track that has none (yet): nothing to wake."""

    def wake(self) -> None:
        pass


class Track:
    """Any track a handle can name (local or remote, audio or video)."""

    native_type_name = "livekit_ffi::server::room::FfiTrack"
    kind: int = track_pb2.KIND_UNKNOWN
    sid: str
    name: str
    muted: bool
    remote = False

    def info(self) -> track_pb2.TrackInfo:
        return track_pb2.TrackInfo(
            sid=self.sid,
            name=self.name,
            kind=self.kind,
            stream_state=track_pb2.STATE_ACTIVE,
            muted=self.muted,
            remote=self.remote,
        )


class LocalTrack(Track):
    """A track made from a local source: it feeds sinks until its handle is dropped."""

    def __init__(self, name: str, source: Any) -> None:
        self.sid = new_sid("TR")
        self.name = name
        self.source = source
        self.muted = False
        self.room_handle: int | None = None  # set when published in a room
        self.sinks: list[Any] = []
        self.closed = False
        self.sent_units = 0  # samples per channel (audio) or frames (video) played
        self.sent_bytes = 0
        # Told of mute changes (a publication tells its room).
        self.mute_listeners: list[Callable[[bool], None]] = []
        source.tracks.append(self)

    def close(self) -> None:
        """The track's handle was dropped: its streams end (native sends them eos)."""
        if self.closed:
            return
        self.closed = True
        if self in self.source.tracks:
            self.source.tracks.remove(self)
        ending: list[Ending] = list(self.sinks)
        self.sinks.clear()
        for sink in ending:
            sink.on_end()


class LocalAudioTrack(LocalTrack):
    kind = track_pb2.KIND_AUDIO
    source: AudioSource
    sinks: list[AudioSink]

    def add_sink(self, sink: AudioSink) -> None:
        self.sinks.append(sink)
        self.source.wake()

    def remove_sink(self, sink: AudioSink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)
            self.source.wake()

    def deliver(self, chunk: np.ndarray) -> None:
        self.sent_units += len(chunk)
        self.sent_bytes += chunk.nbytes
        if self.muted:
            # A muted (disabled) WebRTC track still runs, carrying silence.
            chunk = np.zeros_like(chunk)
        for sink in list(self.sinks):
            sink.on_audio(chunk, self.source.sample_rate, self.source.num_channels)

    def ready(self) -> bool:
        return all(sink.ready() for sink in self.sinks)


def on_create_audio_track(
    call: Call, request: track_pb2.CreateAudioTrackRequest
) -> track_pb2.CreateAudioTrackResponse:
    from .audio_source import AudioSource

    source = call.get(request.source_handle, AudioSource)
    track = LocalAudioTrack(request.name, source)
    response = track_pb2.CreateAudioTrackResponse()
    response.track.handle.CopyFrom(call.own(track))
    response.track.info.CopyFrom(track.info())
    return response


def on_local_track_mute(
    call: Call, request: track_pb2.LocalTrackMuteRequest
) -> track_pb2.LocalTrackMuteResponse:
    track = call.get(request.track_handle, Track)
    if track.remote:
        raise InvalidRequest("track is not a local track")
    changed = track.muted != bool(request.mute)
    track.muted = bool(request.mute)
    if changed:
        for listener in list(getattr(track, "mute_listeners", ())):
            listener(track.muted)
    return track_pb2.LocalTrackMuteResponse(muted=track.muted)


HANDLERS = {
    "create_audio_track": on_create_audio_track,
    "local_track_mute": on_local_track_mute,
}
