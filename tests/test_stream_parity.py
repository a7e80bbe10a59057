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
