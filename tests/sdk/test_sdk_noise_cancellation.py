"""The seed journey with a noise filter: an agent's AudioStream on a subscribed track with
livekit-plugins-noise-cancellation's NC(). Under --lkemu the plugin registers through the
SDK as usual, lkemu runs its own noise suppression, and no native plugin is ever loaded.
Natively the plugin needs LiveKit Cloud, so this runs under --lkemu only.
"""

from __future__ import annotations

import asyncio
import uuid

import numpy as np
import pytest
from livekit import rtc

from tests.helpers import make_token

nc = pytest.importorskip("livekit.plugins.noise_cancellation", reason="plugin not installed")
pytestmark = [pytest.mark.lkemu_only]


async def _received_level_db(
    room_name: str, noise_cancellation: rtc.NoiseCancellationOptions | None
) -> float:
    agent, user = rtc.Room(), rtc.Room()
    subscribed: asyncio.Queue[rtc.Track] = asyncio.Queue()
    agent.on("track_subscribed", lambda track, pub, p: subscribed.put_nowait(track))
    await agent.connect("ws://lkemu", make_token("agent", room_name))
    await user.connect("ws://lkemu", make_token("user", room_name))
    source = rtc.AudioSource(48000, 1)
    await user.local_participant.publish_track(
        rtc.LocalAudioTrack.create_audio_track("mic", source), rtc.TrackPublishOptions()
    )
    track = await asyncio.wait_for(subscribed.get(), 5)
    stream = rtc.AudioStream(
        track, sample_rate=16000, num_channels=1, noise_cancellation=noise_cancellation
    )
    frames: list[np.ndarray] = []

    async def listen() -> None:
        async for event in stream:
            frames.append(np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float64))
            if len(frames) >= 200:  # 2 s of 10 ms frames
                return

    listener = asyncio.create_task(listen())
    noise = (np.random.default_rng(4).standard_normal(48000 * 3) * 3000).astype(np.int16)
    for start in range(0, len(noise), 4800):
        if listener.done():
            break
        await source.capture_frame(
            rtc.AudioFrame(noise[start : start + 4800].tobytes(), 48000, 1, 4800)
        )
    await asyncio.wait_for(listener, 10)
    await stream.aclose()
    await user.disconnect()
    await agent.disconnect()
    audio = np.concatenate(frames[100:])  # the second second, once the filter has settled
    loud = audio[np.abs(audio) > 0]
    return float(10 * np.log10(np.mean(loud**2) + 1e-9)) if len(loud) else -120.0


async def test_noise_cancellation_plugin_removes_noise_without_loading_it() -> None:
    plain = await _received_level_db(f"nc-{uuid.uuid4().hex[:6]}", None)
    filtered = await _received_level_db(f"nc-{uuid.uuid4().hex[:6]}", nc.NC())
    print(f"noise through the stream: {plain:.1f} dB plain, {filtered:.1f} dB with NC()")
    assert plain - filtered >= 15.0, (plain, filtered)
    with open("/proc/self/maps") as maps:
        assert not any("liblivekit_nc_plugin" in line for line in maps)
