"""Resamplers: the WebRTC-style one (remix_and_resample) and the sox one (push/flush).

Both keep their filter state between calls, so audio cut in chunks comes out seamless.
The sox resampler's output is lent: it stays valid until that resampler's next call.
"""

from __future__ import annotations

import math

import numpy as np

from lkemu.proto import audio_frame_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest
from ..core.memory import Buffer
from ..core.registry import handles
from ..dsp.polyphase import RatioTooFine, StreamingResampler, remix, to_int16, to_int16_bytes
from ..media.formats import MAX_CHANNELS, MAX_SAMPLE_RATE, check_channels, check_rate

_QUALITY = {
    audio_frame_pb2.SOXR_QUALITY_QUICK: "quick",
    audio_frame_pb2.SOXR_QUALITY_LOW: "low",
    audio_frame_pb2.SOXR_QUALITY_MEDIUM: "medium",
    audio_frame_pb2.SOXR_QUALITY_HIGH: "high",
    audio_frame_pb2.SOXR_QUALITY_VERYHIGH: "very_high",
}


class AudioResampler:
    """WebRTC's resampler behind remix_and_resample: state follows the last format used."""

    native_type_name = "livekit_ffi::server::resampler::FfiAudioResampler"

    def __init__(self) -> None:
        self._format: tuple[int, int, int] | None = None
        self._resampler: StreamingResampler | None = None

    def convert(
        self, samples: np.ndarray, rate_in: int, channels_in: int, rate_out: int, channels_out: int
    ) -> np.ndarray:
        if self._format != (rate_in, rate_out, channels_out) or self._resampler is None:
            self._format = (rate_in, rate_out, channels_out)
            self._resampler = StreamingResampler(rate_in, rate_out, channels_out)
        mixed = remix(samples.reshape(-1, channels_in).astype(np.float64), channels_out)
        return to_int16(self._resampler.push(mixed))


class SoxResampler:
    native_type_name = "livekit_ffi::server::resampler::FfiSoxResampler"

    def __init__(self, request: audio_frame_pb2.NewSoxResamplerRequest) -> None:
        self.channels = request.num_channels
        self.planar_in = request.input_data_type == audio_frame_pb2.SOXR_DATATYPE_INT16S
        self.planar_out = request.output_data_type == audio_frame_pb2.SOXR_DATATYPE_INT16S
        self._resampler = StreamingResampler(
            round(request.input_rate),
            round(request.output_rate),
            self.channels,
            _QUALITY.get(request.quality_recipe, "medium"),
            compensate_delay=True,
        )

    def _frames(self, data: Buffer) -> np.ndarray:
        samples = np.frombuffer(data, dtype=np.int16)
        if self.planar_in:
            return samples.reshape(self.channels, -1).T
        return samples.reshape(-1, self.channels)

    def push(self, data: Buffer) -> bytearray:
        return to_int16_bytes(self._resampler.push(self._frames(data)), self.planar_out)

    def flush(self) -> bytearray:
        return to_int16_bytes(self._resampler.flush(), self.planar_out)


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
    check_rate("buffer.sample_rate", buffer.sample_rate)
    check_rate("sample_rate", request.sample_rate)
    check_channels("buffer.num_channels", buffer.num_channels)
    check_channels("num_channels", request.num_channels)
    count = buffer.num_channels * buffer.samples_per_channel
    samples = call.memory.read_array(buffer.data_ptr, count, np.int16)
    try:
        out = resampler.convert(
            samples, buffer.sample_rate, buffer.num_channels, request.sample_rate,
            request.num_channels,
        )  # fmt: skip
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
    if request.input_rate <= 0 or request.output_rate <= 0 or request.num_channels == 0:
        # Native reports construction failures in the response, not as a failed request.
        response.error = (
            f"invalid resampler parameters: {request.input_rate} Hz -> "
            f"{request.output_rate} Hz, {request.num_channels} channel(s)"
        )
        return response
    rates = (request.input_rate, request.output_rate)
    if not all(math.isfinite(r) and r <= MAX_SAMPLE_RATE for r in rates):
        response.error = (
            f"lkemu resamples rates up to {MAX_SAMPLE_RATE} Hz, got {rates[0]} -> {rates[1]}"
        )
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


def _lend(
    call: Call,
    handle: int,
    data: bytearray,
    response: audio_frame_pb2.PushSoxResamplerResponse | audio_frame_pb2.FlushSoxResamplerResponse,
) -> None:
    response.size = len(data)
    response.output_ptr = call.memory.hand_out(data, handle, lent=True) if data else 0


@handles("push_sox_resampler")
def on_push_sox_resampler(
    call: Call, request: audio_frame_pb2.PushSoxResamplerRequest
) -> audio_frame_pb2.PushSoxResamplerResponse:
    resampler = call.get(request.resampler_handle, SoxResampler)
    response = audio_frame_pb2.PushSoxResamplerResponse()
    frame_bytes = 2 * resampler.channels
    if request.size % frame_bytes:
        response.output_ptr, response.size = 0, 0
        response.error = (
            f"input size {request.size} is not a whole number of {frame_bytes}-byte frames"
        )
        return response
    _lend(call, request.resampler_handle,
          resampler.push(call.memory.read(request.data_ptr, request.size)), response)  # fmt: skip
    return response


@handles("flush_sox_resampler")
def on_flush_sox_resampler(
    call: Call, request: audio_frame_pb2.FlushSoxResamplerRequest
) -> audio_frame_pb2.FlushSoxResamplerResponse:
    resampler = call.get(request.resampler_handle, SoxResampler)
    response = audio_frame_pb2.FlushSoxResamplerResponse()
    _lend(call, request.resampler_handle, resampler.flush(), response)
    return response
