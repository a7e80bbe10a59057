"""Resamplers: the WebRTC-style one (remix_and_resample) and the sox one (push/flush).

Both keep their filter state between calls, so audio cut in chunks comes out seamless.
The sox resampler's output is lent: it stays valid until that resampler's next call. It
returns as many frames per push and flush as native's libsoxr does (dsp/soxr.py: bursts at
MEDIUM and up, 0 frames for the first three 10 ms pushes of 16 kHz -> 48 kHz), and after a
flush it starts afresh, as native's soxr_clear leaves it.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from lkemu.proto import audio_frame_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest
from ..core.memory import Buffer
from ..core.registry import handles
from ..dsp.polyphase import (
    RatioTooFine,
    StreamingResampler,
    check_ratio,
    remix,
    to_int16,
    to_int16_bytes,
)
from ..dsp.soxr import CubicInterpolator, SoxrTiming
from ..media.formats import MAX_CHANNELS, MAX_SAMPLE_RATE, check_channels, check_rate

_QUALITY = {
    audio_frame_pb2.SOXR_QUALITY_QUICK: "quick",
    audio_frame_pb2.SOXR_QUALITY_LOW: "low",
    audio_frame_pb2.SOXR_QUALITY_MEDIUM: "medium",
    audio_frame_pb2.SOXR_QUALITY_HIGH: "high",
    audio_frame_pb2.SOXR_QUALITY_VERYHIGH: "very_high",
}


class AudioResampler:
    """WebRTC's RemixAndResample behind remix_and_resample, as livekit-ffi calls it.

    Native gives every call 10 ms at the new rate (rate // 100 frames, measured whatever
    the input's length), and WebRTC's push resampler takes the input's rate from its length,
    10 ms a call: samples_per_channel * 100 Hz. The buffer's sample_rate is not used (480
    frames labelled 44.1 kHz are resampled as 48 kHz; 960 frames at 48 kHz come out an
    octave up). The filter state follows the rates: a call at other rates starts afresh.
    """

    native_type_name = "livekit_ffi::server::resampler::FfiAudioResampler"

    def __init__(self) -> None:
        self._format: tuple[int, int, int] | None = None
        self._resampler: StreamingResampler | None = None

    def convert(
        self, samples: np.ndarray, channels_in: int, rate_out: int, channels_out: int
    ) -> np.ndarray:
        frames_out = rate_out // 100
        frames_in = len(samples) // channels_in
        mixed = remix(samples.reshape(-1, channels_in).astype(np.float64), channels_out)
        if not frames_out:
            return np.zeros((0, channels_out), dtype=np.int16)
        rates = (frames_in * 100, frames_out * 100, channels_out)
        if self._format != rates or self._resampler is None:
            self._format = rates
            self._resampler = StreamingResampler(*rates)
        out = self._resampler.push(mixed)
        if len(out) != frames_out:  # (never at steady rates: 10 ms in gives 10 ms out)
            out = np.concatenate((np.zeros((frames_out, channels_out)), out))[-frames_out:]
        return to_int16(out)


class SoxResampler:
    """livekit-ffi's sox resampler: soxr's output lengths push by push (dsp/soxr.py), lkemu's
    samples. QUICK is soxr's own cubic interpolator; the other recipes use lkemu's polyphase
    filter with its delay removed, released when soxr would release them.

    Native checks nothing when it is made: rates soxr refuses (0 Hz, negative) leave it
    without a soxr instance, and every push and flush then fails with "null pointer".
    """

    native_type_name = "livekit_ffi::server::resampler::FfiSoxResampler"

    def __init__(self, request: audio_frame_pb2.NewSoxResamplerRequest) -> None:
        self.channels = request.num_channels
        self.planar_in = request.input_data_type == audio_frame_pb2.SOXR_DATATYPE_INT16S
        self.planar_out = request.output_data_type == audio_frame_pb2.SOXR_DATATYPE_INT16S
        self.input_rate, self.output_rate = request.input_rate, request.output_rate
        self.quality = request.quality_recipe
        self.broken = not (self.input_rate > 0 and self.output_rate > 0)
        if self.broken:
            return
        # lkemu's bound on the ratio holds at QUICK too, which designs no filter: past it a
        # 10 ms push would ask for gigabytes of output.
        check_ratio(
            round(self.input_rate), round(self.output_rate), _QUALITY.get(self.quality, "medium")
        )
        self.timing = SoxrTiming(self.input_rate, self.output_rate, self.quality)
        self._start()

    def _start(self) -> None:
        """A fresh value engine, as the resampler is after a flush (soxr_clear)."""
        self._values: StreamingResampler | CubicInterpolator
        if self.quality == audio_frame_pb2.SOXR_QUALITY_QUICK and self.timing.stages:
            self._values = CubicInterpolator(self.timing.io_ratio, self.channels)
        else:
            self._values = StreamingResampler(
                round(self.input_rate),
                round(self.output_rate),
                self.channels,
                _QUALITY.get(self.quality, "medium"),
                compensate_delay=True,
            )
        self._ready: list[np.ndarray] = []  # computed, not yet released, oldest first
        self._ready_frames = 0
        self._ahead = 0  # released before the engine computed them (see _borrow)

    def _frames(self, data: Buffer) -> np.ndarray:
        samples = np.frombuffer(data, dtype=np.int16)
        if self.planar_in:
            return samples.reshape(self.channels, -1).T
        return samples.reshape(-1, self.channels)

    def _computed(self, out: np.ndarray) -> None:
        if self._ahead:
            skipped = min(self._ahead, len(out))
            out = out[skipped:]
            self._ahead -= skipped
        if len(out):
            self._ready.append(out)
            self._ready_frames += len(out)

    def _release(self, count: int) -> np.ndarray:
        if count > self._ready_frames:
            self._borrow(count - self._ready_frames)
        ready = self._ready[0] if len(self._ready) == 1 else np.concatenate(self._ready)
        self._ready = [ready[count:]] if count < len(ready) else []
        self._ready_frames -= count
        return ready[:count]

    def _borrow(self, missing: int) -> None:
        """Outputs soxr releases before lkemu's filter has the input it looks ahead to: taken
        from a copy of the filter fed silence, and skipped when the real ones come."""
        probe = copy.copy(self._values)
        wanted = self._ahead + missing  # the probe first repeats what was borrowed before
        silence = np.zeros((max(8, math.ceil(wanted * self.timing.io_ratio) + 64), self.channels))
        extra: list[np.ndarray] = []
        while sum(len(e) for e in extra) < wanted:
            extra.append(probe.push(silence))
        self._ready.append(np.concatenate(extra)[self._ahead : wanted])
        self._ready_frames += missing
        self._ahead = wanted

    def push(self, data: Buffer) -> bytearray:
        frames = self._frames(data)
        count = self.timing.push(len(frames), self.channels)
        if len(frames):
            self._computed(self._values.push(frames))
        if not count:
            return bytearray()
        return to_int16_bytes(self._release(count), self.planar_out)

    def flush(self) -> bytearray:
        count = self.timing.flush()
        out = self._release(count) if count else np.zeros((0, self.channels))  # then silence
        self._start()
        return to_int16_bytes(out, self.planar_out)


@handles("new_audio_resampler")
def on_new_audio_resampler(
    call: Call, request: audio_frame_pb2.NewAudioResamplerRequest
) -> audio_frame_pb2.NewAudioResamplerResponse:
    response = audio_frame_pb2.NewAudioResamplerResponse()
    response.resampler.handle.CopyFrom(call.own(AudioResampler()))
    response.resampler.info.SetInParent()
    return response


@handles("remix_and_resample")
def on_remix_and_resample(
    call: Call, request: audio_frame_pb2.RemixAndResampleRequest
) -> audio_frame_pb2.RemixAndResampleResponse:
    resampler = call.get(request.resampler_handle, AudioResampler)
    buffer = request.buffer
    if 0 in (buffer.sample_rate, buffer.num_channels, request.sample_rate, request.num_channels):
        raise InvalidRequest("sample rates and channel counts must be positive")
    if buffer.samples_per_channel == 0:
        # Native reads past an empty buffer and aborts the process.
        raise InvalidRequest("buffer.samples_per_channel must be positive")
    # The input's rate is its length's: 10 ms a call, as native's resampler takes it.
    check_rate("buffer.samples_per_channel * 100", buffer.samples_per_channel * 100)
    check_rate("sample_rate", request.sample_rate)
    check_channels("buffer.num_channels", buffer.num_channels)
    check_channels("num_channels", request.num_channels)
    count = buffer.num_channels * buffer.samples_per_channel
    samples = call.memory.read_array(buffer.data_ptr, count, np.int16)
    try:
        out = resampler.convert(
            samples, buffer.num_channels, request.sample_rate, request.num_channels
        )
    except RatioTooFine as error:
        raise InvalidRequest(str(error)) from None
    handle = call.runtime.handles.next_id()
    response = audio_frame_pb2.RemixAndResampleResponse()
    response.buffer.handle.id = handle
    info = response.buffer.info
    info.data_ptr = call.memory.hand_out(out.tobytes(), handle, detached=True)
    info.num_channels = request.num_channels
    info.sample_rate = request.sample_rate
    info.samples_per_channel = len(out)
    return response


@handles("new_sox_resampler")
def on_new_sox_resampler(
    call: Call, request: audio_frame_pb2.NewSoxResamplerRequest
) -> audio_frame_pb2.NewSoxResamplerResponse:
    response = audio_frame_pb2.NewSoxResamplerResponse()
    if request.num_channels == 0:
        # Native divides by the channel count at the first push and panics; lkemu refuses
        # at once, in the response as native reports construction failures.
        response.error = (
            f"invalid resampler parameters: {request.input_rate} Hz -> "
            f"{request.output_rate} Hz, {request.num_channels} channel(s)"
        )
        return response
    rates = (request.input_rate, request.output_rate)
    if any(r > MAX_SAMPLE_RATE for r in rates):  # infinity too; NaN is like 0 Hz
        response.error = (
            f"lkemu resamples rates up to {MAX_SAMPLE_RATE} Hz, got {rates[0]} -> {rates[1]}"
        )
        return response
    if any(0 < rate < 1 for rate in rates):
        # lkemu resamples whole rates: one that rounds to 0 Hz would divide by zero. (Native
        # takes 0.5 Hz -> 44.1 kHz: 84 MB out of a 10 ms push; 44.1 kHz -> 5e-324 Hz kills it.)
        response.error = f"lkemu resamples rates from 1 Hz, got {rates[0]} -> {rates[1]}"
        return response
    if request.num_channels > MAX_CHANNELS:
        response.error = (
            f"lkemu resamples up to {MAX_CHANNELS} channels, got {request.num_channels}"
        )
        return response
    try:
        resampler = SoxResampler(request)
    except RatioTooFine as error:
        response.error = str(error)
        return response
    response.resampler.handle.CopyFrom(call.own(resampler))
    response.resampler.info.SetInParent()
    return response


# lkemu's bound on one push's output (frames x channels): about 30 ms of work at most.
MAX_PUSH_OUTPUT_SAMPLES = 1 << 20

# What native's soxr_process answers for a resampler whose soxr_create failed.
_NO_SOXR = "null pointer"


@handles("push_sox_resampler")
def on_push_sox_resampler(
    call: Call, request: audio_frame_pb2.PushSoxResamplerRequest
) -> audio_frame_pb2.PushSoxResamplerResponse:
    resampler = call.get(request.resampler_handle, SoxResampler)
    response = audio_frame_pb2.PushSoxResamplerResponse(output_ptr=0, size=0)
    frame_bytes = 2 * resampler.channels
    if resampler.broken:
        response.error = _NO_SOXR
        return response
    if request.size % frame_bytes:
        response.error = (
            f"input size {request.size} is not a whole number of {frame_bytes}-byte frames"
        )
        return response
    samples = call.memory.read(request.data_ptr, request.size)  # a bad pointer fails first
    frames = request.size // frame_bytes
    output = frames * resampler.output_rate / resampler.input_rate * resampler.channels
    if output > MAX_PUSH_OUTPUT_SAMPLES:
        # lkemu's limit, where native has none: the work grows with the output, ~30 ns a
        # sample, and 2205 frames into 1 Hz -> 8 kHz (17.6 million samples) held the engine
        # (or the caller) 4 s and 1.5 GB (found by the fuzzer).
        response.error = (
            f"size: a push of {frames} frames at {resampler.input_rate:g} -> "
            f"{resampler.output_rate:g} Hz gives about {output:.0f} samples; lkemu gives up "
            f"to {MAX_PUSH_OUTPUT_SAMPLES} a push: push less at once"
        )
        return response
    data = resampler.push(samples)
    if data:  # native answers an empty push with a null pointer
        response.size = len(data)
        response.output_ptr = call.memory.hand_out(data, request.resampler_handle, lent=True)
    return response


@handles("flush_sox_resampler")
def on_flush_sox_resampler(
    call: Call, request: audio_frame_pb2.FlushSoxResamplerRequest
) -> audio_frame_pb2.FlushSoxResamplerResponse:
    resampler = call.get(request.resampler_handle, SoxResampler)
    response = audio_frame_pb2.FlushSoxResamplerResponse(output_ptr=0, size=0)
    if resampler.broken:
        response.error = _NO_SOXR
        return response
    data = resampler.flush()
    # Native points at its output buffer even when the flush gives nothing, so the SDK's
    # flush() returns one empty frame.
    response.size = len(data)
    response.output_ptr = call.memory.hand_out(data, request.resampler_handle, lent=True)
    return response
