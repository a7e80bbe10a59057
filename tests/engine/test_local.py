"""Process-local requests: resamplers, the audio processing module, video_convert."""

from __future__ import annotations

import time

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.proto import audio_frame_pb2, engine_pb2, video_frame_pb2

from .conftest import INPUT_ADDRESS, int16_memory, request_of, run


def _tone(frames: int, rate: int, channels: int = 1, hz: float = 440.0) -> np.ndarray:
    t = np.arange(frames) / rate
    mono = (np.sin(2 * np.pi * hz * t) * 10000).astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1)


def _only_blob(memory: Memory) -> engine_pb2.Blob:
    assert len(memory.outputs) == 1
    return memory.outputs[0]


# remix_and_resample


def _new_resampler(runtime: EngineRuntime, session: Session) -> int:
    response = run(runtime, session, request_of("new_audio_resampler"))
    handle: int = response.resampler.handle.id
    return handle


def _remix(
    runtime: EngineRuntime,
    session: Session,
    resampler: int,
    samples: np.ndarray,
    rate_in: int,
    rate_out: int,
    channels_out: int,
) -> np.ndarray:
    buffer = {
        "data_ptr": INPUT_ADDRESS,
        "num_channels": samples.shape[1],
        "sample_rate": rate_in,
        "samples_per_channel": samples.shape[0],
    }
    request = request_of(
        "remix_and_resample",
        resampler_handle=resampler,
        buffer=buffer,
        num_channels=channels_out,
        sample_rate=rate_out,
    )
    memory = int16_memory(samples)
    response = run(runtime, session, request, memory)
    info = response.buffer.info
    assert (info.sample_rate, info.num_channels) == (rate_out, channels_out)
    blob = _only_blob(memory)
    assert blob.address == info.data_ptr and blob.kind == engine_pb2.Blob.OWNED
    assert blob.owner_handle == response.buffer.handle.id and blob.detached
    out = np.frombuffer(blob.data, dtype=np.int16).reshape(-1, channels_out)
    assert len(out) == info.samples_per_channel
    return out


@pytest.mark.parametrize(
    ("rate_in", "channels_in", "rate_out", "channels_out", "frames_out"),
    [
        (48000, 2, 16000, 1, 160),
        (44100, 1, 48000, 2, 480),
        (16000, 1, 24000, 1, 240),
        (48000, 1, 48000, 2, 480),
    ],
)
async def test_remix_and_resample_gives_10ms_at_the_new_rate(
    runtime: EngineRuntime,
    session: Session,
    rate_in: int,
    channels_in: int,
    rate_out: int,
    channels_out: int,
    frames_out: int,
) -> None:
    resampler = _new_resampler(runtime, session)
    for _ in range(3):  # chunk after chunk, the filter state carries on
        samples = _tone(rate_in // 100, rate_in, channels_in)
        out = _remix(runtime, session, resampler, samples, rate_in, rate_out, channels_out)
        assert out.shape == (frames_out, channels_out)
    assert np.abs(out).max() > 5000


async def test_remix_only_is_exact(runtime: EngineRuntime, session: Session) -> None:
    resampler = _new_resampler(runtime, session)
    samples = _tone(480, 48000)
    out = _remix(runtime, session, resampler, samples, 48000, 48000, 2)
    np.testing.assert_array_equal(out, np.repeat(samples, 2, axis=1))


async def test_remix_takes_the_input_rate_from_its_length(
    runtime: EngineRuntime, session: Session
) -> None:
    """As native: 10 ms a call whatever the label, so 20 ms of a 1 kHz tone at 48 kHz is
    taken as 10 ms at 96 kHz and comes out at 2 kHz, in 160 frames."""
    resampler = _new_resampler(runtime, session)
    tone = _tone(960, 48000, hz=1000.0)
    outs = [_remix(runtime, session, resampler, tone, 48000, 16000, 1) for _ in range(4)]
    assert all(out.shape == (160, 1) for out in outs)
    steady = np.concatenate(outs[1:])[:, 0].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(len(steady))))
    assert np.argmax(spectrum) * 16000 / len(steady) == pytest.approx(2000, abs=40)
    labelled_44k, labelled_48k = (
        _remix(runtime, session, _new_resampler(runtime, session), _tone(480, 48000, hz=900.0),
               label, 16000, 1)
        for label in (44100, 48000)
    )  # fmt: skip
    np.testing.assert_array_equal(labelled_44k, labelled_48k)


async def test_remix_refuses_an_empty_buffer(runtime: EngineRuntime, session: Session) -> None:
    resampler = _new_resampler(runtime, session)
    buffer = {"data_ptr": INPUT_ADDRESS, "num_channels": 1, "sample_rate": 48000}
    request = request_of(
        "remix_and_resample", resampler_handle=resampler, buffer=buffer, num_channels=1,
        sample_rate=16000,
    )  # fmt: skip
    with pytest.raises(dispatch.RequestFailed, match="samples_per_channel must be positive"):
        run(runtime, session, request, int16_memory(np.zeros(0, np.int16)))


# The sox resampler


def _new_sox(
    runtime: EngineRuntime, session: Session, rate_in: float, rate_out: float, channels: int = 1
) -> audio_frame_pb2.NewSoxResamplerResponse:
    request = request_of(
        "new_sox_resampler",
        input_rate=rate_in,
        output_rate=rate_out,
        num_channels=channels,
        input_data_type=audio_frame_pb2.SOXR_DATATYPE_INT16I,
        output_data_type=audio_frame_pb2.SOXR_DATATYPE_INT16I,
        quality_recipe=audio_frame_pb2.SOXR_QUALITY_MEDIUM,
    )
    response: audio_frame_pb2.NewSoxResamplerResponse = run(runtime, session, request)
    return response


def _lent_samples(memory: Memory, address: int, size: int, owner: int) -> np.ndarray:
    if size == 0:
        assert address == 0 and memory.outputs == []
        return np.zeros(0, dtype=np.int16)
    blob = _only_blob(memory)
    assert (blob.address, blob.kind, blob.owner_handle) == (address, engine_pb2.Blob.LENT, owner)
    assert len(blob.data) == size
    return np.frombuffer(blob.data, dtype=np.int16)


@pytest.mark.parametrize(("rate_in", "rate_out"), [(48000, 16000), (44100, 48000), (8000, 24000)])
async def test_sox_push_and_flush_give_the_whole_duration(
    runtime: EngineRuntime, session: Session, rate_in: int, rate_out: int
) -> None:
    handle = _new_sox(runtime, session, rate_in, rate_out).resampler.handle.id
    chunk, chunks = rate_in // 100, 25  # 250 ms in 10 ms pushes
    outputs = []
    for index in range(chunks):
        samples = _tone(chunk, rate_in)[:, 0]
        samples = np.roll(samples, -index * chunk)
        memory = int16_memory(samples)
        request = request_of(
            "push_sox_resampler",
            resampler_handle=handle,
            data_ptr=INPUT_ADDRESS,
            size=samples.nbytes,
        )
        pushed = run(runtime, session, request, memory)
        assert not pushed.HasField("error")
        outputs.append(_lent_samples(memory, pushed.output_ptr, pushed.size, handle))
    memory = Memory()
    request = request_of("flush_sox_resampler", resampler_handle=handle)
    flushed = run(runtime, session, request, memory)
    outputs.append(_lent_samples(memory, flushed.output_ptr, flushed.size, handle))
    total = sum(len(o) for o in outputs)
    assert total == chunk * chunks * rate_out // rate_in  # soxr ends at the exact length
    assert len(outputs[-1]) > 0  # the filter's tail comes out at the flush


async def test_sox_refusals_are_in_the_responses(runtime: EngineRuntime, session: Session) -> None:
    bad = _new_sox(runtime, session, 48000, 16000, channels=0)
    assert bad.error == "invalid resampler parameters: 48000.0 Hz -> 16000.0 Hz, 0 channel(s)"
    assert not bad.HasField("resampler")
    handle = _new_sox(runtime, session, 48000, 16000, channels=2).resampler.handle.id
    memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=b"\x00" * 6)])
    request = request_of(
        "push_sox_resampler", resampler_handle=handle, data_ptr=INPUT_ADDRESS, size=6
    )
    pushed = run(runtime, session, request, memory)
    assert pushed.error == "input size 6 is not a whole number of 4-byte frames"
    assert (pushed.output_ptr, pushed.size) == (0, 0)
    assert memory.outputs == []


async def test_a_sox_resampler_soxr_refuses_fails_at_each_call(
    runtime: EngineRuntime, session: Session
) -> None:
    """Native makes it (soxr_create's error goes nowhere), then every call says so."""
    for rates in ((0, 16000), (48000, -5), (float("nan"), 16000)):
        made = _new_sox(runtime, session, *rates)
        assert not made.HasField("error")
        handle = made.resampler.handle.id
        memory = int16_memory(np.zeros(480, np.int16))
        push = request_of(
            "push_sox_resampler", resampler_handle=handle, data_ptr=INPUT_ADDRESS, size=960
        )
        pushed = run(runtime, session, push, memory)
        flushed = run(runtime, session, request_of("flush_sox_resampler", resampler_handle=handle))
        for answer in (pushed, flushed):
            assert (answer.error, answer.output_ptr, answer.size) == ("null pointer", 0, 0)


# The audio processing module


def _new_apm(runtime: EngineRuntime, session: Session, **switches: bool) -> int:
    flags = {
        "echo_canceller_enabled": False,
        "gain_controller_enabled": False,
        "high_pass_filter_enabled": False,
        "noise_suppression_enabled": False,
        **switches,
    }
    handle: int = run(runtime, session, request_of("new_apm", **flags)).apm.handle.id
    return handle


def _process(
    runtime: EngineRuntime,
    session: Session,
    apm: int,
    samples: np.ndarray,
    rate: int,
    address: int = INPUT_ADDRESS,
) -> tuple[audio_frame_pb2.ApmProcessStreamResponse, Memory]:
    memory = int16_memory(samples, address)
    request = request_of(
        "apm_process_stream",
        apm_handle=apm,
        data_ptr=address,
        size=samples.nbytes,
        sample_rate=rate,
        num_channels=1,
    )
    response: audio_frame_pb2.ApmProcessStreamResponse = run(runtime, session, request, memory)
    return response, memory


async def test_apm_process_stream_writes_its_result_in_place(
    runtime: EngineRuntime, session: Session
) -> None:
    apm = _new_apm(runtime, session, high_pass_filter_enabled=True)
    dc = np.full(1600, 10000, dtype=np.int16)  # 100 ms of DC at 16 kHz
    response, memory = _process(runtime, session, apm, dc, 16000)
    assert not response.HasField("error")
    blob = _only_blob(memory)
    assert (blob.address, blob.kind) == (INPUT_ADDRESS, engine_pb2.Blob.IN_PLACE)
    assert len(blob.data) == dc.nbytes
    out = np.frombuffer(blob.data, dtype=np.int16)
    # The high-pass filter takes the DC away: the last 10 ms are far below the input.
    assert np.abs(out[-160:]).max() < 2000
    assert not np.array_equal(out, dc)


async def test_apm_refusals_are_in_the_response(runtime: EngineRuntime, session: Session) -> None:
    apm = _new_apm(runtime, session, noise_suppression_enabled=True)
    response, memory = _process(runtime, session, apm, np.zeros(240, dtype=np.int16), 16000)
    assert response.error == "slice must have a multiple of 10ms worth of samples"
    assert memory.outputs == []
    odd = INPUT_ADDRESS + 1
    response, memory = _process(runtime, session, apm, np.zeros(160, np.int16), 16000, odd)
    assert response.error == "data_ptr must be aligned for i16"
    assert memory.outputs == []
    response, _ = _process(runtime, session, apm, np.zeros(40, dtype=np.int16), 4000)
    assert response.error == "Failed to process stream"


# video_convert


def _convert(
    runtime: EngineRuntime, session: Session, pixels: np.ndarray, dst: int
) -> tuple[video_frame_pb2.VideoConvertResponse, Memory]:
    height, width, _ = pixels.shape
    memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=pixels.tobytes())])
    buffer = {
        "type": video_frame_pb2.RGBA,
        "width": width,
        "height": height,
        "data_ptr": INPUT_ADDRESS,
        "stride": width * 4,
    }
    request = request_of("video_convert", buffer=buffer, dst_type=dst)
    response: video_frame_pb2.VideoConvertResponse = run(runtime, session, request, memory)
    return response, memory


@pytest.mark.parametrize(
    ("width", "height", "plane_sizes"),
    [(6, 4, [24, 6, 6]), (5, 3, [15, 6, 6]), (1, 1, [1, 1, 1])],
)
async def test_video_convert_rgba_to_i420_sizes(
    runtime: EngineRuntime,
    session: Session,
    width: int,
    height: int,
    plane_sizes: list[int],
) -> None:
    white = np.full((height, width, 4), 255, dtype=np.uint8)
    response, memory = _convert(runtime, session, white, video_frame_pb2.I420)
    assert response.WhichOneof("message") == "buffer"
    info = response.buffer.info
    assert (info.type, info.width, info.height) == (video_frame_pb2.I420, width, height)
    assert [c.size for c in info.components] == plane_sizes
    chroma_width = (width + 1) // 2
    assert [c.stride for c in info.components] == [width, chroma_width, chroma_width]
    blob = _only_blob(memory)
    assert blob.owner_handle == response.buffer.handle.id
    assert blob.address == info.data_ptr == info.components[0].data_ptr
    assert len(blob.data) == sum(plane_sizes)
    y_size, u_size = plane_sizes[0], plane_sizes[1]
    assert info.components[1].data_ptr == info.data_ptr + y_size
    assert info.components[2].data_ptr == info.data_ptr + y_size + u_size
    # libyuv's BT.601 limited range: white is Y 235, neutral chroma 128.
    data = np.frombuffer(blob.data, dtype=np.uint8)
    assert set(data[:y_size].tolist()) == {235}
    assert set(data[y_size:].tolist()) == {128}


async def test_video_convert_refuses_a_pair_native_refuses(
    runtime: EngineRuntime, session: Session
) -> None:
    pixels = np.zeros((2, 2, 4), dtype=np.uint8)
    response, memory = _convert(runtime, session, pixels, video_frame_pb2.RGB24)
    assert response.error == "invalid request: rgba to Rgb24 is not supported"
    assert memory.outputs == []


@pytest.mark.parametrize(
    ("input_rate", "output_rate", "channels", "error"),
    [
        (1, 700_000, 1, "over lkemu's limit"),  # 1 -> 1 MHz took 8.2 s and 375 MB before
        (1, 1_000_000, 1, "lkemu resamples rates up to 768000 Hz"),
        (44_100, 44_101, 1, "over lkemu's limit"),
        (float("inf"), 16_000, 1, "lkemu resamples rates up to 768000 Hz"),
        (48_000, 16_000, 10_000, "lkemu resamples up to 64 channels"),
    ],
)
async def test_sox_resampler_parameters_past_lkemus_limits_are_refused_at_once(
    runtime: EngineRuntime,
    session: Session,
    input_rate: float,
    output_rate: float,
    channels: int,
    error: str,
) -> None:
    from lkemu.engine.dsp.polyphase import DESIGNS

    held = DESIGNS.held_bytes()
    request = request_of("new_sox_resampler", input_rate=input_rate, output_rate=output_rate,
                         num_channels=channels)  # fmt: skip
    started = time.perf_counter()
    response = run(runtime, session, request)
    assert time.perf_counter() - started < 0.05
    assert error in response.error
    assert DESIGNS.held_bytes() == held  # nothing designed, nothing kept


def test_filter_designs_are_kept_within_a_byte_budget() -> None:
    from lkemu.engine.dsp.polyphase import DESIGN_CACHE_BYTES, DESIGNS, StreamingResampler

    primes = [n for n in range(4_000, 5_400) if all(n % d for d in range(2, 75))][:40]
    for output_rate in primes:  # 40 designs of ~1 MB each (up = output_rate, 24 taps)
        StreamingResampler(96_001, output_rate, 1, "medium")
    assert DESIGNS.held_bytes() <= DESIGN_CACHE_BYTES
