"""Local tracks (create_audio_track, local_track_mute) and what every track offers.

A track carries its source's media to sinks (engine/media/sinks.py): streams, and relays
into rooms once it is published.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from lkemu.proto import track_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest
from ..core.registry import handles
from ..core.sids import new_sid
from .audio_source import AudioSource
from .sinks import AudioSink, Ending, Wakeable


class SinkHost(Protocol):
    """What a stream attaches to: a track, or a feed following a participant's track."""

    room_handle: int | None

    @property
    def source(self) -> Wakeable: ...

    def add_sink(self, sink: Any) -> None: ...

    def remove_sink(self, sink: Any) -> None: ...


class Track:
    """Any track a handle can name (local or remote, audio or video)."""

    native_type_name = "livekit_ffi::server::room::FfiTrack"
    kind: track_pb2.TrackKind = track_pb2.KIND_UNKNOWN
    sid: str
    name: str
    muted: bool
    remote = False
    source: Any
    room_handle: int | None = None  # the room it is published in or received from

    def add_sink(self, sink: Any) -> None:
        raise NotImplementedError

    def remove_sink(self, sink: Any) -> None:
        raise NotImplementedError

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
        self.room_handle = None
        self.sinks: list[Any] = []
        self.closed = False
        self.sent_units = 0  # samples per channel (audio) or frames (video) played
        self.sent_bytes = 0
        # Told of mute changes (a publication tells its room).
        self.mute_listeners: list[Callable[[bool], None]] = []
        source.tracks.append(self)

    def set_muted(self, muted: bool) -> None:
        changed = muted != self.muted
        self.muted = muted
        if changed:
            for listener in list(self.mute_listeners):
                listener(muted)

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

    def has_sinks(self) -> bool:
        return bool(self.sinks)

    def close(self) -> None:
        """Its handle was dropped: its streams end; a source whose handle went before it
        stops playing once no track is left."""
        was_closed = self.closed
        super().close()
        if not was_closed:
            self.source.track_ended()


@handles("create_audio_track")
def on_create_audio_track(
    call: Call, request: track_pb2.CreateAudioTrackRequest
) -> track_pb2.CreateAudioTrackResponse:
    source = call.get(request.source_handle, AudioSource)
    track = LocalAudioTrack(request.name, source)
    response = track_pb2.CreateAudioTrackResponse()
    response.track.handle.CopyFrom(call.own(track))
    response.track.info.CopyFrom(track.info())
    return response


@handles("local_track_mute")
def on_local_track_mute(
    call: Call, request: track_pb2.LocalTrackMuteRequest
) -> track_pb2.LocalTrackMuteResponse:
    track = call.get(request.track_handle, Track)
    if not isinstance(track, LocalTrack):
        raise InvalidRequest("track is not a local track")
    track.set_muted(bool(request.mute))
    return track_pb2.LocalTrackMuteResponse(muted=track.muted)
