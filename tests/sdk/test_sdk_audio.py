"""The SDK-level parity suite: written only against the public livekit.rtc API.

It passes with plain pytest on the native library and with `pytest --lkemu` on an lkemu
engine; tests/test_dropin.py runs it both ways. Keep it growing as features land, and keep
it free of anything lkemu-specific.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from livekit import rtc


def _sine(rate: int, seconds: float, freq: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = (0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1).reshape(-1)


def _frames(samples: np.ndarray, rate: int, channels: int, ms: int = 10) -> list[rtc.AudioFrame]:
    per_frame = rate * ms // 1000
    total = len(samples) // channels
    return [
        rtc.AudioFrame(
            samples[i * channels : (i + per_frame) * channels].tobytes(), rate, channels, per_frame
        )
        for i in range(0, total - per_frame + 1, per_frame)
    ]


def _dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_audio_frame_helpers() -> None:
    frame = rtc.AudioFrame.create(48000, 2, 480)
    assert (frame.sample_rate, frame.num_channels, frame.samples_per_channel) == (48000, 2, 480)
    assert frame.duration == pytest.approx(0.01)
    assert len(frame.data) == 960
    wav = frame.to_wav_bytes()
    assert wav[:4] == b"RIFF" and len(wav) == 44 + 960 * 2


def test_combine_audio_frames() -> None:
    frames = _frames(_sine(48000, 0.05, channels=2), 48000, 2)
    combined = rtc.combine_audio_frames(frames)
    assert (combined.sample_rate, combined.num_channels) == (48000, 2)
    assert combined.samples_per_channel == 5 * 480
    assert bytes(combined.data) == b"".join(bytes(f.data) for f in frames)


def test_resampler_push_and_flush() -> None:
    resampler = rtc.AudioResampler(44100, 16000, num_channels=1)
    produced = 0
    for frame in _frames(_sine(44100, 1.0), 44100, 1):
        for out in resampler.push(frame):
            assert out.sample_rate == 16000 and out.num_channels == 1
            produced += out.samples_per_channel
    for out in resampler.flush():
        produced += out.samples_per_channel
    assert abs(produced - 16000) <= 16  # 100 chunks of 441 samples is exactly one second


async def test_audio_stream_from_a_local_track() -> None:
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("tone", source)
    stream = rtc.AudioStream(track, sample_rate=16000, num_channels=1, frame_size_ms=20)
    received: list[np.ndarray] = []

    async def read() -> None:
        async for event in stream:
            frame = event.frame
            assert frame.sample_rate == 16000
            assert frame.num_channels == 1
            assert frame.samples_per_channel == 320
            received.append(np.frombuffer(frame.data, dtype=np.int16).copy())
            if len(received) >= 40:
                return

    reader = asyncio.create_task(read())
    for frame in _frames(_sine(48000, 1.0), 48000, 1):
        await source.capture_frame(frame)
    await asyncio.wait_for(reader, timeout=10)
    await stream.aclose()
    await source.aclose()

    audio = np.concatenate(received)
    assert len(audio) == 40 * 320
    assert _dominant_frequency(audio[-8000:], 16000) == pytest.approx(440, abs=4)


async def test_capture_rejects_a_frame_of_another_rate() -> None:
    source = rtc.AudioSource(48000, 1)
    with pytest.raises(Exception):  # noqa: B017 - the SDK raises a bare Exception
        await source.capture_frame(rtc.AudioFrame.create(16000, 1, 160))
    await source.aclose()


def test_audio_processing_module_works_in_place() -> None:
    apm = rtc.AudioProcessingModule(high_pass_filter=True)
    hum = (np.sin(2 * np.pi * 50 * np.arange(48000) / 48000) * 8000).astype(np.int16)
    processed = []
    for start in range(0, len(hum), 480):
        frame = rtc.AudioFrame(hum[start : start + 480].tobytes(), 48000, 1, 480)
        apm.process_stream(frame)  # the result replaces the frame's samples
        processed.append(np.frombuffer(frame.data, dtype=np.int16).copy())
    out = np.concatenate(processed)[24000:].astype(np.float64)
    assert len(out) == 24000
    assert 20 * np.log10(np.std(out) / np.std(hum[24000:])) < -3.0
