"""Platform audio on virtual devices (engine/media/platform_audio.py): enumeration and
selection with native's texts, the handle rules, platform sources, a virtual microphone
reaching a subscriber and a virtual speaker playing what the session receives, on the
virtual clock and on simulated time (the real clock's pacing)."""

from __future__ import annotations

import asyncio
import io
import json
import wave
from typing import Any

import numpy as np
import pytest

from lkemu.bindings.simulated_time import SimulatedTimeLoop
from lkemu.engine.core import dispatch
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.media import platform_audio
from lkemu.engine.media.platform_audio import PlatformAudioStore, mix
from lkemu.proto import audio_frame_pb2, engine_pb2, track_pb2

from .conftest import (
    INPUT_ADDRESS,
    int16_memory,
    next_event,
    open_session,
    queued_events,
    request_of,
    run,
    settle,
)
from .test_rooms import Peer, _development_keys

__all__ = ["_development_keys"]  # the fixture, used here too

PLATFORM = audio_frame_pb2.AUDIO_SOURCE_PLATFORM
HANDLE_TYPE = "livekit_ffi::room_apis::server::platform_audio::FfiPlatformAudio"


def _wav(samples: np.ndarray, rate: int = 48000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(samples.shape[1] if samples.ndim == 2 else 1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def _read_wav(data: bytes) -> tuple[np.ndarray, int, int]:
    with wave.open(io.BytesIO(data)) as reader:
        rate, channels = reader.getframerate(), reader.getnchannels()
        frames = reader.readframes(reader.getnframes())
    return np.frombuffer(frames, dtype="<i2").reshape(-1, channels), rate, channels


def _devices(runtime: EngineRuntime, **fields: Any) -> engine_pb2.SetAudioDevicesReply:
    return platform_audio.set_audio_devices(runtime, engine_pb2.SetAudioDevicesRequest(**fields))


def _new_platform_audio(runtime: EngineRuntime, session: Session) -> Any:
    return run(runtime, session, request_of("new_platform_audio"))


def _handle(runtime: EngineRuntime, session: Session) -> int:
    response = _new_platform_audio(runtime, session)
    assert response.WhichOneof("message") == "platform_audio", response
    handle: int = response.platform_audio.handle.id
    return handle


def _platform_source(runtime: EngineRuntime, session: Session, audio: int = 0) -> int:
    request = request_of(
        "new_audio_source",
        type=PLATFORM,
        platform_audio_handle=audio,
        sample_rate=48000,
        num_channels=1,
        options={"echo_cancellation": True, "noise_suppression": True, "auto_gain_control": True},
    )
    response = run(runtime, session, request)
    assert response.source.info.type == PLATFORM
    handle: int = response.source.handle.id
    return handle


def _noise(frames: int, seed: int = 3) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((frames, 1)) * 3000).astype(np.int16)


# --- devices, selection and handles --------------------------------------------------------


async def test_the_default_devices_one_microphone_and_one_speaker(
    runtime: EngineRuntime, session: Session
) -> None:
    response = _new_platform_audio(runtime, session)
    info = response.platform_audio.info
    assert (info.recording_device_count, info.playout_device_count) == (1, 1)
    devices = run(
        runtime,
        session,
        request_of("get_audio_devices", platform_audio_handle=response.platform_audio.handle.id),
    )
    assert not devices.HasField("error")
    assert [(d.index, d.name, d.guid) for d in devices.recording_devices] == [
        (0, "lkemu Virtual Microphone", "lkemu-virtual-microphone")
    ]
    assert [(d.index, d.name, d.guid) for d in devices.playout_devices] == [
        (0, "lkemu Virtual Speaker", "lkemu-virtual-speaker")
    ]


async def test_without_an_audio_subsystem_platform_audio_fails_as_native(
    runtime: EngineRuntime, session: Session
) -> None:
    _devices(runtime, unavailable=True)
    response = _new_platform_audio(runtime, session)
    assert response.WhichOneof("message") == "error"
    assert response.error == "Failed to initialize platform audio"  # measured natively here
    assert runtime.handles.count(session.id)["PlatformAudio"] == 0


async def test_the_environment_configures_the_devices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    source = tmp_path / "mic.wav"
    source.write_bytes(_wav(_noise(4800), 16000))
    devices = {
        "recording": [
            {"name": "Desk Mic", "wavPath": str(source)},  # JSON names: either spelling
            {"name": "Sine", "signal": {"kind": "sine", "seconds": 0.5}},
        ],
        "playout": [{"name": "Headset", "id": "hs", "num_channels": 1}],
    }
    monkeypatch.setenv(platform_audio.DEVICES_ENV, json.dumps(devices))
    runtime = EngineRuntime(clock="virtual")
    store = runtime.area(PlatformAudioStore)
    microphones, speakers = store.devices.microphones, store.devices.speakers
    assert [m.name for m in microphones] == ["Desk Mic", "Sine"]
    assert [m.guid for m in microphones] == [
        "lkemu-microphone-0-desk-mic",
        "lkemu-microphone-1-sine",
    ]
    assert microphones[0].samples is not None and len(microphones[0].samples) == 14400  # 48 kHz
    assert microphones[1].samples is not None and len(microphones[1].samples) == 24000
    assert [(s.guid, s.num_channels, s.sample_rate) for s in speakers] == [("hs", 1, 48000)]
    await runtime.shutdown()

    monkeypatch.setenv(platform_audio.DEVICES_ENV, "none")
    assert not EngineRuntime().area(PlatformAudioStore).devices.available

    monkeypatch.setenv(platform_audio.DEVICES_ENV, '{"recording": [{"wavPath": "/nonexistent"}]}')
    runtime = EngineRuntime(clock="virtual")
    response = _new_platform_audio(runtime, open_session(runtime))
    assert response.error.startswith("Failed to initialize platform audio (lkemu: ")
    assert "LKEMU_AUDIO_DEVICES" in response.error and "/nonexistent" in response.error
    await runtime.shutdown()


async def test_bad_configurations_are_refused_naming_the_problem(runtime: EngineRuntime) -> None:
    with pytest.raises(platform_audio.DeviceConfigError, match="same id"):
        _devices(runtime, recording=[{"id": "a"}, {"id": "a"}])
    with pytest.raises(platform_audio.DeviceConfigError, match="16-bit PCM"):
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(1)
            writer.setframerate(8000)
            writer.writeframes(b"\x80" * 80)
        _devices(runtime, recording=[{"wav": out.getvalue()}])
    with pytest.raises(platform_audio.DeviceConfigError, match="plays no audio"):
        _devices(runtime, playout=[{"wav": _wav(_noise(480))}])
    with pytest.raises(platform_audio.DeviceConfigError, match="unknown signal kind"):
        _devices(runtime, recording=[{"signal": {"kind": "chirp", "seconds": 1}}])


async def test_handles_are_checked_as_native_checks_them(
    runtime: EngineRuntime, session: Session
) -> None:
    source = run(
        runtime, session, request_of("new_audio_source", type=0, sample_rate=48000, num_channels=1)
    ).source.handle.id
    kinds: tuple[tuple[str, dict[str, str]], ...] = (
        ("get_audio_devices", {}),
        ("set_recording_device", {"device_id": "x"}),
        ("set_playout_device", {"device_id": "x"}),
        ("start_recording", {}),
        ("stop_recording", {}),
    )
    for kind, fields in kinds:
        for handle, message in (
            (0, "handle is invalid"),
            (99999, "handle not found"),
            (source, f"handle is not a {HANDLE_TYPE}"),
        ):
            request = request_of(kind, platform_audio_handle=handle, **fields)
            with pytest.raises(dispatch.RequestFailed) as failed:
                run(runtime, session, request)
            assert failed.value.message.endswith(f"{kind}: {message}"), (kind, handle)
    # Another session's handle is not found, as in another process.
    theirs = _handle(runtime, open_session(runtime))
    with pytest.raises(dispatch.RequestFailed, match="handle not found"):
        run(runtime, session, request_of("start_recording", platform_audio_handle=theirs))


async def test_device_selection_by_guid(runtime: EngineRuntime, session: Session) -> None:
    _devices(
        runtime,
        recording=[{"name": "A", "id": "mic-a"}, {"name": "B", "id": "mic-b"}],
        playout=[{"name": "S", "id": "spk"}],
    )
    audio = _handle(runtime, session)

    def select(kind: str, guid: str) -> str | None:
        response = run(
            runtime, session, request_of(kind, platform_audio_handle=audio, device_id=guid)
        )
        return response.error if response.HasField("error") else None

    assert select("set_recording_device", "mic-b") is None
    assert select("set_recording_device", "mic-a") is None
    assert select("set_playout_device", "spk") is None
    assert select("set_recording_device", "invalid-device-id-that-does-not-exist") == (
        "Device not found"
    )
    assert select("set_playout_device", "") == "Device not found"
    assert select("set_playout_device", "0") == "Device not found"  # a GUID, not an index
    # WebRTC's Linux ADM refuses a device change while recording is initialized.
    start = run(runtime, session, request_of("start_recording", platform_audio_handle=audio))
    assert not start.HasField("error")
    assert select("set_recording_device", "mic-b") == "Device not found"
    stop = run(runtime, session, request_of("stop_recording", platform_audio_handle=audio))
    assert not stop.HasField("error")
    assert select("set_recording_device", "mic-b") is None
    # Starting and stopping are idempotent.
    for kind in ("stop_recording", "start_recording", "start_recording", "stop_recording"):
        assert not run(runtime, session, request_of(kind, platform_audio_handle=audio)).HasField(
            "error"
        )


async def test_no_microphone_no_recording(runtime: EngineRuntime, session: Session) -> None:
    _devices(runtime, playout=[{"name": "S"}])
    response = _new_platform_audio(runtime, session)
    assert response.platform_audio.info.recording_device_count == 0
    audio = response.platform_audio.handle.id
    start = run(runtime, session, request_of("start_recording", platform_audio_handle=audio))
    assert start.error == "Audio operation failed: init_recording failed"
    devices = run(runtime, session, request_of("get_audio_devices", platform_audio_handle=audio))
    assert len(devices.recording_devices) == 0 and len(devices.playout_devices) == 1


async def test_platform_sources_take_any_handle_and_no_frames(
    runtime: EngineRuntime, session: Session
) -> None:
    # Measured natively: handle 0, an unknown one, no PlatformAudio at all: all accepted.
    sources = [_platform_source(runtime, session, audio) for audio in (0, 12345)]
    assert len(set(sources)) == 2
    buffer = {
        "data_ptr": INPUT_ADDRESS,
        "num_channels": 1,
        "sample_rate": 48000,
        "samples_per_channel": 480,
    }
    request = request_of("capture_audio_frame", source_handle=sources[0], buffer=buffer)
    response = run(runtime, session, request, int16_memory(_noise(480)))
    assert response.async_id > 0
    await settle()
    assert not [r for r in queued_events(session) if r.event.HasField("capture_audio_frame")]
    assert run(runtime, session, request_of("clear_audio_buffer", source_handle=sources[0])) == (
        audio_frame_pb2.ClearAudioBufferResponse()
    )
    track = run(
        runtime, session, request_of("create_audio_track", name="mic", source_handle=sources[0])
    )
    assert track.track.info.kind == track_pb2.KIND_AUDIO


# --- the microphone ------------------------------------------------------------------------


async def _publish_platform_track(peer: Peer) -> tuple[int, int, int]:
    """PlatformAudio, a platform source and a published track of it: their handles."""
    audio = _handle(peer.runtime, peer.session)
    source = _platform_source(peer.runtime, peer.session, audio)
    track = peer.run(request_of("create_audio_track", name="mic", source_handle=source)).track
    done = await peer.publish(track.handle.id)
    assert done.WhichOneof("message") == "publication", done
    return audio, source, track.handle.id


def _adm(peer: Peer) -> platform_audio.Adm:
    return peer.runtime.area(PlatformAudioStore).adms[peer.session.id]


async def _heard(peer: Peer, stream: int, frames: int) -> np.ndarray:
    received: list[np.ndarray] = []
    total = 0
    while total < frames:
        event = await next_event(
            peer.session,
            lambda e: (
                e.audio_stream_event.stream_handle == stream
                and e.audio_stream_event.HasField("frame_received")
            ),
        )
        frame = event.event.audio_stream_event.frame_received.frame
        data = event.blob(frame.info.data_ptr)
        received.append(np.frombuffer(data, dtype=np.int16))
        total += frame.info.samples_per_channel
    return np.concatenate(received)


async def _subscribe_stream(subscriber: Peer, rate: int = 48000) -> int:
    subscribed = await subscriber.event("track_subscribed")
    request = request_of(
        "new_audio_stream",
        track_handle=subscribed.track.handle.id,
        type=audio_frame_pb2.AUDIO_STREAM_NATIVE,
        sample_rate=rate,
        num_channels=1,
    )
    handle: int = subscriber.run(request).stream.handle.id
    return handle


async def test_a_virtual_microphone_reaches_a_subscriber_sample_exact(
    runtime: EngineRuntime,
) -> None:
    said = _noise(48000 + 123)
    _devices(runtime, recording=[{"name": "Mic", "wav": _wav(said)}])
    publisher, subscriber = Peer(runtime, "speaker"), Peer(runtime, "listener")
    await subscriber.connect()
    await publisher.connect()
    _, source, _ = await _publish_platform_track(publisher)
    # Publishing a platform track started the ADM's recording (WebRTC's AudioState).
    assert _adm(publisher).recording
    # The track goes on without the source's handle (native's tracks hold what it names).
    assert runtime.drop_handle(publisher.session.id, source)
    stream = await _subscribe_stream(subscriber)
    heard = await _heard(subscriber, stream, len(said) + 480)
    # On the virtual clock nothing plays before the microphone's audio begins (with the
    # first subscriber): it arrives whole, then silence.
    assert np.array_equal(heard[: len(said)], said[:, 0])
    assert not np.any(heard[len(said) :])


async def test_recording_follows_the_platform_tracks_that_send(runtime: EngineRuntime) -> None:
    publisher = Peer(runtime, "speaker")
    await publisher.connect()
    audio = _handle(runtime, publisher.session)
    source = _platform_source(runtime, publisher.session, audio)
    track = publisher.run(request_of("create_audio_track", name="mic", source_handle=source))
    assert not _adm(publisher).recording  # a track alone does not record
    done = await publisher.publish(track.track.handle.id)
    assert _adm(publisher).recording
    request = request_of(
        "unpublish_track",
        local_participant_handle=publisher.local,
        track_sid=done.publication.info.sid,
        stop_on_unpublish=False,
    )
    await publisher.call(request)
    await settle()
    publisher.runtime.area(PlatformAudioStore)._tick()  # the next 10 ms tick's housekeeping
    assert not _adm(publisher).recording  # the last sending track stopped: so did recording
    # Dropping the last PlatformAudio handle releases the ADM.
    run(runtime, publisher.session, request_of("start_recording", platform_audio_handle=audio))
    assert _adm(publisher).recording
    assert runtime.drop_handle(publisher.session.id, audio)
    assert publisher.session.id not in runtime.area(PlatformAudioStore).adms or not (
        _adm(publisher).recording
    )


async def test_platform_audio_handles_share_one_adm(
    runtime: EngineRuntime, session: Session
) -> None:
    first, second = _handle(runtime, session), _handle(runtime, session)
    assert first != second
    adm = runtime.area(PlatformAudioStore).adms[session.id]
    assert adm.refs == 2
    run(runtime, session, request_of("start_recording", platform_audio_handle=first))
    assert runtime.drop_handle(session.id, first)
    assert adm.recording  # the other reference keeps it
    assert runtime.drop_handle(session.id, second)
    assert not adm.recording and adm.refs == 0


# --- the speaker ---------------------------------------------------------------------------


async def test_a_virtual_speaker_plays_what_the_session_receives(runtime: EngineRuntime) -> None:
    _devices(runtime, playout=[{"name": "Speaker", "id": "spk", "num_channels": 1}])
    talker, listener = Peer(runtime, "talker"), Peer(runtime, "listener")
    await listener.connect()
    await talker.connect()
    audio = _handle(runtime, listener.session)
    assert audio
    source, track = talker.new_track()
    await talker.publish(track)
    await listener.event("track_subscribed")
    store = runtime.area(PlatformAudioStore)
    store._tick()  # the speaker finds the received track (every 10 ms)
    said = _noise(4800 * 3)
    buffer = {
        "data_ptr": INPUT_ADDRESS,
        "num_channels": 1,
        "sample_rate": 48000,
        "samples_per_channel": len(said),
    }
    request = request_of("capture_audio_frame", source_handle=source, buffer=buffer)
    await talker.call(request, int16_memory(said))
    for _ in range(200):
        if store.devices.speakers[0].played_frames >= len(said):
            break
        await asyncio.sleep(0)
    reply = platform_audio.get_playout_audio(
        runtime, engine_pb2.GetPlayoutAudioRequest(device_id="spk", clear=True)
    )
    played, rate, channels = _read_wav(reply.wav)
    assert (rate, channels, reply.samples) == (48000, 1, len(said))
    assert np.array_equal(played[:, 0], said[:, 0])
    again = platform_audio.get_playout_audio(
        runtime, engine_pb2.GetPlayoutAudioRequest(device_id="spk")
    )
    assert again.samples == 0
    with pytest.raises(platform_audio.DeviceConfigError, match="no playout device"):
        platform_audio.get_playout_audio(runtime, engine_pb2.GetPlayoutAudioRequest(device_id="x"))


def test_the_mixer_sums_the_three_loudest() -> None:
    chunk = 480
    quiet, *loud = (np.full((chunk, 1), level, dtype=np.int16) for level in (1, 10, 20, 30))
    assert np.array_equal(mix([loud[0]], chunk, 1), loud[0])  # one source passes untouched
    assert np.all(mix([quiet, *loud], chunk, 1) == 60)  # the quietest of four is left out
    assert np.all(mix([np.full((chunk, 1), 30000, dtype=np.int16)] * 2, chunk, 1) == 32767)
    assert np.all(mix([], chunk, 2) == 0) and mix([], chunk, 2).shape == (chunk, 2)


# --- the real clock's pace, on simulated time ----------------------------------------------


def test_on_the_real_clock_recording_and_playout_take_10_ms_every_10_ms(tmp_path: Any) -> None:
    loop = SimulatedTimeLoop()
    output = tmp_path / "speaker.wav"
    said = _noise(48000)

    async def scenario() -> tuple[int, int, np.ndarray, float]:
        runtime = EngineRuntime(clock="simulated")
        _devices(
            runtime,
            recording=[{"name": "Mic", "wav": _wav(said)}],
            playout=[{"name": "Speaker", "id": "spk", "num_channels": 1, "wav_path": str(output)}],
        )
        publisher, subscriber = Peer(runtime, "speaker"), Peer(runtime, "listener")
        await subscriber.connect()
        await publisher.connect()
        _handle(runtime, subscriber.session)  # the listener plays to its speaker
        await _publish_platform_track(publisher)
        stream = await _subscribe_stream(subscriber)
        began = loop.time()
        heard = await _heard(subscriber, stream, 2 * 48000)
        elapsed = loop.time() - began
        await asyncio.sleep(0.1)
        played = runtime.area(PlatformAudioStore).devices.speakers[0].played_frames
        await runtime.shutdown()
        return len(heard), played, heard, elapsed

    try:
        frames, played, heard, elapsed = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert frames == 2 * 48000
    assert 1.9 <= elapsed <= 2.1  # 2 s of audio took 2 s of the loop's (simulated) time
    # The microphone's audio began with the first subscriber and reached the stream whole
    # (save whole 10 ms blocks played before the stream existed), then silence.
    start = int(np.flatnonzero(heard)[0])
    lost = next(
        (
            k
            for k in range(0, 20 * 480 + 1, 480)
            if np.array_equal(heard[start : start + len(said) - k], said[k:, 0])
        ),
        None,
    )
    assert lost is not None
    assert not np.any(heard[start + len(said) - lost :])  # then silence
    # The speaker played all along, 10 ms per 10 ms (what it got from the stream's track).
    assert 2.0 * 48000 <= played <= 2.2 * 48000
    written, rate, channels = _read_wav(output.read_bytes())
    assert (rate, channels, len(written)) == (48000, 1, played)
    assert np.any(written)
