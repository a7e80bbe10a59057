"""Audio sources: new_audio_source, capture_audio_frame, clear_audio_buffer.

As in the native core (webrtc-sys AudioTrackSource): a source buffers captured samples, up
to twice queue_size_ms, and plays 10 ms to its tracks on every 10 ms tick, silence when the
buffer is short ("always provide a 10ms frame"). A capture is accepted once it fits, and
answered once the buffer is back to queue_size_ms or less: that is the backpressure.

On the virtual clock a source plays only what was captured, as fast as its sinks take it:
no silence fills the gaps, so every captured sample comes out once and nothing else does.

Dropping a source's handle does not end its tracks (native's tracks hold the WebRTC source):
what is queued still plays, then silence, 10 ms every 10 ms, until the last track goes
(their streams then get eos). A source with queue_size_ms 0 has no player and goes quiet.
On the virtual clock that silence comes as fast as the sinks take it, at most 1 s ahead of
the wall clock since it began: a reader gets it at once, and one that reads forever gets it
at the native pace instead of spinning through endless frames without ever waiting.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Protocol

import numpy as np

from lkemu.proto import audio_frame_pb2

from ..core.call import Call, field_or
from ..core.clock import TICK_S, MediaClock
from ..core.errors import InvalidRequest, NotImplementedInLkemu, Refused
from ..core.registry import handles
from .formats import MAX_QUEUE_MS, check_channels, check_rate

# new_audio_source's AUDIO_SOURCE_PLATFORM kind: set by engine/media/platform_audio.py when
# the engine imports it (it builds on this module, so this module cannot import it).
make_platform_source: (
    Callable[[Call, audio_frame_pb2.NewAudioSourceRequest], audio_frame_pb2.NewAudioSourceResponse]
    | None
) = None

_RTC_ERROR = "an RtcError occurred: InvalidState - {}"
# 10 ms chunks a virtual source plays at once: bigger blocks mean fewer, larger event
# batches (measured 20-100: 35 best; 100 loses the overlap of engine and client).
VIRTUAL_BLOCK_CHUNKS = 35
# How far a closed source's silence may run ahead of the wall clock on the virtual clock:
# 1 s, a native source's default queue.
VIRTUAL_SILENCE_LEAD_CHUNKS = 100


class PlayedTrack(Protocol):
    """A track made from a source (media/tracks.py's LocalAudioTrack)."""

    def deliver(self, chunk: np.ndarray) -> None: ...

    def ready(self) -> bool: ...

    def has_sinks(self) -> bool: ...

    def close(self) -> None: ...


class AudioSource:
    native_type_name = "livekit_ffi::server::audio_source::FfiAudioSource"
    # capture_audio_frame answers with a callback (a platform source's never does)
    answers_captures = True

    def __init__(self, clock: MediaClock, sample_rate: int, num_channels: int, queue_ms: int):
        self.clock = clock
        self.sample_rate = sample_rate
        self.num_channels = num_channels
        self.queue_ms = queue_ms
        self.chunk = sample_rate // 100  # frames per 10 ms
        self.capacity = queue_ms * sample_rate // 1000  # frames the queue holds
        self.tracks: list[PlayedTrack] = []
        self._pending: deque[np.ndarray] = deque()  # (frames, channels) int16 blocks
        self._queued = 0
        self._changed = asyncio.Event()  # data arrived, room freed, sinks caught up
        self._player: asyncio.Task[None] | None = None
        self._ticking = False
        self.closed = False  # its handle was dropped (it may still play: see close())
        self.played_frames = 0
        self._silence = np.zeros((self.chunk, num_channels), dtype=np.int16)
        # The virtual clock's silence once closed: when it began, 10 ms chunks played.
        self._silence_began: float | None = None
        self._silent_chunks = 0

    # Capture side.

    async def capture(self, samples: np.ndarray) -> None:
        """Queue samples (frames, channels) chunk by chunk, waiting while the buffer is full."""
        if self.capacity == 0:
            self._play(samples)
            return
        self._ensure_player()
        for start in range(0, len(samples), self.capacity):
            block = samples[start : start + self.capacity]
            # Accepted when it fits in twice the queue size...
            await self._wait_until(partial(self._fits, len(block)))
            if self.closed:
                return
            self._pending.append(block)
            self._queued += len(block)
            self._changed.set()
            # ...and complete once the buffer is back to the queue size.
            await self._wait_until(lambda: self._queued <= self.capacity)

    def _fits(self, size: int) -> bool:
        return self._queued + size <= 2 * self.capacity

    async def _wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition() and not self.closed:
            self._changed.clear()
            await self._changed.wait()

    def clear(self) -> None:
        self._pending.clear()
        self._queued = 0
        self._changed.set()

    def wake(self) -> None:
        self._changed.set()

    async def changed(self) -> None:
        """Wait for the next change: data, room in the queue, or a sink added or ready."""
        self._changed.clear()
        await self._changed.wait()

    # Playing side.

    def start_playing(self) -> None:
        self._ensure_player()

    def _ensure_player(self) -> None:
        if self._player is not None or not self.capacity or self._ticking or not self.chunk:
            return  # (below 100 Hz there is no 10 ms frame to play: see _check_format)
        if self.clock.virtual:
            self._player = asyncio.get_running_loop().create_task(self._play_forever())
        else:
            # One engine-wide 10 ms ticker plays every real-clock source.
            self.clock.on_tick(self._tick)
            self._ticking = True

    def _take_chunk(self, chunks: int = 1) -> np.ndarray:
        parts, needed = [], self.chunk * chunks
        taken = needed
        while needed:
            head = self._pending[0]
            if len(head) <= needed:
                parts.append(self._pending.popleft())
                needed -= len(head)
            else:
                parts.append(head[:needed])
                self._pending[0] = head[needed:]
                needed = 0
        self._queued -= taken
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _play(self, chunk: np.ndarray) -> None:
        self.played_frames += len(chunk)
        for track in list(self.tracks):
            track.deliver(chunk)

    def _sinks_ready(self) -> bool:
        return all(track.ready() for track in self.tracks)

    def _tick(self) -> None:
        """A real-clock tick: 10 ms of audio, or silence when the buffer is short."""
        if self._queued >= self.chunk:
            self._play(self._take_chunk())
            self._changed.set()
        else:
            self._play(self._silence)

    async def _play_forever(self) -> None:
        """The virtual clock: play as fast as consumers take it."""
        while not self._finished():
            if self._queued >= self.chunk and self._sinks_ready():
                # Up to 350 ms at once: sinks cut it into 10 ms frames again, and their
                # stateful DSP gives the same samples whatever the block size.
                chunks = min(self._queued // self.chunk, VIRTUAL_BLOCK_CHUNKS)
                self._play(self._take_chunk(chunks))
                self._changed.set()
                await asyncio.sleep(0)  # let requests and the event stream in
                continue
            if self.closed and self._listened() and self._sinks_ready():
                await self._play_virtual_silence()
                continue
            self._changed.clear()
            await self._changed.wait()

    async def _play_virtual_silence(self) -> None:
        """A closed source's endless silence on the virtual clock: as fast as its sinks take
        it, but at most VIRTUAL_SILENCE_LEAD_CHUNKS ahead of 10 ms per 10 ms of wall time
        since it began, so a reader that never stops gets it at the native pace, with its
        loop waiting between frames, and nothing piles up unread."""
        loop = asyncio.get_running_loop()
        if self._silence_began is None:
            self._silence_began = loop.time()
        # (the tolerance: a float just short of a whole tick must not wait for nothing)
        elapsed_chunks = int((loop.time() - self._silence_began) / TICK_S + 1e-6)
        allowed = VIRTUAL_SILENCE_LEAD_CHUNKS + elapsed_chunks - self._silent_chunks
        if allowed <= 0:
            next_chunk = self._silence_began + (elapsed_chunks + 1) * TICK_S
            await asyncio.sleep(max(0.0, next_chunk - loop.time()))
            return
        chunks = min(allowed, VIRTUAL_BLOCK_CHUNKS)
        self._silent_chunks += chunks
        self._play(np.zeros((self.chunk * chunks, self.num_channels), dtype=np.int16))
        await asyncio.sleep(0)

    def _listened(self) -> bool:
        return any(track.has_sinks() for track in self.tracks)

    def _finished(self) -> bool:
        """Handle dropped and no track left to play to: nothing will ever hear it again."""
        return self.closed and not self.tracks

    def close(self) -> None:
        """The source's handle was dropped. Native's tracks hold the WebRTC source it wraps,
        which goes on: what is queued still plays, then silence, 10 ms every 10 ms, until
        the last track is gone (measured: 100 frames of silence a second on a stream made
        after the close; 300 ms queued before it played first)."""
        self.closed = True
        self._changed.set()  # captures waiting for room give up
        if self.tracks:
            self._ensure_player()
        self._stop_if_finished()

    def track_ended(self) -> None:
        """One of its tracks was closed (LocalAudioTrack.close)."""
        self._changed.set()
        self._stop_if_finished()

    def _stop_if_finished(self) -> None:
        if not self._finished():
            return
        if self._player is not None:
            self._player.cancel()
        if self._ticking:
            self.clock.off_tick(self._tick)
            self._ticking = False


@handles("new_audio_source")
def on_new_audio_source(
    call: Call, request: audio_frame_pb2.NewAudioSourceRequest
) -> audio_frame_pb2.NewAudioSourceResponse:
    if request.type == audio_frame_pb2.AUDIO_SOURCE_PLATFORM:
        if make_platform_source is None:
            raise NotImplementedInLkemu("new_audio_source", "AUDIO_SOURCE_PLATFORM sources")
        return make_platform_source(call, request)
    if request.type != audio_frame_pb2.AUDIO_SOURCE_NATIVE:
        raise InvalidRequest("unsupported audio source type")
    rate = field_or(request, "sample_rate", 48000)
    channels = field_or(request, "num_channels", 1)
    queue_ms = field_or(request, "queue_size_ms", 1000)
    if channels == 0:
        raise InvalidRequest(f"invalid audio format: {rate} Hz, {channels} channel(s)")
    # A source at 0 Hz is accepted, as native accepts it (it plays nothing: every frame
    # captured into it has another rate).
    check_rate("sample_rate", rate, allow_zero=True)
    check_channels("num_channels", channels)
    if queue_ms > MAX_QUEUE_MS:
        raise InvalidRequest(
            f"queue_size_ms must be at most {MAX_QUEUE_MS} in lkemu, got {queue_ms}"
        )
    if queue_ms % 10:
        # The native core asserts this and panics; lkemu refuses the request instead.
        raise InvalidRequest("queue_size_ms must be a multiple of 10")
    source = AudioSource(call.runtime.media_clock, rate, channels, queue_ms)
    if not source.clock.virtual:
        source.start_playing()  # the native source ticks from its creation
    response = audio_frame_pb2.NewAudioSourceResponse()
    response.source.handle.CopyFrom(call.own(source))
    response.source.info.type = request.type
    return response


@handles("capture_audio_frame")
def on_capture_audio_frame(
    call: Call, request: audio_frame_pb2.CaptureAudioFrameRequest
) -> audio_frame_pb2.CaptureAudioFrameResponse:
    source = call.get(request.source_handle, AudioSource)
    if not source.answers_captures:
        # A platform source takes no frames: native answers an async id, then nothing.
        return audio_frame_pb2.CaptureAudioFrameResponse(async_id=call.async_id(request))
    buffer = request.buffer
    count = buffer.num_channels * buffer.samples_per_channel
    samples = call.memory.read_array(buffer.data_ptr, count, np.int16) if count else None

    async def capture(callback: object) -> None:
        _check_format(source, buffer)
        if samples is not None:
            await source.capture(samples.reshape(-1, buffer.num_channels))

    return audio_frame_pb2.CaptureAudioFrameResponse(async_id=call.answer_later(request, capture))


def _check_format(source: AudioSource, buffer: audio_frame_pb2.AudioFrameBufferInfo) -> None:
    if buffer.sample_rate != source.sample_rate or buffer.num_channels != source.num_channels:
        raise Refused(_RTC_ERROR.format("sample_rate and num_channels don't match"))
    if not source.chunk and buffer.samples_per_channel:
        # Native takes the frame and never completes the capture (measured at 50 and 99 Hz):
        # lkemu answers, with why.
        raise Refused(
            f"lkemu: a source at {source.sample_rate} Hz has no 10 ms frame to play; "
            "native never completes this capture"
        )
    if source.capacity == 0 and buffer.samples_per_channel != source.chunk:
        raise Refused(
            _RTC_ERROR.format(
                f"direct capture requires 10ms frames: got {buffer.samples_per_channel} "
                f"frames, expected {source.chunk}"
            )
        )


@handles("clear_audio_buffer")
def on_clear_audio_buffer(
    call: Call, request: audio_frame_pb2.ClearAudioBufferRequest
) -> audio_frame_pb2.ClearAudioBufferResponse:
    call.get(request.source_handle, AudioSource).clear()
    return audio_frame_pb2.ClearAudioBufferResponse()
