"""Platform audio through the public SDK.

The first part is python-sdks' tests/rtc/test_platform_audio.py scenario, rewritten: it
needs audio devices, so natively it skips on a machine without a sound card (with the
native error, as upstream does), and under --lkemu it runs on lkemu's virtual devices (by
default one microphone and one speaker). The second part is lkemu's only: a virtual
microphone's WAV reaching a subscriber, and a virtual speaker playing what a room sends,
steered through the engine's control service.
"""

from __future__ import annotations

import asyncio
import io
import uuid
import wave
from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest
from livekit import rtc

from lkemu.bindings import EngineControl
from lkemu.proto import engine_pb2
from tests.helpers import make_token
from tests.sdk.sdk_support import requires

HAS_PLATFORM_AUDIO = hasattr(rtc, "PlatformAudio")

pytestmark = [requires(HAS_PLATFORM_AUDIO, "PlatformAudio")]


def _default_microphone() -> engine_pb2.VirtualAudioDevice:
    """lkemu's default microphone (engine/media/platform_audio.py), restored after a test."""
    return engine_pb2.VirtualAudioDevice(
        name="lkemu Virtual Microphone", id="lkemu-virtual-microphone"
    )


def _default_speaker() -> engine_pb2.VirtualAudioDevice:
    return engine_pb2.VirtualAudioDevice(name="lkemu Virtual Speaker", id="lkemu-virtual-speaker")


def _dispose_track(track: rtc.Track) -> None:
    """Tracks have no public close(): the upstream test drops the handle itself."""
    track._ffi_handle.dispose()


@pytest.fixture
async def platform_audio() -> AsyncIterator[rtc.PlatformAudio]:
    try:
        made = rtc.PlatformAudio()
    except rtc.PlatformAudioError as error:  # natively, on a machine without audio devices
        pytest.skip(f"PlatformAudio not available: {error}")
    try:
        yield made
    finally:
        made.close()


# --- python-sdks' scenario -----------------------------------------------------------------


async def test_platform_audio_instances_coexist(platform_audio: rtc.PlatformAudio) -> None:
    second = rtc.PlatformAudio()  # shares the one ADM
    try:
        assert second is not None and platform_audio is not None
        assert second.recording_devices() == platform_audio.recording_devices()
    finally:
        second.close()
    second.close()  # closing twice is a no-op


async def test_devices_are_listed_with_sequential_indices(
    platform_audio: rtc.PlatformAudio,
) -> None:
    recording, playout = platform_audio.recording_devices(), platform_audio.playout_devices()
    assert isinstance(recording, list) and isinstance(playout, list)
    for devices in (recording, playout):
        for index, device in enumerate(devices):
            assert isinstance(device, rtc.AudioDeviceInfo)
            assert device.index == index
            assert isinstance(device.name, str) and device.name
            assert isinstance(device.id, str)


async def test_devices_are_selected_by_id(platform_audio: rtc.PlatformAudio) -> None:
    recording, playout = platform_audio.recording_devices(), platform_audio.playout_devices()
    if not recording or not playout:
        pytest.skip("no recording or playout device")
    platform_audio.set_recording_device(recording[0].id)
    platform_audio.set_playout_device(playout[0].id)
    # macOS falls back to the default device silently; Windows and Linux refuse.
    for select in (platform_audio.set_recording_device, platform_audio.set_playout_device):
        try:
            select("invalid-device-id-that-does-not-exist")
        except rtc.PlatformAudioError as error:
            assert "not found" in str(error).lower() or "failed" in str(error).lower()


async def test_audio_sources_from_platform_audio(platform_audio: rtc.PlatformAudio) -> None:
    sources = [
        platform_audio.create_audio_source(),
        platform_audio.create_audio_source(
            rtc.PlatformAudioOptions(
                echo_cancellation=True,
                noise_suppression=True,
                auto_gain_control=True,
                prefer_hardware=False,
            )
        ),
        platform_audio.create_audio_source(
            rtc.PlatformAudioOptions(
                echo_cancellation=False, noise_suppression=False, auto_gain_control=False
            )
        ),
    ]
    try:
        assert all(isinstance(s, rtc.PlatformAudioSource) for s in sources)
        handles = [s._handle for s in sources]
        assert all(h > 0 for h in handles) and len(set(handles)) == len(handles)
    finally:
        for source in sources:
            source.close()


async def test_a_track_from_a_platform_source(platform_audio: rtc.PlatformAudio) -> None:
    source = platform_audio.create_audio_source()
    track = None
    try:
        track = rtc.LocalAudioTrack.create_audio_track("test-mic", source)
        assert track.name == "test-mic"
        assert track.kind == rtc.TrackKind.KIND_AUDIO
    finally:
        if track is not None:
            _dispose_track(track)
        source.close()


def test_options_and_device_info() -> None:
    options = rtc.PlatformAudioOptions()
    assert (
        options.echo_cancellation,
        options.noise_suppression,
        options.auto_gain_control,
        options.prefer_hardware,
    ) == (True, True, True, False)
    info = rtc.AudioDeviceInfo(index=0, name="Test Mic", id="guid-1")
    assert info == rtc.AudioDeviceInfo(index=0, name="Test Mic", id="guid-1")
    assert info != rtc.AudioDeviceInfo(index=1, name="Other Mic", id="guid-2")


# --- lkemu's virtual devices ---------------------------------------------------------------


def _wav(samples: np.ndarray, rate: int = 48000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


@pytest.fixture
def devices(lkemu_control: EngineControl) -> Iterator[EngineControl]:
    """The control service; the engine's default devices are back afterwards."""
    yield lkemu_control
    lkemu_control.set_audio_devices([_default_microphone()], [_default_speaker()])


async def _connect(identity: str, room_name: str) -> rtc.Room:
    room = rtc.Room()
    await room.connect("ws://lkemu", make_token(identity, room_name))
    return room


def _find(heard: np.ndarray, sent: np.ndarray, block: int = 480) -> int | None:
    """How many whole 10 ms blocks of `sent` were missed before `heard` has the rest of it,
    sample for sample, from its first non-zero sample on (None: it does not)."""
    start = int(np.flatnonzero(heard)[0])
    for lost in range(0, 10 * block + 1, block):
        rest = sent[lost:]
        if np.array_equal(heard[start : start + len(rest)], rest):
            return lost
    return None


@pytest.mark.lkemu_only
async def test_a_virtual_microphone_reaches_a_subscriber(devices: EngineControl) -> None:
    said = (np.random.default_rng(11).standard_normal(24000) * 3000).astype(np.int16)  # 0.5 s
    reply = devices.set_audio_devices(
        [engine_pb2.VirtualAudioDevice(name="Desk Mic", id="desk-mic", wav=_wav(said))]
    )
    assert list(reply.recording_ids) == ["desk-mic"]
    room_name = f"pa-{uuid.uuid4().hex[:8]}"
    listener = await _connect("listener", room_name)
    subscribed: asyncio.Queue[rtc.Track] = asyncio.Queue()
    listener.on("track_subscribed", lambda track, *_: subscribed.put_nowait(track))
    speaker = await _connect("speaker", room_name)
    audio = rtc.PlatformAudio()
    assert [d.name for d in audio.recording_devices()] == ["Desk Mic"]
    audio.set_recording_device("desk-mic")
    source = audio.create_audio_source()
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await speaker.local_participant.publish_track(track, options)  # starts the recording

    remote = await asyncio.wait_for(subscribed.get(), 5)
    stream = rtc.AudioStream(remote, sample_rate=48000, num_channels=1)
    parts: list[np.ndarray] = []

    async def listen() -> None:
        total = 0
        async for event in stream:
            samples = np.frombuffer(event.frame.data, dtype=np.int16)
            if total or np.any(samples):
                parts.append(samples.copy())
                total += len(samples)
            if total >= len(said) + 4800:
                return

    await asyncio.wait_for(listen(), 10)
    heard = np.concatenate(parts)
    # The microphone's audio begins with the first subscriber. On the real clock the
    # AudioStream exists a moment after the subscription, as natively: whole 10 ms blocks
    # played before it may be missed, never part of one; the rest is sample-exact, then
    # silence. (On the virtual clock it begins with the stream's first read: nothing lost.)
    lost = _find(heard, said)
    assert lost is not None
    assert not np.any(heard[len(said) - lost + int(np.flatnonzero(heard)[0]) :])

    await stream.aclose()
    source.close()
    audio.close()
    await speaker.disconnect()
    await listener.disconnect()


@pytest.mark.lkemu_only
async def test_a_virtual_speaker_plays_what_the_room_sends(devices: EngineControl) -> None:
    devices.set_audio_devices(
        [_default_microphone()],
        [engine_pb2.VirtualAudioDevice(name="Headset", id="headset", num_channels=1)],
    )
    room_name = f"pa-{uuid.uuid4().hex[:8]}"
    listener = await _connect("listener", room_name)
    subscribed: asyncio.Queue[rtc.Track] = asyncio.Queue()
    listener.on("track_subscribed", lambda track, *_: subscribed.put_nowait(track))
    audio = rtc.PlatformAudio()  # the listener's remote audio now plays to its speaker
    assert [d.id for d in audio.playout_devices()] == ["headset"]
    talker = await _connect("talker", room_name)
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("voice", source)
    await talker.local_participant.publish_track(track, rtc.TrackPublishOptions())
    await asyncio.wait_for(subscribed.get(), 5)
    await asyncio.sleep(0.05)  # the speaker looks for newly received tracks every 10 ms

    sent = (np.random.default_rng(5).standard_normal(24000) * 3000).astype(np.int16)
    frame = rtc.AudioFrame(sent.tobytes(), 48000, 1, len(sent))
    await source.capture_frame(frame)
    await source.wait_for_playout()

    played = np.zeros(0, dtype=np.int16)
    for _ in range(100):  # until the speaker has played it all (10 ms a tick)
        with wave.open(io.BytesIO(devices.playout_audio("headset"))) as reader:
            assert (reader.getframerate(), reader.getnchannels()) == (48000, 1)
            played = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        if np.any(played) and len(played) - int(np.flatnonzero(played)[0]) >= len(sent):
            break
        await asyncio.sleep(0.05)
    assert _find(played, sent) == 0  # all of it, sample for sample

    audio.close()
    await talker.disconnect()
    await listener.disconnect()
