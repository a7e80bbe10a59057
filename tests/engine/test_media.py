"""Media: audio sources, local tracks and the streams on them, on the virtual clock."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from lkemu.bindings.simulated_time import SimulatedTimeLoop
from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.media.audio_source import AudioSource
from lkemu.engine.media.tracks import LocalAudioTrack
from lkemu.proto import audio_frame_pb2, engine_pb2, ffi_pb2, video_frame_pb2

from .conftest import (
    INPUT_ADDRESS,
    callback_of,
    int16_memory,
    next_event,
    open_session,
    queued_events,
    request_of,
    run,
    settle,
)

NATIVE_SOURCE = audio_frame_pb2.AUDIO_SOURCE_NATIVE
NATIVE_STREAM = audio_frame_pb2.AUDIO_STREAM_NATIVE


def _source(runtime: EngineRuntime, session: Session, **options: int) -> int:
    request = request_of("new_audio_source", type=NATIVE_SOURCE, **options)
    handle: int = run(runtime, session, request).source.handle.id
    return handle


def _track(runtime: EngineRuntime, session: Session, source: int) -> int:
    request = request_of("create_audio_track", name="mic", source_handle=source)
    handle: int = run(runtime, session, request).track.handle.id
    return handle


def _stream(runtime: EngineRuntime, session: Session, track: int, **options: int) -> int:
    request = request_of("new_audio_stream", track_handle=track, type=NATIVE_STREAM, **options)
    handle: int = run(runtime, session, request).stream.handle.id
    return handle


async def _capture(
    runtime: EngineRuntime,
    session: Session,
    source: int,
    samples: np.ndarray,
    sample_rate: int = 48000,
) -> Any:
    """Capture (frames, channels) int16 samples; the capture's callback."""
    buffer = {
        "data_ptr": INPUT_ADDRESS,
        "num_channels": samples.shape[1],
        "sample_rate": sample_rate,
        "samples_per_channel": samples.shape[0],
    }
    request = request_of("capture_audio_frame", source_handle=source, buffer=buffer)
    response = run(runtime, session, request, int16_memory(samples))
    received = await next_event(session, callback_of("capture_audio_frame", response.async_id))
    return received.event.capture_audio_frame


def _is_frame_of(stream: int) -> Any:
    return lambda e: (
        e.audio_stream_event.stream_handle == stream
        and e.audio_stream_event.HasField("frame_received")
    )


async def _read_frames(
    session: Session, stream: int, total: int, channels: int = 1
) -> tuple[np.ndarray, list[int]]:
    """Read frames of `stream` until `total` samples per channel came: the samples
    (frames, channels) and each frame's size."""
    parts, sizes, got = [], [], 0
    while got < total:
        received = await next_event(session, _is_frame_of(stream))
        frame = received.event.audio_stream_event.frame_received.frame
        info = frame.info
        data = received.blob(info.data_ptr)
        assert len(data) == 2 * info.samples_per_channel * info.num_channels
        parts.append(np.frombuffer(data, dtype=np.int16).reshape(-1, info.num_channels))
        sizes.append(info.samples_per_channel)
        got += info.samples_per_channel
    samples = np.concatenate(parts)
    assert samples.shape[1] == channels
    return samples, sizes


def _ramp(frames: int, channels: int = 1, start: int = 1) -> np.ndarray:
    values = (np.arange(frames * channels, dtype=np.int64) + start) % 30000
    return values.astype(np.int16).reshape(frames, channels)


async def test_new_audio_source_defaults(runtime: EngineRuntime, session: Session) -> None:
    response = run(runtime, session, request_of("new_audio_source", type=NATIVE_SOURCE))
    assert response.source.info.type == NATIVE_SOURCE
    source = runtime.handles.get(response.source.handle.id, AudioSource, session.id)
    assert (source.sample_rate, source.num_channels, source.queue_ms) == (48000, 1, 1000)
    assert source.chunk == 480 and source.capacity == 48000
    custom = _source(runtime, session, sample_rate=16000, num_channels=2, queue_size_ms=200)
    made = runtime.handles.get(custom, AudioSource, session.id)
    assert (made.sample_rate, made.num_channels, made.capacity) == (16000, 2, 3200)


@pytest.mark.parametrize(
    ("options", "message", "kind"),
    [
        (
            {"sample_rate": 4_000_000_000},
            "sample_rate must be 1 to 768000 Hz in lkemu, got 4000000000",
            engine_pb2.INVALID_REQUEST,
        ),
        (
            {"num_channels": 1000},
            "num_channels must be 1 to 64 in lkemu, got 1000",
            engine_pb2.INVALID_REQUEST,
        ),
        (
            {"queue_size_ms": 4_000_000_000},
            "queue_size_ms must be at most 600000 in lkemu, got 4000000000",
            engine_pb2.INVALID_REQUEST,
        ),
        (
            {"num_channels": 0},
            "invalid audio format: 48000 Hz, 0 channel(s)",
            engine_pb2.INVALID_REQUEST,
        ),
        (
            {"queue_size_ms": 15},
            "queue_size_ms must be a multiple of 10",
            engine_pb2.INVALID_REQUEST,
        ),
    ],
)
async def test_new_audio_source_refusals(
    runtime: EngineRuntime, session: Session, options: dict[str, int], message: str, kind: int
) -> None:
    request = request_of("new_audio_source", **{"type": NATIVE_SOURCE, **options})
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, request)
    assert failed.value.message == f"failed to handle request new_audio_source: {message}"
    assert failed.value.kind == kind
    assert runtime.handles.count(session.id).total() == 0


async def test_a_stream_at_the_source_rate_gets_every_captured_sample_once(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, sample_rate=48000, num_channels=2)
    track = _track(runtime, session, source)
    stream = _stream(runtime, session, track, sample_rate=48000, num_channels=2)
    captured = [_ramp(4800, 2, start=1), _ramp(2400, 2, start=20000), _ramp(480, 2, start=7)]
    for samples in captured:
        done = await _capture(runtime, session, source, samples)
        assert not done.HasField("error"), done.error
    expected = np.concatenate(captured)
    received, sizes = await _read_frames(session, stream, len(expected), channels=2)
    assert set(sizes) == {480}  # 10 ms frames, as native sinks send them
    np.testing.assert_array_equal(received, expected)
    # The virtual clock plays what was captured and nothing else: no silence follows.
    await settle()
    assert not [e for e in queued_events(session) if _is_frame_of(stream)(e.event)]


async def test_a_stream_converts_to_its_own_format_and_frame_size(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, sample_rate=48000, num_channels=2)
    track = _track(runtime, session, source)
    stream = _stream(runtime, session, track, sample_rate=16000, num_channels=1, frame_size_ms=20)
    done = await _capture(runtime, session, source, _ramp(14400, 2))  # 300 ms
    assert not done.HasField("error")
    received, sizes = await _read_frames(session, stream, 4800)
    assert sizes == [320] * 15  # 20 ms frames at 16 kHz
    assert received.shape == (4800, 1)
    assert np.abs(received).max() > 0


async def test_a_capture_in_another_format_is_refused_in_its_callback(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, sample_rate=48000, num_channels=1)
    done = await _capture(runtime, session, source, _ramp(160), sample_rate=16000)
    assert done.error == (
        "an RtcError occurred: InvalidState - sample_rate and num_channels don't match"
    )
    done = await _capture(runtime, session, source, _ramp(480, 2))
    assert "sample_rate and num_channels don't match" in done.error
    assert runtime.handles.get(source, AudioSource, session.id).played_frames == 0


async def test_a_source_without_queue_takes_10ms_frames_only(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, sample_rate=48000, queue_size_ms=0)
    done = await _capture(runtime, session, source, _ramp(960))
    assert done.error == (
        "an RtcError occurred: InvalidState - direct capture requires 10ms frames: "
        "got 960 frames, expected 480"
    )
    done = await _capture(runtime, session, source, _ramp(480))
    assert not done.HasField("error")
    assert runtime.handles.get(source, AudioSource, session.id).played_frames == 480


async def test_a_muted_local_track_carries_silence(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session)
    track = _track(runtime, session, source)
    stream = _stream(runtime, session, track)

    def mute(muted: bool) -> bool:
        request = request_of("local_track_mute", track_handle=track, mute=muted)
        return bool(run(runtime, session, request).muted)

    assert mute(True) is True
    await _capture(runtime, session, source, _ramp(960))
    silent, _ = await _read_frames(session, stream, 960)
    assert not silent.any()
    assert mute(False) is False
    await _capture(runtime, session, source, _ramp(960))
    heard, _ = await _read_frames(session, stream, 960)
    np.testing.assert_array_equal(heard, _ramp(960))


async def test_local_track_mute_needs_a_track(runtime: EngineRuntime, session: Session) -> None:
    source = _source(runtime, session)
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, request_of("local_track_mute", track_handle=source, mute=True))
    assert failed.value.message == (
        "failed to handle request local_track_mute: handle is not a "
        "livekit_ffi::server::room::FfiTrack"
    )


async def test_dropping_the_track_ends_its_streams(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session)
    track = _track(runtime, session, source)
    streams = [_stream(runtime, session, track), _stream(runtime, session, track)]
    assert runtime.drop_handle(session.id, track)
    ended = [
        (
            await next_event(session, lambda e: e.audio_stream_event.HasField("eos"))
        ).event.audio_stream_event.stream_handle
        for _ in streams
    ]
    assert sorted(ended) == sorted(streams)
    # The source plays to no track any more: a capture completes and reaches no stream.
    done = await _capture(runtime, session, source, _ramp(480))
    assert not done.HasField("error")
    await settle()
    assert not [e for e in queued_events(session) if e.event.HasField("audio_stream_event")]


async def test_an_audio_stream_needs_an_audio_track(
    runtime: EngineRuntime, session: Session
) -> None:
    resolution = {"width": 4, "height": 2}
    request = request_of(
        "new_video_source", type=video_frame_pb2.VIDEO_SOURCE_NATIVE, resolution=resolution
    )
    video_source = run(runtime, session, request).source.handle.id
    request = request_of("create_video_track", name="cam", source_handle=video_source)
    video_track = run(runtime, session, request).track.handle.id
    with pytest.raises(dispatch.RequestFailed) as failed:
        _stream(runtime, session, video_track)
    assert failed.value.message == "failed to handle request new_audio_stream: not an audio track"


async def test_a_captured_video_frame_reaches_a_local_stream_as_i420(
    runtime: EngineRuntime, session: Session
) -> None:
    width, height = 4, 2
    request = request_of(
        "new_video_source",
        type=video_frame_pb2.VIDEO_SOURCE_NATIVE,
        resolution={"width": width, "height": height},
    )
    source = run(runtime, session, request).source.handle.id
    request = request_of("create_video_track", name="cam", source_handle=source)
    track = run(runtime, session, request).track.handle.id
    request = request_of(
        "new_video_stream", track_handle=track, type=video_frame_pb2.VIDEO_STREAM_NATIVE
    )
    stream = run(runtime, session, request).stream.handle.id
    rgba = np.full((height, width, 4), 255, dtype=np.uint8)
    memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=rgba.tobytes())])
    buffer = {
        "type": video_frame_pb2.RGBA,
        "width": width,
        "height": height,
        "data_ptr": INPUT_ADDRESS,
        "stride": width * 4,
    }
    request = request_of(
        "capture_video_frame",
        source_handle=source,
        buffer=buffer,
        timestamp_us=123456,
        rotation=video_frame_pb2.VIDEO_ROTATION_90,
    )
    run(runtime, session, request, memory)
    received = await next_event(session, lambda e: e.HasField("video_stream_event"))
    assert received.event.video_stream_event.stream_handle == stream
    frame = received.event.video_stream_event.frame_received
    assert (frame.timestamp_us, frame.rotation) == (123456, video_frame_pb2.VIDEO_ROTATION_90)
    info = frame.buffer.info
    assert (info.type, info.width, info.height) == (video_frame_pb2.I420, width, height)
    assert [c.size for c in info.components] == [8, 2, 2]
    assert len(received.blob(info.data_ptr)) == 12


def test_ffi_event_helpers_decode_what_sessions_emit() -> None:
    event = ffi_pb2.FfiEvent()
    event.audio_stream_event.stream_handle = 7
    event.audio_stream_event.frame_received.SetInParent()
    assert _is_frame_of(7)(event) and not _is_frame_of(8)(event)


async def test_a_source_at_0_hz_is_accepted_as_native_accepts_it(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, sample_rate=0)
    assert runtime.handles.get(source, AudioSource, session.id).sample_rate == 0


async def test_a_stream_rate_too_fine_for_the_resampler_is_refused_at_once(
    runtime: EngineRuntime, session: Session
) -> None:
    track = _track(runtime, session, _source(runtime, session, sample_rate=48000))
    started = time.perf_counter()
    with pytest.raises(dispatch.RequestFailed, match="too fine for lkemu's resampler"):
        _stream(runtime, session, track, sample_rate=47_999)
    assert time.perf_counter() - started < 0.05  # refused, not designed


# A source whose handle is dropped: native's tracks keep the WebRTC source playing.


async def _frames_of(session: Session, stream: int, count: int) -> list[np.ndarray]:
    """The next `count` frames of `stream`, each (samples, channels)."""
    frames = []
    for _ in range(count):
        received = await next_event(session, _is_frame_of(stream))
        info = received.event.audio_stream_event.frame_received.frame.info
        frames.append(
            np.frombuffer(received.blob(info.data_ptr), np.int16).reshape(-1, info.num_channels)
        )
    return frames


async def test_a_closed_source_plays_its_queue_then_silence_until_its_track_goes(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session)
    track = _track(runtime, session, source)
    stream = _stream(runtime, session, track, sample_rate=16000)
    assert not (await _capture(runtime, session, source, _ramp(4800 * 3))).HasField("error")
    assert runtime.drop_handle(session.id, source)
    # 300 ms queued before the drop still plays (natively too), then silence, in 10 ms
    # frames at the stream's rate, as long as one likes.
    frames = await _frames_of(session, stream, 150)
    assert {frame.shape for frame in frames} == {(160, 1)}
    sound = [bool(np.abs(frame).max() > 100) for frame in frames]
    assert sound[:29] == [True] * 29 and not any(sound[31:])
    assert not [e for e in queued_events(session) if e.event.audio_stream_event.HasField("eos")]
    assert runtime.drop_handle(session.id, track)
    await next_event(session, lambda e: e.audio_stream_event.HasField("eos"))
    await settle()
    assert not [e for e in queued_events(session) if e.event.HasField("audio_stream_event")]


async def test_a_stream_on_a_track_whose_source_closed_gets_silence(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _source(runtime, session, num_channels=2)
    track = _track(runtime, session, source)
    assert runtime.drop_handle(session.id, source)
    stream = _stream(runtime, session, track, sample_rate=24000, num_channels=2)
    frames = await _frames_of(session, stream, 40)
    assert {frame.shape for frame in frames} == {(240, 2)}
    assert not any(frame.any() for frame in frames)


async def test_a_closed_source_without_queue_goes_quiet(
    runtime: EngineRuntime, session: Session
) -> None:
    """queue_size_ms 0: native has no player for it, so nothing plays once it is closed."""
    source = _source(runtime, session, queue_size_ms=0)
    track = _track(runtime, session, source)
    stream = _stream(runtime, session, track)
    assert runtime.drop_handle(session.id, source)
    await settle()
    assert not [e for e in queued_events(session) if e.event.HasField("audio_stream_event")]
    assert runtime.drop_handle(session.id, track)
    await next_event(session, lambda e: e.audio_stream_event.stream_handle == stream)


def _closed_source_silence_times(clock: str, frames: int) -> list[float]:
    """On simulated time (a loop whose clock only moves when every task waits): when, after
    a source's handle was dropped, each of `frames` silence frames reached its session."""
    loop = SimulatedTimeLoop()

    async def scenario() -> list[float]:
        runtime = EngineRuntime(clock=clock)
        session = open_session(runtime)
        track = _track(runtime, session, _source(runtime, session))
        stream = _stream(runtime, session, track)
        assert runtime.drop_handle(session.id, _source_of(runtime, session, track))
        began, times = loop.time(), []
        for _ in range(frames):
            await next_event(session, _is_frame_of(stream))
            times.append(round(loop.time() - began, 6))
        assert runtime.drop_handle(session.id, track)  # the source stops with its last track
        await asyncio.sleep(0.05)  # (simulated) for the real clock's ticker to see it
        await runtime.shutdown()
        return times

    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.close()


def _source_of(runtime: EngineRuntime, session: Session, track: int) -> int:
    """The handle of the source a track was made from (the one _track made it from)."""
    source = runtime.handles.get(track, LocalAudioTrack, session.id).source
    return next(h for h, e in runtime.handles._entries.items() if e.value is source)


def test_a_closed_sources_silence_comes_at_once_on_the_virtual_clock_then_at_native_pace() -> None:
    times = _closed_source_silence_times("virtual", 160)
    # As fast as it is read for 1 s of audio (100 frames)...
    assert times[:100] == [0.0] * 100
    # ...then never more than 1 s ahead of 10 ms per 10 ms, so a reader that never stops
    # waits between frames instead of spinning through silence.
    assert all(t >= (n - 100) * 0.010 - 1e-6 for n, t in enumerate(times))
    assert times[-1] == pytest.approx(0.6, abs=0.011)


def test_a_closed_sources_silence_comes_10_ms_per_10_ms_on_the_real_clock() -> None:
    times = _closed_source_silence_times("real", 50)
    gaps = np.diff(times)
    assert np.allclose(gaps, 0.010, atol=1e-6)
