"""Requests at the edge of what lkemu accepts: the largest resampling filter, the highest
rates and channel counts, the longest queues, 4K video, the largest tokens, pushes and
payloads. Each is answered (or refused) without holding the engine's loop for long: no
request may delay another client's by more than 50 ms (issue 16), which tests/test_fuzz.py
checks with the engine's loop timed (tools/fuzz/loop_monitor.py) while a second client's
small requests are timed too.

`run_extremes(send)` sends them all through `send` (an FfiClient's request, say) and gives
back what each got; the fuzzer mixes them into its traffic now and then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from lkemu.engine.dsp.polyphase import MAX_FILTER_COEFFICIENTS, TAPS_BY_QUALITY
from lkemu.engine.media.formats import MAX_CHANNELS, MAX_QUEUE_MS, MAX_SAMPLE_RATE
from lkemu.engine.rooms.tokens import MAX_TOKEN_BYTES
from lkemu.proto import audio_frame_pb2, ffi_pb2, video_frame_pb2

from . import tokens

Send = Callable[[ffi_pb2.FfiRequest], Any]


def finest_ratio(quality: str = "high", input_rate: int = 48000) -> int:
    """An output rate whose filter from `input_rate` is as large as lkemu accepts."""
    from math import gcd

    taps = TAPS_BY_QUALITY[quality]
    best, best_size = input_rate, 0
    for output in range(8000, input_rate):
        size = output // gcd(input_rate, output) * taps
        if best_size < size <= MAX_FILTER_COEFFICIENTS:
            best, best_size = output, size
    return best


class Extremes:
    """The extreme requests, with the buffers they point at (kept alive here)."""

    def __init__(self) -> None:
        self.buffers: list[np.ndarray] = []
        self.finest_output = finest_ratio()

    def _buffer(self, size: int) -> int:
        data = np.zeros(size, dtype=np.uint8)
        data[::7] = 13
        self.buffers.append(data)
        return int(data.ctypes.data)

    def requests(self, handles: dict[str, int]) -> Iterator[tuple[str, ffi_pb2.FfiRequest]]:
        """(name, request); `handles` has a local participant ("participant") if any."""
        r = ffi_pb2.FfiRequest()
        m = r.new_sox_resampler
        m.input_rate, m.output_rate, m.num_channels = 48000.0, float(self.finest_output), 2
        m.quality_recipe = audio_frame_pb2.SOXR_QUALITY_HIGH
        yield "sox resampler with the largest filter", r

        r = ffi_pb2.FfiRequest()
        m = r.new_sox_resampler
        m.input_rate, m.output_rate, m.num_channels = 1.0, 1_000_000.0, 1
        yield "sox resampler 1 Hz -> 1 MHz (refused)", r

        r = ffi_pb2.FfiRequest()
        m = r.new_sox_resampler
        m.input_rate, m.output_rate = float(MAX_SAMPLE_RATE), 8000.0
        m.num_channels = MAX_CHANNELS
        yield "sox resampler 768 kHz x 64 channels", r

        r = ffi_pb2.FfiRequest()
        s = r.new_audio_source
        s.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
        s.sample_rate, s.num_channels, s.queue_size_ms = MAX_SAMPLE_RATE, MAX_CHANNELS, MAX_QUEUE_MS
        yield "audio source 768 kHz x 64 channels, 10 minute queue", r

        r = ffi_pb2.FfiRequest()
        v = r.new_video_source
        v.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
        v.resolution.width = v.resolution.height = 16384
        yield "video source 16384x16384", r

        width, height = 3840, 2160
        r = ffi_pb2.FfiRequest()
        c = r.video_convert
        c.buffer.type, c.buffer.width, c.buffer.height = video_frame_pb2.RGBA, width, height
        c.buffer.stride = width * 4
        c.buffer.data_ptr = self._buffer(width * height * 4)
        c.dst_type = video_frame_pb2.I420
        yield "video_convert 4K RGBA -> I420", r

        r = ffi_pb2.FfiRequest()
        a = r.new_apm
        a.echo_canceller_enabled = a.gain_controller_enabled = True
        a.high_pass_filter_enabled = a.noise_suppression_enabled = True
        yield "audio processing module, everything on", r

        r = ffi_pb2.FfiRequest()
        rr = r.remix_and_resample
        rr.buffer.num_channels, rr.buffer.sample_rate = MAX_CHANNELS, MAX_SAMPLE_RATE
        rr.buffer.samples_per_channel = MAX_SAMPLE_RATE // 100
        rr.buffer.data_ptr = self._buffer(MAX_SAMPLE_RATE // 100 * MAX_CHANNELS * 2)
        rr.num_channels, rr.sample_rate = 1, 8000
        yield "remix_and_resample 64 channels at 768 kHz (unknown handle)", r

        r = ffi_pb2.FfiRequest()
        r.connect.url = "ws://lkemu"
        big = tokens.valid("extreme", "extremes", ttl_s=600)
        r.connect.token = big + "x" * (MAX_TOKEN_BYTES - len(big))  # the largest accepted size
        yield "connect with a token of the largest size (bad signature)", r

        participant = handles.get("participant", 0)
        if participant:
            r = ffi_pb2.FfiRequest()
            r.set_local_metadata.local_participant_handle = participant
            r.set_local_metadata.metadata = "m" * 1_000_000
            yield "1 MB of metadata", r

            r = ffi_pb2.FfiRequest()
            r.send_text.local_participant_handle = participant
            r.send_text.options.topic = "extreme"
            r.send_text.text = "t" * 8_000_000
            yield "send_text of 8 MB", r

            r = ffi_pb2.FfiRequest()
            p = r.publish_data
            p.local_participant_handle, p.reliable = participant, True
            p.data_len = 15_000
            p.data_ptr = self._buffer(15_000)
            yield "publish_data of 15 KB", r

    def source_uses(self, source: int, send: Send) -> Iterator[tuple[str, ffi_pb2.FfiRequest]]:
        """A 768 kHz x 64 channel source: a track, a stream at that format, and a capture of
        100 ms (6 MB) into it."""
        r = ffi_pb2.FfiRequest()
        r.create_audio_track.name, r.create_audio_track.source_handle = "extreme", source
        track = _answered(send, r)
        if track:
            r = ffi_pb2.FfiRequest()
            m = r.new_audio_stream
            m.track_handle, m.type = track, audio_frame_pb2.AUDIO_STREAM_NATIVE
            m.sample_rate, m.num_channels = MAX_SAMPLE_RATE, MAX_CHANNELS
            yield "audio stream 768 kHz x 64 channels", r
        frames = MAX_SAMPLE_RATE // 10
        r = ffi_pb2.FfiRequest()
        b = r.capture_audio_frame.buffer
        r.capture_audio_frame.source_handle = source
        b.num_channels, b.sample_rate, b.samples_per_channel = MAX_CHANNELS, MAX_SAMPLE_RATE, frames
        b.data_ptr = self._buffer(frames * MAX_CHANNELS * 2)
        yield "capture of 100 ms at 768 kHz x 64 channels", r

    def resampler_pushes(
        self, resampler: int, channels: int
    ) -> Iterator[tuple[str, ffi_pb2.FfiRequest]]:
        """Pushes into a sox resampler: 10 ms and 1 s at once."""
        for label, frames in (("10 ms", 480), ("1 s", 48_000)):
            r = ffi_pb2.FfiRequest()
            r.push_sox_resampler.resampler_handle = resampler
            r.push_sox_resampler.size = frames * channels * 2
            r.push_sox_resampler.data_ptr = self._buffer(frames * channels * 2)
            yield f"push of {label} into the largest filter", r


def _new_source() -> ffi_pb2.FfiRequest:
    r = ffi_pb2.FfiRequest()
    s = r.new_audio_source
    s.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
    s.sample_rate, s.num_channels, s.queue_size_ms = MAX_SAMPLE_RATE, MAX_CHANNELS, 1000
    return r


def _answered(send: Send, request: ffi_pb2.FfiRequest) -> int:
    """The handle a request made (0 if refused)."""
    try:
        response = send(request)
    except Exception:
        return 0
    which = response.WhichOneof("message")
    inner = getattr(response, which)
    for name in ("source", "track", "stream", "resampler"):
        if name in inner.DESCRIPTOR.fields_by_name:
            return int(getattr(inner, name).handle.id)
    return 0


def run_extremes(send: Send, handles: dict[str, int]) -> list[tuple[str, float, str]]:
    """Send every extreme request: (name, seconds, outcome) each."""
    extremes = Extremes()
    results: list[tuple[str, float, str]] = []
    resampler = 0
    for name, request in extremes.requests(handles):
        started = time.perf_counter()
        try:
            response = send(request)
            which = response.WhichOneof("message")
            inner = getattr(response, which)
            error = (
                getattr(inner, "error", "") if "error" in inner.DESCRIPTOR.fields_by_name else ""
            )
            outcome = f"refused: {error}" if error else "answered"
            if name.startswith("sox resampler with the largest") and not error:
                resampler = inner.resampler.handle.id
        except Exception as error:  # a refusal is an outcome here
            outcome = f"refused: {error}"
        results.append((name, time.perf_counter() - started, outcome[:200]))
    source = _answered(send, _new_source())
    if source:
        for name, request in extremes.source_uses(source, send):
            started = time.perf_counter()
            try:
                send(request)
                outcome = "answered"
            except Exception as error:
                outcome = f"refused: {error}"
            results.append((name, time.perf_counter() - started, outcome[:200]))
        time.sleep(0.3)  # the stream plays: 30 ticks of 10 ms at 768 kHz x 64 channels
    if resampler:
        for name, request in extremes.resampler_pushes(resampler, 2):
            started = time.perf_counter()
            try:
                send(request)
                outcome = "answered"
            except Exception as error:
                outcome = f"refused: {error}"
            results.append((name, time.perf_counter() - started, outcome[:200]))
    extremes.buffers.clear()  # (alive until every request that points at them is done)
    return results
