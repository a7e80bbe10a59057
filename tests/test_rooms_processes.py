"""Two OS processes, each running unmodified livekit.rtc code on one engine, meet in a room.

The publisher sends 10 s of audio; the subscriber receives it. On the virtual clock every
sample arrives exactly once and in order (same format, so nothing is resampled).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lkemu.bindings.embedded import EmbeddedEngine

pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")
ROOT = Path(__file__).resolve().parent.parent

COMMON = """
import asyncio, sys
import numpy as np
import lkemu
lkemu.install()
from livekit import rtc
from tests.helpers import make_token

AUDIO = np.random.default_rng(11).integers(-20000, 20000, 480000, dtype=np.int16)
"""

PUBLISHER = (
    COMMON
    + """
async def main():
    room = rtc.Room()
    ready = asyncio.Event()
    room.on("data_received", lambda packet: ready.set())
    await room.connect("ws://lkemu", make_token("publisher", "duo"))
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    await room.local_participant.publish_track(track, rtc.TrackPublishOptions())
    await asyncio.wait_for(ready.wait(), 30)  # the subscriber's stream exists
    for start in range(0, len(AUDIO), 48000):
        second = AUDIO[start:start + 48000]
        await source.capture_frame(rtc.AudioFrame(second.tobytes(), 48000, 1, 48000))
    await source.wait_for_playout()
    await asyncio.sleep(0.5)
    await room.disconnect()

asyncio.run(main())
"""
)

SUBSCRIBER = (
    COMMON
    + """
import time

async def main():
    room = rtc.Room()
    subscribed = asyncio.Queue()
    room.on("track_subscribed", lambda track, pub, p: subscribed.put_nowait(track))
    await room.connect("ws://lkemu", make_token("subscriber", "duo"))
    print("connected", flush=True)
    track = await asyncio.wait_for(subscribed.get(), 30)
    stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
    await room.local_participant.publish_data(b"ready")
    received, started = [], None
    async for event in stream:
        if started is None:
            started = time.perf_counter()
        received.append(np.frombuffer(event.frame.data, dtype=np.int16).copy())
        if sum(len(r) for r in received) >= len(AUDIO):
            break
    elapsed = time.perf_counter() - started
    got = np.concatenate(received)
    exact = bool(np.array_equal(got, AUDIO))
    print("exact", exact, "samples", len(got), "seconds", round(elapsed, 3))
    await stream.aclose()
    await room.disconnect()

asyncio.run(main())
"""
)


def test_two_processes_share_a_room_sample_exact_on_the_virtual_clock() -> None:
    engine = EmbeddedEngine.start(clock="virtual")
    env = {**os.environ, "LKEMU_ADDRESS": engine.address}
    try:
        subscriber = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SUBSCRIBER)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        assert subscriber.stdout is not None
        assert subscriber.stdout.readline().strip() == "connected"
        publisher = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(PUBLISHER)],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )  # fmt: skip
        out, err = subscriber.communicate(timeout=120)
    finally:
        engine.stop()
    assert publisher.returncode == 0, publisher.stderr[-2000:]
    assert subscriber.returncode == 0, err[-2000:]
    assert "exact True samples 480000" in out, out
    seconds = float(out.split("seconds")[1])
    print(f"10 s of audio crossed between processes in {seconds:.3f} s")
