"""Audio streams: new_audio_stream on a track, frames out as AudioStreamEvents.

A stream is a sink on a track: each 10 ms chunk the track plays is remixed and resampled
(stateful, so chunk edges are seamless) to the stream's format, re-chunked to
`frame_size_ms` if asked, and sent to the client as an owned frame buffer. The stream ends
(eos) when its track ends; dropping its handle ends it too.
"""

from __future__ import annotations

import json

import numpy as np

from lkemu.proto import audio_frame_pb2, engine_pb2, ffi_pb2, track_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest
from ..core.memory import _next_engine_address as next_engine_address
from ..core.protocol import encode
from ..core.registry import handles
from ..core.runtime import EngineRuntime
from ..core.session import Session
from ..dsp.filters import AudioFilter, FilterOptionsError, resolve
from ..dsp.polyphase import (
    MAX_FILTER_COEFFICIENTS,
    RatioTooFine,
    StreamingResampler,
    filter_size,
    remix,
    to_int16,
)
from .audio_filter import AudioFilterPlugins
from .audio_source import AudioSource
from .formats import check_channels, check_rate
from .tracks import SinkHost, Track

_OWNED = engine_pb2.Blob.OWNED

# On the virtual clock a stream holds the source back while this many of its session's
# events wait to be read: the consumer sets the pace.
DEFAULT_BACKLOG_FRAMES = 64


class AudioStream:
    native_type_name = "livekit_ffi::server::audio_stream::FfiAudioStream"

    def __init__(
        self,
        runtime: EngineRuntime,
        session: Session,
        track: SinkHost,  # a local or a remote audio track, or a participant's feed
        sample_rate: int,
        num_channels: int,
        frame_size_ms: int | None,
        queue_size_frames: int | None,
    ) -> None:
        self.runtime = runtime
        self.session = session
        self.track = track
        self.sample_rate = sample_rate
        self.num_channels = num_channels
        self.frame_frames = sample_rate * frame_size_ms // 1000 if frame_size_ms else None
        self.backlog_limit = queue_size_frames or DEFAULT_BACKLOG_FRAMES
        self.handle = 0
        self._resampler: StreamingResampler | None = None
        self._input_rate = 0
        self._pending = np.zeros((0, num_channels), dtype=np.int16)
        self.ended = False
        self.filter: AudioFilter | None = None

    def start(self, handle: int) -> None:
        self.handle = handle
        self._event = ffi_pb2.FfiEvent()
        stream_event = self._event.audio_stream_event
        stream_event.stream_handle = handle
        stream_event.frame_received.frame.info.num_channels = self.num_channels
        stream_event.frame_received.frame.info.sample_rate = self.sample_rate
        self.track.add_sink(self)

    # The sink contract.

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        if self.ended:
            return
        if self._resampler is None or sample_rate != self._input_rate:
            # (a participant stream may move to a track of another rate)
            try:
                self._resampler = StreamingResampler(
                    sample_rate, self.sample_rate, self.num_channels
                )
            except RatioTooFine as error:
                self.session.log(ffi_pb2.LOG_ERROR, f"audio stream {self.handle}: {error}")
                self.on_end()
                return
            self._input_rate = sample_rate
        mixed = remix(chunk.astype(np.float64), self.num_channels)
        converted = to_int16(self._resampler.push(mixed))
        if self.filter is not None:
            # 10 ms blocks at the stream's rate, as the native filter session runs.
            converted = self.filter.process(converted)
        # Native sends each 10 ms sink frame as it comes, or re-chunks to frame_size_ms.
        size = self.frame_frames or self.sample_rate // 100
        if len(self._pending):
            converted = np.concatenate([self._pending, converted])
        whole = len(converted) - len(converted) % size
        for start in range(0, whole, size):
            self._emit(converted[start : start + size])
        self._pending = converted[whole:]

    def ready(self) -> bool:
        if self.session.backlog() < self.backlog_limit or self.session.closed:
            return True
        self.session.call_when_drained(self.track.source.wake)
        return False

    def on_end(self) -> None:
        if self.ended:
            return
        self.ended = True
        event = ffi_pb2.FfiEvent()
        event.audio_stream_event.stream_handle = self.handle
        event.audio_stream_event.eos.SetInParent()
        self.session.emit(event)

    def close(self) -> None:
        """The stream's handle was dropped: stop receiving; native still says eos."""
        self.track.remove_sink(self)
        self.on_end()

    def _emit(self, frames: np.ndarray) -> None:
        if not len(frames):
            return
        data = frames.tobytes()
        # The engine keeps nothing once the bytes are shipped (a detached buffer): the
        # client frees its copy when the SDK drops this handle, with no round trip. The
        # buffer is built in the event's envelope, as Memory.hand_out would build it, not
        # copied in (3.7 -> 1.8 us a frame).
        buffer_handle = self.runtime.handles.next_id()
        address = next_engine_address(len(data))
        outgoing = engine_pb2.EngineEvent()
        blob = outgoing.outputs.add()
        blob.address, blob.kind, blob.owner_handle = address, _OWNED, buffer_handle
        blob.detached, blob.data = True, data
        # One event message per stream, refilled: building a fresh one costs more than the
        # frame's own work at 50 frames per second of audio.
        event = self._event
        frame = event.audio_stream_event.frame_received.frame
        frame.handle.id = buffer_handle
        frame.info.data_ptr = address
        frame.info.samples_per_channel = len(frames)
        outgoing.event = encode(event)
        self.session.emit_prepared(outgoing)


def _filter_options(
    call: Call, track: Track, request: audio_frame_pb2.NewAudioStreamRequest
) -> tuple[str, dict[str, float]] | None:
    """The filter family a stream asks for (None without a module), checked as native does."""
    if not request.HasField("audio_filter_module_id"):
        return None
    if track.room_handle is None:
        raise InvalidRequest("this track has no room information")
    if request.audio_filter_module_id not in call.runtime.area(AudioFilterPlugins):
        raise InvalidRequest("the audio filter is not found")
    try:
        options = json.loads(request.audio_filter_options or "{}")
        if not isinstance(options, dict):
            raise FilterOptionsError("audio_filter_options must be a JSON object")
        return resolve(options)
    except ValueError as error:  # bad JSON, or options the family does not take
        raise InvalidRequest(f"invalid audio_filter_options: {error}") from None


def filter_for_participant_stream(
    call: Call, request: audio_frame_pb2.AudioStreamFromParticipantRequest, rate: int, channels: int
) -> AudioFilter | None:
    """A participant stream's filter. Native is lenient here: an unknown module means no
    filter, and options it cannot use leave the stream unfiltered with an error log."""
    if not request.HasField("audio_filter_module_id"):
        return None
    if request.audio_filter_module_id not in call.runtime.area(AudioFilterPlugins):
        return None
    if not request.HasField("audio_filter_options"):
        return None
    try:
        options = json.loads(request.audio_filter_options or "{}")
        if not isinstance(options, dict):
            raise FilterOptionsError("audio_filter_options must be a JSON object")
        return AudioFilter(*resolve(options), rate, channels)
    except ValueError as error:
        message = f"failed to initialize the audio filter ({error}); it will not be enabled"
        call.session.log(ffi_pb2.LOG_ERROR, message)
        return None


def new_stream(
    call: Call,
    track: SinkHost,
    request: audio_frame_pb2.NewAudioStreamRequest
    | audio_frame_pb2.AudioStreamFromParticipantRequest,
) -> AudioStream:
    """A stream of the type and format a request asks for, with native's defaults and errors."""
    if request.type != audio_frame_pb2.AUDIO_STREAM_NATIVE:
        raise InvalidRequest("unsupported audio stream type")
    rate = field_or(request, "sample_rate", 48000)
    channels = field_or(request, "num_channels", 1)
    if rate == 0 or channels == 0:
        raise InvalidRequest(f"invalid audio stream format: {rate} Hz, {channels} channel(s)")
    if rate < 100:
        # A 10 ms frame has no sample below 100 Hz: native aborts (an index out of range,
        # measured at 50 Hz), lkemu's frame cutting divided by zero in the clock's listener.
        raise InvalidRequest(f"sample_rate: lkemu streams at 100 Hz and up, got {rate}")
    check_rate("sample_rate", rate)
    check_channels("num_channels", channels)
    frame_ms = field_or(request, "frame_size_ms", None)
    queue = field_or(request, "queue_size_frames", None)
    return AudioStream(call.runtime, call.session, track, rate, channels, frame_ms or None, queue)


@handles("new_audio_stream")
def on_new_audio_stream(
    call: Call, request: audio_frame_pb2.NewAudioStreamRequest
) -> audio_frame_pb2.NewAudioStreamResponse:
    track = call.get(request.track_handle, Track)
    if track.kind != track_pb2.KIND_AUDIO:
        raise InvalidRequest("not an audio track")
    wanted_filter = _filter_options(call, track, request)
    stream = new_stream(call, track, request)
    rate, channels = stream.sample_rate, stream.num_channels
    source_rate = track.source.sample_rate if isinstance(track.source, AudioSource) else 0
    if source_rate and filter_size(source_rate, rate) > MAX_FILTER_COEFFICIENTS:
        raise InvalidRequest(f"sample_rate {rate} Hz from this track's {source_rate} Hz: "
                             "the rates' ratio is too fine for lkemu's resampler")  # fmt: skip
    if wanted_filter is not None:
        try:
            stream.filter = AudioFilter(*wanted_filter, rate, channels)
        except ValueError as error:  # a rate or layout the filter does not run at
            raise InvalidRequest(f"failed to initialize the audio filter: {error}") from None
    owned = call.own(stream)
    stream.start(owned.id)
    response = audio_frame_pb2.NewAudioStreamResponse()
    response.stream.handle.CopyFrom(owned)
    response.stream.info.type = request.type
    return response
