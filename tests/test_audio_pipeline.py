"""AudioSource -> LocalAudioTrack -> AudioStream through the bindings, on both clocks."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lkemu.bindings import FfiClient, FfiRequestError
from lkemu.proto import audio_frame_pb2, ffi_pb2
from tests.helpers import (
    capture,
    capture_request,
    collect,
    new_source,
    new_stream,
    new_track,
    read_frame,
    stream_queue,
)

RATES = [8000, 16000, 24000, 44100, 48000]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rate=st.sampled_from(RATES),
    channels=st.sampled_from([1, 2]),
    tens_of_ms=st.integers(min_value=1, max_value=60),
    cuts=st.lists(st.integers(min_value=1, max_value=2000), min_size=1, max_size=12),
)
def test_sample_exact_on_the_virtual_clock(
    virtual_client: FfiClient, rate: int, channels: int, tens_of_ms: int, cuts: list[int]
) -> None:
    """Every captured sample leaves a same-format stream once, in order, whatever the chunking."""
    client = virtual_client
    total = rate // 100 * tens_of_ms
    rng = np.random.default_rng(total + channels)
    samples = rng.integers(-32768, 32767, size=total * channels, dtype=np.int16)
    boundaries = sorted({min(c * 7, total) for c in cuts} | {0, total})

    async def scenario() -> np.ndarray:
        source = new_source(client, rate, channels)
        track = new_track(client, source)
        queue = stream_queue(client)
        stream = new_stream(client, track, rate, channels)
        for start, end in itertools.pairwise(boundaries):
            assert await capture(client, source, samples[start * channels : end * channels],
                                 rate, channels) == ""  # fmt: skip
        events = await collect(client, queue, stream, tens_of_ms)
        client.queue.unsubscribe(queue)
        for handle in (stream, track, source):
            client.drop_handle(handle)
        return np.concatenate([read_frame(client, e) for e in events])

    received = asyncio.run(scenario())
    assert np.array_equal(received, samples)


async def test_frames_are_rechunked_to_frame_size_ms(virtual_client: FfiClient) -> None:
    client = virtual_client
    source = new_source(client, 48000, 1)
    track = new_track(client, source)
    queue = stream_queue(client)
    stream = new_stream(client, track, 16000, 1, frame_ms=20)
    tone = (np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16)
    for start in range(0, 48000, 480):
        assert await capture(client, source, tone[start : start + 480], 48000, 1) == ""
    events = await collect(client, queue, stream, 50)
    infos = [e.audio_stream_event.frame_received.frame.info for e in events]
    assert {(i.sample_rate, i.num_channels, i.samples_per_channel) for i in infos} == {
        (16000, 1, 320)
    }
    audio = np.concatenate([read_frame(client, e) for e in events])
    spectrum = np.abs(np.fft.rfft(audio[1600:] * np.hanning(len(audio) - 1600)))
    assert np.fft.rfftfreq(len(audio) - 1600, 1 / 16000)[np.argmax(spectrum)] == pytest.approx(
        440, abs=3
    )


async def test_real_clock_plays_at_real_time(client: FfiClient) -> None:
    source = new_source(client, 48000, 1)
    track = new_track(client, source)
    queue = stream_queue(client)
    stream = new_stream(client, track, 48000, 1)
    loop = asyncio.get_running_loop()
    assert await capture(client, source, np.zeros(48000 // 5, np.int16), 48000, 1) == ""
    started = loop.time()
    events = await collect(client, queue, stream, 20)
    # 200 ms of audio took wall time: only a sanity bound here; bench/ measures pacing.
    assert loop.time() - started > 0.1
    assert all(
        e.audio_stream_event.frame_received.frame.info.samples_per_channel == 480 for e in events
    )


async def test_dropping_the_track_ends_its_stream_with_eos(virtual_client: FfiClient) -> None:
    client = virtual_client
    source = new_source(client)
    track = new_track(client, source)
    queue = stream_queue(client)
    stream = new_stream(client, track, 48000, 1)
    client.drop_handle(track)
    event = await asyncio.wait_for(queue.get(), timeout=5)
    assert event.audio_stream_event.stream_handle == stream
    assert event.audio_stream_event.WhichOneof("message") == "eos"


async def test_capture_errors_arrive_in_the_callback(client: FfiClient) -> None:
    source = new_source(client, 48000, 1)
    error = await capture(client, source, np.zeros(160, np.int16), 16000, 1)
    assert error == "an RtcError occurred: InvalidState - sample_rate and num_channels don't match"
    direct = new_source(client, 48000, 1, queue_ms=0)
    error = await capture(client, direct, np.zeros(100, np.int16), 48000, 1)
    assert "direct capture requires 10ms frames: got 100 frames, expected 480" in error
    assert await capture(client, source, np.zeros(480, np.int16), 48000, 1) == ""


async def test_request_async_id_is_honoured(client: FfiClient) -> None:
    source = new_source(client)
    samples = np.zeros(480, np.int16)
    request = capture_request(source, samples, 48000, 1)
    request.capture_audio_frame.request_async_id = 987654321
    queue = client.queue.subscribe()
    assert client.request(request).capture_audio_frame.async_id == 987654321
    event = await asyncio.wait_for(
        queue.wait_for(lambda e: e.WhichOneof("message") == "capture_audio_frame"), timeout=5
    )
    assert event.capture_audio_frame.async_id == 987654321


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: setattr(r.new_audio_stream, "type", audio_frame_pb2.AUDIO_STREAM_HTML),
         "unsupported audio stream type"),
        (lambda r: setattr(r.new_audio_stream, "audio_filter_module_id", "nc"),
         "this track has no room information"),
        (lambda r: setattr(r.new_audio_stream, "sample_rate", 0), "invalid audio stream format"),
    ],
    ids=["stream-type", "filter-without-room", "rate-0"],
)  # fmt: skip
def test_stream_errors_leave_the_engine_serving(
    client: FfiClient, mutate: Callable[[ffi_pb2.FfiRequest], object], message: str
) -> None:
    source = new_source(client)
    track = new_track(client, source)
    request = ffi_pb2.FfiRequest()
    request.new_audio_stream.track_handle = track
    request.new_audio_stream.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
    mutate(request)
    with pytest.raises(FfiRequestError, match=message):
        client.request(request)
    assert new_stream(client, track, 16000, 1) > 0


def test_a_stream_on_a_non_track_handle_is_refused(client: FfiClient) -> None:
    source = new_source(client)
    request = ffi_pb2.FfiRequest()
    request.new_audio_stream.track_handle = source
    request.new_audio_stream.type = audio_frame_pb2.AUDIO_STREAM_NATIVE
    with pytest.raises(FfiRequestError, match=r"handle is not a .*FfiTrack"):
        client.request(request)


def test_impossible_source_formats_are_refused(client: FfiClient) -> None:
    with pytest.raises(FfiRequestError, match="sample_rate must be 1 to 768000 Hz"):
        new_source(client, rate=10_000_000)
    with pytest.raises(FfiRequestError, match="multiple of 10"):
        new_source(client, queue_ms=15)
    assert new_source(client, rate=0)  # as native, which accepts a source at 0 Hz


def test_10000_create_drop_cycles_leave_no_handle(lane_client: FfiClient) -> None:
    client = lane_client
    session = client.connection.session_id
    before = client.control.count_handles(session).total
    request = ffi_pb2.FfiRequest()
    request.new_audio_resampler.SetInParent()
    for _ in range(10_000):
        handle = client.request(request).new_audio_resampler.resampler.handle.id
        assert client.drop_handle(handle)
        assert not client.drop_handle(handle)  # a second drop finds nothing
    assert client.control.count_handles(session).total == before
    assert client.local is None or client.local.count() == 0
    assert client.memory.owners() == 0
