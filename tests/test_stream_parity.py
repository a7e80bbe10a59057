"""AudioStream frames against livekit 1.2.1: sizes, counts and total samples."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from lkemu.bindings import FfiClient
from tests.helpers import (
    capture,
    collect,
    new_source,
    new_stream,
    new_track,
    read_frame,
    stream_queue,
)
from tests.native import run_native

NATIVE_STREAM = """
import asyncio
import numpy as np
from livekit import rtc
rate_in, rate_out, frame_ms, channels = (int(v) for v in inputs["setup"])
async def main():
    source = rtc.AudioSource(rate_in, 1)
    track = rtc.LocalAudioTrack.create_audio_track("t", source)
    kwargs = {"frame_size_ms": frame_ms} if frame_ms else {}
    stream = rtc.AudioStream(track, sample_rate=rate_out, num_channels=channels, **kwargs)
    sizes, audio = [], []
    async def read():
        async for event in stream:
            f = event.frame
            sizes.append((f.sample_rate, f.num_channels, f.samples_per_channel))
            audio.append(np.frombuffer(f.data, dtype=np.int16).copy())
    reader = asyncio.create_task(read())
    signal = inputs["signal"]
    step = rate_in // 100
    for start in range(0, len(signal), step):
        chunk = signal[start:start + step].tobytes()
        await source.capture_frame(rtc.AudioFrame(chunk, rate_in, 1, step))
    await asyncio.sleep(0.6)  # let the source play out its queue
    reader.cancel()
    outputs["sizes"] = np.array(sizes)
    outputs["audio"] = np.concatenate(audio)
asyncio.run(main())
"""

CASES = [(48000, 16000, 20, 1), (48000, 48000, 0, 1), (44100, 16000, 20, 1), (48000, 24000, 0, 2)]


def _sound_span(audio: np.ndarray, channels: int) -> int:
    """Frames from the first to the last sample that is not (near) silence."""
    loud = np.flatnonzero(np.abs(audio.reshape(-1, channels)).max(axis=1) > 300)
    return int(loud[-1] - loud[0] + 1)


@pytest.mark.parametrize(("rate_in", "rate_out", "frame_ms", "channels"), CASES,
                         ids=[f"{a}-{b}-{c}ms-{d}ch" for a, b, c, d in CASES])  # fmt: skip
def test_stream_frames_match_native(
    virtual_client: FfiClient, rate_in: int, rate_out: int, frame_ms: int, channels: int
) -> None:
    seconds = 0.5
    signal = (np.sin(np.arange(int(rate_in * seconds)) * 0.05) * 9000).astype(np.int16)
    result = run_native(
        NATIVE_STREAM, setup=np.array([rate_in, rate_out, frame_ms, channels]), signal=signal
    )
    native = result["sizes"]
    # The native source plays silence on every 10 ms tick its buffer is short, so how many
    # frames it sends depends on wall time; the audio in them does not.
    native_span = _sound_span(result["audio"], channels)
    expected_frames = round(seconds * rate_out / (rate_out * (frame_ms or 10) // 1000))

    async def ours() -> tuple[np.ndarray, np.ndarray]:
        client = virtual_client
        source = new_source(client, rate_in, 1)
        track = new_track(client, source)
        queue = stream_queue(client)
        stream = new_stream(client, track, rate_out, channels, frame_ms)
        step = rate_in // 100
        for start in range(0, len(signal), step):
            assert await capture(client, source, signal[start : start + step], rate_in, 1) == ""
        events = await collect(client, queue, stream, expected_frames)
        audio = np.concatenate([read_frame(client, event) for event in events])
        sizes = np.array([
            (i.sample_rate, i.num_channels, i.samples_per_channel)
            for i in (e.audio_stream_event.frame_received.frame.info for e in events)
        ])  # fmt: skip
        return sizes, audio

    mine, audio = asyncio.run(ours())
    # every frame has the native format and size
    assert {tuple(row) for row in mine.tolist()} == {tuple(row) for row in native.tolist()}
    # exactly the captured duration came out (the virtual clock adds no silence)
    assert int(mine[:, 2].sum()) == int(seconds * rate_out)
    # and the sound lasts as long as natively, within the resamplers' filter lengths
    assert abs(_sound_span(audio, channels) - native_span) <= rate_out // 1000


# A source whose handle was dropped while its track lives on.

NATIVE_CLOSED_SOURCE = """
import asyncio
import numpy as np
from livekit import rtc
async def main():
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("t", source)
    stream = rtc.AudioStream(track, sample_rate=16000, num_channels=1)
    tone = inputs["tone"]
    for start in range(0, len(tone), 480):
        await source.capture_frame(rtc.AudioFrame(tone[start:start + 480].tobytes(), 48000, 1, 480))
    await source.aclose()
    sizes, loud = [], []
    async def read():
        async for event in stream:
            f = event.frame
            sizes.append((f.sample_rate, f.num_channels, f.samples_per_channel))
            loud.append(int(np.abs(np.frombuffer(f.data, dtype=np.int16)).max() > 300))
    reader = asyncio.create_task(read())
    await asyncio.sleep(0.8)
    reader.cancel()
    outputs["sizes"] = np.array(sizes)
    outputs["loud"] = np.array(loud)
asyncio.run(main())
"""


def test_a_closed_sources_track_plays_on_as_natively(virtual_client: FfiClient) -> None:
    """The queued 200 ms, then 10 ms frames of silence, and no end (natively 100 frames a
    second; on the virtual clock as fast as they are read, for the first second)."""
    tone = (np.sin(np.arange(9600) * 0.05) * 9000).astype(np.int16)
    native = run_native(NATIVE_CLOSED_SOURCE, tone=tone)
    native_loud = native["loud"].tolist()
    assert len(native_loud) >= 60 and native_loud[-1] == 0

    async def ours() -> tuple[set[tuple[int, int, int]], list[int]]:
        client = virtual_client
        source = new_source(client, 48000, 1)
        track = new_track(client, source)
        queue = stream_queue(client)
        stream = new_stream(client, track, 16000, 1)
        for start in range(0, len(tone), 480):
            assert await capture(client, source, tone[start : start + 480], 48000, 1) == ""
        assert client.drop_handle(source)
        events = await collect(client, queue, stream, len(native_loud))
        assert all(e.audio_stream_event.HasField("frame_received") for e in events)
        infos = [e.audio_stream_event.frame_received.frame.info for e in events]
        loud = [int(np.abs(read_frame(client, e)).max() > 300) for e in events]
        client.drop_handle(track)
        return {(i.sample_rate, i.num_channels, i.samples_per_channel) for i in infos}, loud

    formats, loud = asyncio.run(ours())
    assert formats == {tuple(row) for row in native["sizes"].tolist()} == {(16000, 1, 160)}
    # the same stretch of sound, then silence (a frame either way: where the filters' edges
    # fall against the loudness threshold)
    assert abs(sum(loud) - sum(native_loud)) <= 1
    assert loud[: sum(loud)] == [1] * sum(loud) and not any(loud[sum(loud) + 1 :])
