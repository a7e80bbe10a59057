"""The audio processing module's requests: new_apm, apm_process_stream,
apm_process_reverse_stream, apm_set_stream_delay.

The caller's buffer is processed in place: the result travels back as an IN_PLACE blob
that the client copies into the memory its data_ptr named. Failures go in the response's
`error` field, where the SDK looks for them (native asserts 10 ms multiples and panics;
lkemu answers with the assertion's message instead).
"""

from __future__ import annotations

import numpy as np

from lkemu.proto import audio_frame_pb2

from ..core.call import Call
from ..core.registry import handles
from ..dsp.apm import AudioProcessor


class Apm:
    native_type_name = "parking_lot::Mutex<libwebrtc::native::apm::AudioProcessingModule>"

    def __init__(self, request: audio_frame_pb2.NewApmRequest) -> None:
        self.processor = AudioProcessor(
            echo_cancellation=request.echo_canceller_enabled,
            noise_suppression=request.noise_suppression_enabled,
            high_pass_filter=request.high_pass_filter_enabled,
            gain_control=request.gain_controller_enabled,
        )


@handles("new_apm")
def on_new_apm(
    call: Call, request: audio_frame_pb2.NewApmRequest
) -> audio_frame_pb2.NewApmResponse:
    response = audio_frame_pb2.NewApmResponse()
    response.apm.handle.CopyFrom(call.own(Apm(request)))
    return response


def _process(
    call: Call,
    request: audio_frame_pb2.ApmProcessStreamRequest
    | audio_frame_pb2.ApmProcessReverseStreamRequest,
    reverse: bool,
) -> str | None:
    apm = call.get(request.apm_handle, Apm)
    if request.data_ptr % 2:
        return "data_ptr must be aligned for i16"
    samples = call.memory.read_array(request.data_ptr, request.size // 2, np.int16)
    try:
        if reverse:
            out = apm.processor.process_reverse_stream(
                samples, request.sample_rate, request.num_channels
            )
        else:
            out = apm.processor.process_stream(samples, request.sample_rate, request.num_channels)
    except ValueError as error:
        return str(error)
    if out is not samples:
        call.memory.write_in_place(request.data_ptr, out.tobytes())
    return None


@handles("apm_process_stream")
def on_apm_process_stream(
    call: Call, request: audio_frame_pb2.ApmProcessStreamRequest
) -> audio_frame_pb2.ApmProcessStreamResponse:
    return audio_frame_pb2.ApmProcessStreamResponse(error=_process(call, request, reverse=False))


@handles("apm_process_reverse_stream")
def on_apm_process_reverse_stream(
    call: Call, request: audio_frame_pb2.ApmProcessReverseStreamRequest
) -> audio_frame_pb2.ApmProcessReverseStreamResponse:
    error = _process(call, request, reverse=True)
    return audio_frame_pb2.ApmProcessReverseStreamResponse(error=error)


@handles("apm_set_stream_delay")
def on_apm_set_stream_delay(
    call: Call, request: audio_frame_pb2.ApmSetStreamDelayRequest
) -> audio_frame_pb2.ApmSetStreamDelayResponse:
    apm = call.get(request.apm_handle, Apm)
    try:
        apm.processor.set_stream_delay_ms(request.delay_ms)
    except ValueError as error:
        return audio_frame_pb2.ApmSetStreamDelayResponse(error=str(error))
    return audio_frame_pb2.ApmSetStreamDelayResponse()
