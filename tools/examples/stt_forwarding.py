"""The journey users ask about: audio from a track, as 16 kHz 20 ms frames, into speech-to-text.

A stream does not send audio anywhere by itself: the caller forwards each frame. This example
publishes speech-like audio into a local track, reads it back with
`AudioStream(track, sample_rate=16000, num_channels=1, frame_size_ms=20)`, and forwards every
frame to a toy speech-to-text stand-in (an energy-based segmenter) that reports segments.
Only the public livekit.rtc API is used:

    python tools/examples/stt_forwarding.py              # on the native library
    lkemu run -- python tools/examples/stt_forwarding.py # on lkemu, no native library
"""

from __future__ import annotations

import asyncio
import sys
import time

import numpy as np
from livekit import rtc

from lkemu.journey import EnergySegmenter, speech_like

RATE_IN = 48000


async def main(seconds: float = 4.0) -> int:
    audio = speech_like(seconds, RATE_IN)
    source = rtc.AudioSource(RATE_IN, 1)
    track = rtc.LocalAudioTrack.create_audio_track("speaker", source)
    stream = rtc.AudioStream(track, sample_rate=16000, num_channels=1, frame_size_ms=20)
    stt = EnergySegmenter()
    expected_frames = len(audio) // 320 // 3  # 16 kHz frames of 20 ms

    async def forward() -> int:
        frames = 0
        async for event in stream:  # the caller forwards the frames: nothing does it for us
            frame = event.frame
            stt.push(np.frombuffer(frame.data, dtype=np.int16), frame.sample_rate)
            frames += 1
            if frames >= expected_frames:
                break
        return frames

    started = time.perf_counter()
    reader = asyncio.create_task(forward())
    step = RATE_IN // 100
    for start in range(0, len(audio) - step + 1, step):
        chunk = audio[start : start + step]
        await source.capture_frame(rtc.AudioFrame(chunk.tobytes(), RATE_IN, 1, step))
    frames = await asyncio.wait_for(reader, timeout=seconds * 5 + 10)
    elapsed = time.perf_counter() - started
    stt.flush()
    await stream.aclose()
    await source.aclose()

    print(f"forwarded {frames} frames of 20 ms at 16 kHz to the segmenter")
    for begin, end in stt.segments:
        print(f"  speech {begin:5.2f} s - {end:5.2f} s")
    print(f"{len(stt.segments)} segments in {seconds:.1f} s of audio, "
          f"{seconds / elapsed:.1f}x real time")  # fmt: skip
    with open("/proc/self/maps") as maps:
        native = any("liblivekit_ffi" in line for line in maps)
    print(f"native library loaded: {'yes' if native else 'no'}")
    return 0 if stt.segments else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
